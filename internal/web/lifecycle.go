package web

import (
	"context"
	"time"

	"github.com/council/intake/internal/feedback"
)

// ServiceLifecycle is the console's Lifecycle carried out by the domain's lifecycle service:
// the console's forms and the JSON API call the same operations.
type ServiceLifecycle struct{ Service *feedback.Service }

var _ Lifecycle = ServiceLifecycle{}

// Assign hands the case to another officer.
func (l ServiceLifecycle) Assign(ctx context.Context, who feedback.StaffMember, ref, to string) (*feedback.Case, error) {
	return l.Service.Assign(ctx, who, ref, to)
}

// Reclassify changes the case's kind.
func (l ServiceLifecycle) Reclassify(ctx context.Context, who feedback.StaffMember, ref string, kind feedback.Kind) (*feedback.Case, error) {
	return l.Service.Reclassify(ctx, who, ref, kind)
}

// AddNote records a note on the case.
func (l ServiceLifecycle) AddNote(ctx context.Context, who feedback.StaffMember, ref, text string) (*feedback.Case, error) {
	return l.Service.AddNote(ctx, who, ref, text)
}

// Extend extends the current stage.
func (l ServiceLifecycle) Extend(ctx context.Context, who feedback.StaffMember, ref string, workingDays int, reason string) (*feedback.Case, error) {
	return l.Service.Extend(ctx, who, ref, workingDays, reason)
}

// Respond closes the current stage with its outcome.
func (l ServiceLifecycle) Respond(ctx context.Context, who feedback.StaffMember, ref string, r Response) (*feedback.Case, error) {
	return l.Service.Respond(ctx, who, ref, feedback.Response{Outcome: feedback.Outcome(r.Outcome), Summary: r.Summary,
		Lessons: r.Lessons, CompensationPence: r.CompensationPence, SentBy: feedback.SentBy(r.SentBy)})
}

// Escalate opens Stage 2 with its reviewer.
func (l ServiceLifecycle) Escalate(ctx context.Context, who feedback.StaffMember, ref, reviewer, reason string) (*feedback.Case, error) {
	return l.Service.Escalate(ctx, who, ref, reviewer, reason)
}

// Ombudsman records a referral, or, when a decision is given, the Ombudsman's decision.
func (l ServiceLifecycle) Ombudsman(ctx context.Context, who feedback.StaffMember, ref string, o OmbudsmanUpdate) (*feedback.Case, error) {
	if o.Decision != "" {
		on, err := l.date("decided_on", o.DecidedOn)
		if err != nil {
			return nil, err
		}
		return l.Service.RecordOmbudsmanDecision(ctx, who, ref, feedback.Decision(o.Decision), on, o.Remedy)
	}
	on, err := l.date("referred_on", o.ReferredOn)
	if err != nil {
		return nil, err
	}
	return l.Service.ReferOmbudsman(ctx, who, ref, feedback.Ombudsman(o.Ombudsman), on)
}

// Close closes the case with a note.
func (l ServiceLifecycle) Close(ctx context.Context, who feedback.StaffMember, ref, note string) (*feedback.Case, error) {
	return l.Service.Close(ctx, who, ref, note)
}

// List lists the cases who may see, through the service's ListCases.
func (l ServiceLifecycle) List(ctx context.Context, who feedback.StaffMember, q CaseQuery) ([]*feedback.Case, error) {
	query := feedback.CaseQuery{Status: feedback.StatusOpen, ServiceArea: q.ServiceArea, Kind: q.Kind,
		Stage: q.Stage, Channel: q.Channel, Overdue: q.Overdue}
	var out []*feedback.Case
	for {
		page, err := l.Service.ListCases(ctx, who, query)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Cases...)
		if page.Next == "" {
			return out, nil
		}
		query.Cursor = page.Next
	}
}

func (l ServiceLifecycle) date(field, s string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, l.Service.Calendar.Location())
	if err != nil {
		return time.Time{}, fieldError(field, "Enter the date like 2027-01-04")
	}
	return t, nil
}

// Hold places or releases a legal hold on the case.
func (l ServiceLifecycle) Hold(ctx context.Context, who feedback.StaffMember, ref string, place bool, reason string) (*feedback.Case, error) {
	if place {
		return l.Service.PlaceHold(ctx, who, ref, reason)
	}
	return l.Service.ReleaseHold(ctx, who, ref, reason)
}
