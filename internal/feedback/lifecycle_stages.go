package feedback

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// A complaint's stages: extending, responding, escalating to Stage 2, the Ombudsman's referral
// and decision, and closing.

// Extend gives the current stage more time, once per stage: at most 10 working days at Stage 1
// and 20 at Stage 2, with a reason. The resident is written to with the new date and the
// Ombudsman's details; the old reminders are cancelled and new ones made.
func (s *Service) Extend(ctx context.Context, who StaffMember, ref string, workingDays int, reason string) (*Case, error) {
	if err := cleanText("reason", &reason, true); err != nil {
		return nil, err
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if err := c.refuseExtend(); err != nil {
			return err
		}
		st := c.current()
		switch {
		case workingDays < 1 || workingDays > MaxExtension(c.Stage):
			return Invalid("working_days", "An extension at %s is 1 to %d working days", c.Stage.Label(), MaxExtension(c.Stage))
		}
		old := c.RespondBy
		st.ExtendedBy, st.ExtensionReason = workingDays, strings.TrimSpace(reason)
		c.moveDue(s.Calendar.AddWorkingDays(old, workingDays))
		c.Record(now, who.Email, "extended", fmt.Sprintf("%s extended by %d working days, from %s to %s",
			c.Stage.Label(), workingDays, old.Format(time.DateOnly), c.RespondBy.Format(time.DateOnly)), st.ExtensionReason)
		s.residentLetter(c, now, "extension-"+string(c.Stage), "We need more time to respond to your complaint",
			fmt.Sprintf("We are sorry, but we need more time to give you our full response to your complaint at %s. "+
				"We will now respond by %s.", c.Stage.Label(), LongDate(c.RespondBy)),
			"Why we need longer: "+st.ExtensionReason,
			"If you are unhappy with this delay you may contact "+s.Policy.ombudsmanFor(c).details()+".")
		return nil
	})
}

// Respond records the current stage's response and closes the stage. At Stage 1 the letter
// says how to ask for Stage 2 and by when, and the case stays open for that long (Close ends it
// sooner); at Stage 2, the last stage, it gives the Ombudsman's details and the case closes.
func (s *Service) Respond(ctx context.Context, who StaffMember, ref string, r Response) (*Case, error) {
	r.Summary, r.Lessons, r.Remedy = strings.TrimSpace(r.Summary), strings.TrimSpace(r.Lessons), strings.TrimSpace(r.Remedy)
	switch r.Outcome {
	case OutcomeUpheld, OutcomePartlyUpheld, OutcomeNotUpheld, OutcomeInvalid:
	default:
		return nil, Invalid("outcome", "The outcome must be upheld, partly_upheld, not_upheld or invalid")
	}
	if r.SentBy != SentByEmail && r.SentBy != SentByPost {
		return nil, Invalid("sent_by", "Say whether the response goes by email or went by post")
	}
	if r.CompensationPence < 0 {
		return nil, Invalid("compensation_pence", "Compensation cannot be negative")
	}
	for field, v := range map[string]*string{"lessons": &r.Lessons, "remedy": &r.Remedy} {
		if err := cleanText(field, v, false); err != nil {
			return nil, err
		}
	}
	if err := cleanText("summary", &r.Summary, true); err != nil {
		return nil, err
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if err := c.refuseRespond(); err != nil {
			return err
		}
		st := c.current()
		switch {
		case r.SentBy == SentByEmail && c.Contact.Email == "":
			return Invalid("sent_by", "There is no email address for this resident: send the response by post and record sent_by post")
		}
		r.At, r.By = now, who.Email
		st.Response, st.Handler = r, c.AssignedTo
		c.moveDue(time.Time{})
		c.Record(now, who.Email, "responded", c.Stage.Label()+": "+r.Outcome.Label(), "")
		paras := []string{
			fmt.Sprintf("This is our full response to your complaint at %s.", c.Stage.Label()),
			"Our finding: your complaint is " + r.Outcome.Label() + ".",
			r.Summary,
		}
		if r.Remedy != "" {
			paras = append(paras, "What we will do to put things right: "+r.Remedy)
		}
		if r.CompensationPence > 0 {
			paras = append(paras, fmt.Sprintf("We will pay you £%d.%02d in compensation.", r.CompensationPence/100, r.CompensationPence%100))
		}
		if c.Stage == Stage1 {
			c.EscalateBy = s.escalateBy(now)
			paras = append(paras, fmt.Sprintf("If you are unhappy with this response, you can ask for a review by a director (Stage 2 of our "+
				"complaints procedure). Reply to this letter, quoting %s, by %s and say why you are unhappy.", c.Ref, LongDate(c.EscalateBy)))
		} else {
			paras = append(paras, "This is the end of our complaints procedure. If you are still unhappy, you can ask "+
				s.Policy.ombudsmanFor(c).details()+" to look at your complaint.")
			s.close(c, now)
		}
		l := s.residentLetter(c, now, "response-"+string(st.Stage), "Our response to your complaint", paras...)
		if r.SentBy == SentByPost {
			l.ByPost = true
			delete(c.Effects, LetterEffect(l.Name))
		}
		return nil
	})
}

