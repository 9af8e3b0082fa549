package feedback

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/council/intake/internal/workdays"
)

// Council is who Intake speaks for: the name and contact details residents see in every email,
// and the addresses mail goes from.
type Council struct {
	Name    string
	Phone   string
	Website string
	// From is the address acknowledgements and officer emails are sent from.
	From string
	// ReplyDomain receives replies: each case's Reply-To is reply+<ref>@ReplyDomain, so a reply
	// finds its case even if the resident edits the subject.
	ReplyDomain string
}

// Routing maps service areas to the officer or team mailbox that owns them; anything else goes
// to the triage mailbox.
type Routing struct {
	Areas  map[string]string
	Triage string
}

// AreaNames lists the service areas in alphabetical order.
func (r Routing) AreaNames() []string {
	names := make([]string, 0, len(r.Areas))
	for a := range r.Areas {
		names = append(names, a)
	}
	sort.Strings(names)
	return names
}

// Owner returns the mailbox for area, or the triage mailbox.
func (r Routing) Owner(area string) string {
	if m, ok := r.Areas[area]; ok && m != "" {
		return m
	}
	return r.Triage
}

// AreaLabel turns a service-area key such as "bins-and-recycling" into "Bins and recycling".
func AreaLabel(area string) string {
	if area == "" {
		return "Not sure"
	}
	s := strings.ReplaceAll(area, "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// Service is the intake and lifecycle service: it takes submissions in, stores them and then
// carries out their side effects.
type Service struct {
	Store     Store
	Mailer    Mailer
	Scheduler Scheduler
	Clock     Clock
	Calendar  *workdays.Calendar
	Policy    Policy
	Council   Council
	Routing   Routing
	Log       *slog.Logger
}

// Submit validates a submission and stores it as a new case. It is idempotent: a submission
// carrying an idempotency key that was seen before returns the first case and created == false.
// Side effects are not done here (store first): call Process with the case's reference.
func (s *Service) Submit(ctx context.Context, sub Submission) (c *Case, created bool, err error) {
	sub = sub.Normalize()
	if err := sub.Validate(s.Routing.AreaNames()); err != nil {
		return nil, false, err
	}
	fp := sub.Fingerprint()
	if sub.IdempotencyKey != "" {
		prior, err := s.Store.GetByIdempotencyKey(ctx, sub.IdempotencyKey)
		switch {
		case err == nil:
			return repeat(prior, fp)
		case ErrorCode(err) != ENOTFOUND:
			return nil, false, fmt.Errorf("submit: look up idempotency key: %w", err)
		}
	}

	now := s.Clock.Now()
	year := now.In(s.Calendar.Location()).Year()
	seq, err := s.Store.NextSequence(ctx, SequenceName(year))
	if err != nil {
		return nil, false, fmt.Errorf("submit: allocate reference: %w", err)
	}
	c = s.newCase(sub, fp, s.Policy.Reference(year, seq), now)
	if err := s.Store.Create(ctx, c); err != nil {
		if ErrorCode(err) == ECONFLICT && sub.IdempotencyKey != "" {
			// Another delivery of the same submission won the race: answer with its case.
			if prior, gerr := s.Store.GetByIdempotencyKey(ctx, sub.IdempotencyKey); gerr == nil {
				return repeat(prior, fp)
			}
		}
		return nil, false, fmt.Errorf("submit: create case %s: %w", c.Ref, err)
	}
	s.log().Info("case created", "ref", c.Ref, "kind", c.Kind, "channel", c.Channel)
	return c, true, nil
}

func repeat(prior *Case, fingerprint string) (*Case, bool, error) {
	if prior.Fingerprint != "" && prior.Fingerprint != fingerprint {
		return nil, false, Errorf(ECONFLICT,
			"This idempotency key was already used for a different submission (%s). Use a new key for new feedback.", prior.Ref)
	}
	return prior, false, nil
}

func (s *Service) newCase(sub Submission, fingerprint, ref string, now time.Time) *Case {
	kind := Kind(sub.Kind)
	c := &Case{
		Ref:            ref,
		Kind:           kind,
		Channel:        sub.Channel,
		Status:         StatusOpen,
		ServiceArea:    sub.ServiceArea,
		Subject:        sub.Subject,
		Message:        sub.Message,
		Contact:        Contact{Name: sub.Name, Email: sub.Email, Phone: sub.Phone},
		AssignedTo:     s.Routing.Owner(sub.ServiceArea),
		ReceivedAt:     now,
		AcknowledgeBy:  s.Calendar.AddWorkingDays(now, s.Policy.AcknowledgeWorkingDays),
		IdempotencyKey: sub.IdempotencyKey,
		Fingerprint:    fingerprint,
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	if kind == KindComplaint {
		c.Stage = Stage1
		// The acknowledgement goes out automatically on the day of receipt, so Stage 1's
		// working days count from the date received.
		c.RespondBy = s.Calendar.AddWorkingDays(now, s.Policy.Stage1WorkingDays)
	}
	return c
}

// Process carries out the side effects of intake that are not yet done: the acknowledgement to
// the sender, the assignment email to the owning officer, and the deadline reminders. Each is
// stamped on the case as soon as it is done, so a repeated call does nothing twice.
func (s *Service) Process(ctx context.Context, ref string) error {
	c, err := s.Store.Get(ctx, ref)
	if err != nil {
		return fmt.Errorf("process %s: %w", ref, err)
	}
	if c.Effects.Acknowledged.IsZero() && c.Effects.AckSkipped == "" {
		if err := s.acknowledge(ctx, c); err != nil {
			return err
		}
	}
	if c.Effects.Assigned.IsZero() {
		if _, err := s.Mailer.Send(ctx, s.assignmentEmail(c)); err != nil {
			return fmt.Errorf("process %s: send assignment: %w", ref, err)
		}
		if c, err = s.stamp(ctx, ref, func(e *Effects, now time.Time) { e.Assigned = now }); err != nil {
			return err
		}
	}
	if c.needsSchedules() && c.Effects.Scheduled.IsZero() {
		if s.Scheduler == nil {
			return fmt.Errorf("process %s: reminders are due but no scheduler is configured", ref)
		}
		for _, r := range s.Reminders(c) {
			if err := s.Scheduler.Schedule(ctx, r); err != nil {
				return fmt.Errorf("process %s: schedule %s: %w", ref, r.Name, err)
			}
		}
		if _, err = s.stamp(ctx, ref, func(e *Effects, now time.Time) { e.Scheduled = now }); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) acknowledge(ctx context.Context, c *Case) error {
	if c.Contact.Email == "" {
		_, err := s.stamp(ctx, c.Ref, func(e *Effects, _ time.Time) { e.AckSkipped = "no email address to reply to" })
		return err
	}
	if _, err := s.Mailer.Send(ctx, s.acknowledgementEmail(c)); err != nil {
		return fmt.Errorf("process %s: send acknowledgement: %w", c.Ref, err)
	}
	_, err := s.stamp(ctx, c.Ref, func(e *Effects, now time.Time) { e.Acknowledged = now })
	return err
}

func (s *Service) stamp(ctx context.Context, ref string, mark func(*Effects, time.Time)) (*Case, error) {
	now := s.Clock.Now()
	c, err := s.Store.Update(ctx, ref, func(c *Case) error {
		mark(&c.Effects, now)
		c.UpdatedAt = now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("process %s: record side effect: %w", ref, err)
	}
	return c, nil
}

// ProcessPending carries out the outstanding side effects of every pending case, so that a
// crash between storing a case and emailing about it loses nothing. It returns the first error
// after trying every case.
func (s *Service) ProcessPending(ctx context.Context) error {
	cases, err := s.Store.ListPending(ctx)
	if err != nil {
		return fmt.Errorf("process pending: %w", err)
	}
	var first error
	for _, c := range cases {
		if err := s.Process(ctx, c.Ref); err != nil {
			s.log().Error("side effects failed; will retry", "ref", c.Ref, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// Reminders returns the deadline reminders for a complaint's current stage: a warning some
// working days before the due date, the due date, and the first working day after it, each at
// the policy's reminder hour in Europe/London.
func (s *Service) Reminders(c *Case) []Reminder {
	if c.Kind != KindComplaint || c.RespondBy.IsZero() {
		return nil
	}
	at := func(d time.Time) time.Time {
		d = s.Calendar.Date(d)
		return time.Date(d.Year(), d.Month(), d.Day(), s.Policy.ReminderHour, 0, 0, 0, s.Calendar.Location())
	}
	due := c.RespondBy
	rs := []Reminder{
		{Purpose: PurposeWarning, At: at(s.Calendar.SubtractWorkingDays(due, s.Policy.WarningWorkingDays))},
		{Purpose: PurposeDue, At: at(due)},
		{Purpose: PurposeOverdue, At: at(s.Calendar.NextWorkingDay(due))},
	}
	for i := range rs {
		rs[i].Ref, rs[i].Stage = c.Ref, c.Stage
		rs[i].Name = ReminderName(c.Ref, c.Stage, rs[i].Purpose)
	}
	return rs
}

// ReminderName derives a reminder's name from its case, stage and purpose. EventBridge
// Scheduler names allow letters, digits and . - _ and at most 64 characters.
func ReminderName(ref string, stage Stage, p Purpose) string {
	name := strings.Join([]string{ref, string(stage), string(p)}, "-")
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
}

// Remind handles a fired reminder: it re-reads the case and emails the assigned officer, or
// does nothing if the reminder no longer applies (the case closed or moved to another stage).
// It reports whether an email was sent.
func (s *Service) Remind(ctx context.Context, r Reminder) (bool, error) {
	c, err := s.Store.Get(ctx, r.Ref)
	if ErrorCode(err) == ENOTFOUND {
		s.log().Info("reminder for a case that no longer exists", "ref", r.Ref, "purpose", r.Purpose)
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("remind %s: %w", r.Ref, err)
	}
	if c.Status != StatusOpen || (r.Stage != StageNone && c.Stage != r.Stage) {
		s.log().Info("reminder no longer applies", "ref", r.Ref, "purpose", r.Purpose, "stage", r.Stage)
		return false, nil
	}
	if _, err := s.Mailer.Send(ctx, s.reminderEmail(c, r.Purpose)); err != nil {
		return false, fmt.Errorf("remind %s: send: %w", r.Ref, err)
	}
	return true, nil
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