// Escalate opens Stage 2 at the resident's request, with a reviewer who is a manager of the
// case's area or in the complaints team, and independent of Stage 1: nobody who held the case,
// acted on it or was named on it before (South Norfolk's policy: "reviewed by a different person
// at the Review Stage from the person who carried out the Investigation Stage"). The resident is acknowledged at once, so
// Stage 2 is due Stage2WorkingDays after today. A closed case reopens and its retention end is
// cleared.
func (s *Service) Escalate(ctx context.Context, who StaffMember, ref, reviewer, reason string) (*Case, error) {
	if err := cleanText("reason", &reason, true); err != nil {
		return nil, err
	}
	rv, ok := s.Staff.Lookup(reviewer)
	if !ok {
		return nil, Invalid("reviewer", "The reviewer must be a member of staff Intake knows")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if err := c.refuseEscalate(); err != nil {
			return err
		}
		switch {
		case rv.Role != RoleManager && rv.Role != RoleAdmin:
			return Errorf(ECONFLICT, "The Stage 2 reviewer must be a manager or in the complaints team; %s is not.", rv.Email)
		case rv.Role == RoleManager && !slices.Contains(rv.Areas, c.ServiceArea):
			return Errorf(ECONFLICT, "The Stage 2 reviewer must be a manager of the case's area or in the complaints team; %s does not manage it.", rv.Email)
		case c.involved(rv.Email):
			return Errorf(ECONFLICT, "%s was involved in Stage 1 of case %s (held it, acted on it or was named on it), so cannot review it at Stage 2: choose another reviewer.", rv.Email, ref)
		}
		c.Status, c.ClosedAt, c.ExpiresAt, c.EscalateBy = StatusOpen, time.Time{}, time.Time{}, time.Time{}
		c.Stage, c.AssignedTo = Stage2, rv.Email
		c.Stages = append(c.Stages, StageRecord{Stage: Stage2, OpenedAt: now})
		c.moveDue(s.Calendar.AddWorkingDays(now, s.Policy.Stage2WorkingDays))
		c.Record(now, who.Email, "escalated", "to Stage 2, reviewer "+rv.Email+", due "+c.RespondBy.Format(time.DateOnly), strings.TrimSpace(reason))
		s.residentLetter(c, now, "escalation", "We have received your request for a review of your complaint",
			"Thank you for asking for a review of your complaint. A director who was not involved at Stage 1 will review it (Stage 2 of our complaints procedure).",
			fmt.Sprintf("You will have our full response by %s. If we need longer, we will tell you why and give you a new date.", LongDate(c.RespondBy)))
		s.staffEmail(c, now, "review-"+string(Stage2), rv.Email, "for Stage 2 review")
		return nil
	})
}

// ReferOmbudsman records that the resident took the complaint to an Ombudsman. A closed case's
// retention end is recomputed: cases the Ombudsman saw are kept longer.
func (s *Service) ReferOmbudsman(ctx context.Context, who StaffMember, ref string, which Ombudsman, referredOn time.Time) (*Case, error) {
	if which != OmbudsmanLGSCO && which != OmbudsmanHousing {
		return nil, Invalid("ombudsman", "The Ombudsman must be lgsco or housing")
	}
	if err := s.pastDate("referred_on", referredOn); err != nil {
		return nil, err
	}
	if who.Role != RoleManager && who.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only a manager or the complaints team records an Ombudsman referral.")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if err := c.refuseRefer(); err != nil {
			return err
		}
		c.Ombudsman = OmbudsmanRecord{Which: which, ReferredOn: s.Calendar.Date(referredOn)}
		s.retain(c)
		c.Record(now, who.Email, "ombudsman referral", "referred to "+which.Label()+" on "+referredOn.Format(time.DateOnly), "")
		return nil
	})
}

// RecordOmbudsmanDecision records the Ombudsman's decision on a referred complaint.
func (s *Service) RecordOmbudsmanDecision(ctx context.Context, who StaffMember, ref string, d Decision, decidedOn time.Time, remedy string) (*Case, error) {
	switch d {
	case DecisionUpheld, DecisionNotUpheld, DecisionNotInvestigated, DecisionSettled:
	default:
		return nil, Invalid("decision", "The decision must be upheld, not_upheld, not_investigated or settled")
	}
	if err := s.pastDate("decided_on", decidedOn); err != nil {
		return nil, err
	}
	if err := cleanText("remedy", &remedy, false); err != nil {
		return nil, err
	}
	if who.Role != RoleManager && who.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "Only a manager or the complaints team records an Ombudsman's decision.")
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if err := c.refuseDecide(); err != nil {
			return err
		}
		switch {
		case s.Calendar.Date(decidedOn).Before(c.Ombudsman.ReferredOn):
			return Invalid("decided_on", "The decision cannot be dated before the referral")
		}
		c.Ombudsman.Decision, c.Ombudsman.DecidedOn, c.Ombudsman.Remedy = d, s.Calendar.Date(decidedOn), strings.TrimSpace(remedy)
		c.Record(now, who.Email, "ombudsman decision", d.Label(), c.Ombudsman.Remedy)
		return nil
	})
}

// Close closes a case with a note: a compliment, comment, service request or out-of-scope item
// when it is dealt with; a complaint when the officer ends it (after its last response, or when
// the resident withdraws). Closing cancels its reminders and starts its retention period.
func (s *Service) Close(ctx context.Context, who StaffMember, ref, note string) (*Case, error) {
	if err := cleanText("note", &note, true); err != nil {
		return nil, err
	}
	return s.act(ctx, who, ref, func(c *Case, now time.Time) error {
		if err := c.refuseClose(); err != nil {
			return err
		}
		c.moveDue(time.Time{})
		s.close(c, now)
		c.Record(now, who.Email, "closed", "", strings.TrimSpace(note))
		return nil
	})
}

// escalateBy is the last day on which a resident answered at Stage 1 at answered may ask for
// Stage 2: what the response letter gives, and when the case closes by itself.
func (s *Service) escalateBy(answered time.Time) time.Time {
	return s.Calendar.AddWorkingDays(answered, s.Policy.EscalateWorkingDays)
}

// closeUnescalated closes a complaint answered at Stage 1 once the last day to ask for Stage 2
// has passed without a request, so that its retention starts and the history says why. A case
// answered before Intake recorded that day has it worked out from the day of the response and
// stored, so that the due index holds it by that day from then on. It reports whether it closed
// the case; a case escalated, closed or answered afresh meanwhile is left as it is.
func (s *Service) closeUnescalated(ctx context.Context, ref string) (bool, error) {
	now := s.Clock.Now()
	closed := false
	_, err := s.Store.Update(ctx, ref, func(c *Case) error {
		closed = false
		st, ok := c.StageRecordOf(Stage1)
		if c.Status != StatusOpen || c.Kind != KindComplaint || c.Stage != Stage1 || !ok || !st.Responded() {
			return errNothingToClaim
		}
		by := c.EscalateBy
		if by.IsZero() {
			by = s.escalateBy(st.Response.At)
		}
		if !s.Calendar.Date(now).After(s.Calendar.Date(by)) {
			if c.EscalateBy.Equal(by) {
				return errNothingToClaim
			}
			c.EscalateBy = by
			return nil
		}
		s.close(c, now)
		c.Record(now, "intake", "closed", "no Stage 2 review was asked for by "+LongDate(by), "")
		closed = true
		return nil
	})
	switch {
	case errors.Is(err, errNothingToClaim), ErrorCode(err) == ENOTFOUND:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("close %s after its Stage 2 window: %w", ref, err)
	}
	return closed, nil
}
