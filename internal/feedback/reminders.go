package feedback

import (
	"context"
	"errors"
	"fmt"
	"html"
	"slices"
	"strings"
	"time"
)

// Reminders: when a case's and a restriction's reminders fire, what each is about, and what
// happens when one fires (Remind) or was missed (SweepReminders).

// Purpose is why a reminder fires.
type Purpose string

// The reminder purposes: two working days before a stage's due date, on it, and the first
// working day after it; and the six-monthly review of a restriction.
const (
	PurposeWarning Purpose = "warning"
	PurposeDue     Purpose = "due"
	PurposeOverdue Purpose = "overdue"
	PurposeReview  Purpose = "review"
	// PurposeAckCheck fires one working day after receipt of an item that had no email
	// address to acknowledge, so that the officer makes sure the sender hears from us.
	PurposeAckCheck Purpose = "ack_check"
	// PurposeResume carries out, at a claim's end, the intake side effects a worker found
	// claimed by another that may have died (see Service.resumeAfter).
	PurposeResume Purpose = "resume"
)

// Reminder is a one-time trigger at a given instant. Its Name is derived from the case, the
// stage and the purpose, so creating it twice is harmless.
type Reminder struct {
	Name    string    `json:"name"`
	At      time.Time `json:"at"`
	Ref     string    `json:"ref"`
	Stage   Stage     `json:"stage,omitempty"`
	Purpose Purpose   `json:"purpose"`
	// Due is the response date the reminder was made for (zero for an acknowledgement check):
	// once the date moves, the reminder is stale and does nothing.
	Due time.Time `json:"due,omitzero"`
	// Of says what the reminder is about: a case, or a restriction's review.
	Of ReminderOf `json:"of,omitempty"`
}

// ReminderOf is what a reminder is about.
type ReminderOf string

// What a reminder may be about. A case's reminders leave Of empty.
const (
	ReminderOfCase        ReminderOf = ""
	ReminderOfRestriction ReminderOf = "restriction"
)

// about is what the reminder is about. A restriction's reminder scheduled before reminders
// carried Of is known by its restriction id ("RS-…"), so that schedules made then still fire.
func (r Reminder) about() ReminderOf {
	if r.Of == ReminderOfCase && strings.HasPrefix(r.Ref, "RS-") {
		return ReminderOfRestriction
	}
	return r.Of
}

// Reminders returns the reminders a case calls for now: for a complaint's open stage, a warning
// some working days before the due date, the due date, and the first working day after it; and,
// for an item with no email address to acknowledge, a check one working day after receipt. Each
// fires at the policy's reminder hour in Europe/London.
func (s *Service) Reminders(c *Case) []Reminder {
	var rs []Reminder
	if c.Status == StatusOpen && c.Contact.Email == "" && !c.AcknowledgeBy.IsZero() {
		rs = append(rs, Reminder{Purpose: PurposeAckCheck, Ref: c.Ref,
			At:   s.reminderAt(s.Calendar.NextWorkingDay(c.ReceivedAt)),
			Name: ReminderName(c.Ref, StageNone, PurposeAckCheck)})
	}
	if c.Kind != KindComplaint || c.RespondBy.IsZero() || c.Status != StatusOpen {
		return rs
	}
	return append(rs, s.stageReminders(c.Ref, c.Stage, c.RespondBy)...)
}

// stageReminders are the warning, due and overdue reminders of a stage due on due. Their names
// carry the due date, so that a moved date makes new reminders rather than finding the old.
func (s *Service) stageReminders(ref string, stage Stage, due time.Time) []Reminder {
	rs := []Reminder{
		{Purpose: PurposeWarning, At: s.reminderAt(s.Calendar.SubtractWorkingDays(due, s.Policy.WarningWorkingDays))},
		{Purpose: PurposeDue, At: s.reminderAt(due)},
		{Purpose: PurposeOverdue, At: s.reminderAt(s.Calendar.NextWorkingDay(due))},
	}
	for i := range rs {
		rs[i].Ref, rs[i].Stage, rs[i].Due = ref, stage, due
		rs[i].Name = ReminderName(ref, stage, rs[i].Purpose) + "-" + s.Calendar.Date(due).Format("20060102")
	}
	return rs
}

// reminderAt is the reminder hour, Europe/London, on the date of d.
func (s *Service) reminderAt(d time.Time) time.Time {
	d = s.Calendar.Date(d)
	return time.Date(d.Year(), d.Month(), d.Day(), s.Policy.ReminderHour, 0, 0, 0, s.Calendar.Location())
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

// applies reports whether reminder r still concerns c: the case is open and at r's stage, the
// response date is the one r was made for, and an acknowledgement check finds none recorded.
func (r Reminder) applies(c *Case) bool {
	switch {
	case c.Status != StatusOpen || r.Stage != StageNone && c.Stage != r.Stage:
		return false
	case r.Purpose == PurposeAckCheck:
		return c.Effects[EffectAcknowledgement].State != EffectDone
	case !r.Due.IsZero():
		return !c.RespondBy.IsZero() && r.Due.Format(time.DateOnly) == c.RespondBy.Format(time.DateOnly)
	}
	return true
}

// supersededBy returns the later reminder of r's stage and due date that has made r moot: one
// whose time has come already (the clock moved past several at once, or r was delivered late)
// or that has been sent or skipped. Nil when r is still the one that applies.
func (s *Service) supersededBy(c *Case, r Reminder, now time.Time) *Reminder {
	if r.Stage == StageNone || r.Due.IsZero() {
		return nil
	}
	stage := s.stageReminders(c.Ref, r.Stage, r.Due)
	i := slices.IndexFunc(stage, func(x Reminder) bool { return x.Purpose == r.Purpose })
	if i < 0 {
		return nil
	}
	for j := len(stage) - 1; j > i; j-- {
		if !stage[j].At.After(now) || c.Effects[ReminderEffect(stage[j].Name)].Settled() {
			return &stage[j]
		}
	}
	return nil
}

// Remind handles a fired reminder: it re-reads the case and emails the assigned officer, or
// does nothing if the reminder no longer applies (the case closed or moved to another stage),
// has been superseded by a later reminder of its stage (see supersededBy), or has been sent
// already: the sending is claimed and stamped on the case like any side effect,
// so a redelivered schedule, or the sweep firing the same reminder, sends nothing twice. It
// reports whether an email was sent.
func (s *Service) Remind(ctx context.Context, r Reminder) (bool, error) {
	if r.about() == ReminderOfRestriction {
		return s.remindReview(ctx, r)
	}
	if r.Purpose == PurposeResume {
		return false, s.resume(ctx, r.Ref)
	}
	name := ReminderEffect(r.Name)
	owner, now := s.owner(), s.Clock.Now()
	stale := false
	var later *Reminder
	var mine Effect
	_, c, err := s.claim(ctx, r.Ref, nil, owner, func(c *Case) []string {
		if stale = !r.applies(c) || s.superseded(r, c); stale {
			return nil
		}
		if later = s.supersededBy(c, r, now); later != nil {
			return nil
		}
		mine = c.Effects[name]
		return []string{name}
	})
	switch {
	case ErrorCode(err) == ENOTFOUND:
		s.log().InfoContext(ctx, "reminder for a case that no longer exists", "ref", r.Ref, "purpose", r.Purpose)
		return false, nil
	case err != nil:
		return false, fmt.Errorf("remind %s: %w", r.Ref, err)
	case stale:
		s.log().InfoContext(ctx, "reminder no longer applies", "ref", r.Ref, "purpose", r.Purpose, "stage", r.Stage)
		return false, nil
	case later != nil:
		s.log().InfoContext(ctx, "reminder superseded by a later one", "ref", r.Ref, "purpose", r.Purpose, "later", later.Purpose)
		return false, s.skipReminders(ctx, r.Ref, []Reminder{r}, later.Purpose)
	case c == nil && !mine.Settled():
		return false, errHeld("remind "+r.Ref, mine)
	case c == nil:
		s.log().InfoContext(ctx, "reminder already sent", "ref", r.Ref, "purpose", r.Purpose)
		return false, nil
	}
	m := s.reminderEmail(c, r.Purpose)
	if r.Purpose == PurposeOverdue {
		// Overdue goes to the area's managers as well as the officer.
		for _, mgr := range s.Staff.managers(c.ServiceArea) {
			if !slices.Contains(m.To, mgr.Email) {
				m.To = append(m.To, mgr.Email)
			}
		}
	}
	out := s.send(ctx, m, c.Ref, name)
	if out.State == EffectDone {
		s.count(ctx, MetricRemindersSent, map[string]string{"Purpose": string(r.Purpose)})
	} else {
		s.count(ctx, MetricSideEffectFailures, map[string]string{"Effect": "reminder"})
	}
	if _, err := s.settle(ctx, c, owner, map[string]Effect{name: out}); err != nil {
		return out.State == EffectDone, fmt.Errorf("remind %s: record: %w", r.Ref, err)
	}
	if out.State == EffectToDo {
		return false, Errorf(EUNAVAILABLE, "remind %s: %s", r.Ref, out.Reason)
	}
	return out.State == EffectDone, nil
}

// errHeld is a reminder's answer when its sending is claimed and not yet stamped: by another
// worker now, or by one whose answer was lost (an ambiguous failure), whose claim must lapse
// before it is taken over. The trigger must not count as delivered, or a reminder whose claim
// is never stamped would never be sent (an acknowledgement check or a restriction review has no
// sweep behind it): a retryable error has the scheduler deliver it again.
func errHeld(what string, e Effect) error {
	return Errorf(EUNAVAILABLE, "%s: the reminder is being sent (claimed until %s); try again after that",
		what, e.ClaimedUntil.UTC().Format(time.RFC3339))
}

// SweepReminders is the safety net behind the one-time schedules: it finds, through the due
// index, every open case whose warning, due or overdue reminder should have fired by now and
// is not recorded as sent, and sends it. When several of a case's reminders were missed, only
// the latest is sent and the earlier ones are recorded as skipped. Through the same index it
// closes the complaints answered at Stage 1 whose window to ask for Stage 2 has passed
// (closeUnescalated). It returns how many reminders it sent and the first error after trying
// every case.
func (s *Service) SweepReminders(ctx context.Context) (int, error) {
	now := s.Clock.Now()
	// A warning fires WarningWorkingDays before the due date, so any case due by then may owe one.
	horizon := s.Calendar.AddWorkingDays(now, s.Policy.WarningWorkingDays)
	cases, err := s.Store.ListDue(ctx, horizon)
	if err != nil {
		return 0, fmt.Errorf("sweep reminders: %w", err)
	}
	sent := 0
	var first error
	for _, c := range cases {
		if c.RespondBy.IsZero() {
			closed, err := s.closeUnescalated(ctx, c.Ref)
			if err != nil && first == nil {
				first = err
			}
			if closed {
				s.log().InfoContext(ctx, "sweep closed a case whose Stage 2 window had passed", "ref", c.Ref)
			}
			continue
		}
		var missed []Reminder // acknowledgement checks are sweepUndated's
		for _, r := range missedReminders(s.Reminders(c), c.Effects, now) {
			if r.Purpose != PurposeAckCheck {
				missed = append(missed, r)
			}
		}
		if len(missed) == 0 {
			continue
		}
		latest := missed[len(missed)-1]
		if len(missed) > 1 {
			if err := s.skipReminders(ctx, c.Ref, missed[:len(missed)-1], latest.Purpose); err != nil && first == nil {
				first = err
			}
		}
		ok, err := s.Remind(ctx, latest)
		if err != nil && first == nil {
			first = err
		}
		if ok {
			sent++
			s.log().InfoContext(ctx, "sweep sent a missed reminder", "ref", c.Ref, "purpose", latest.Purpose)
		}
	}
	n, err := s.sweepUndated(ctx, now)
	if err != nil && first == nil {
		first = err
	}
	return sent + n, first
}

// skipReminders records missed reminders as skipped because a later one supersedes them.
func (s *Service) skipReminders(ctx context.Context, ref string, rs []Reminder, later Purpose) error {
	now := s.Clock.Now()
	_, err := s.Store.Update(ctx, ref, func(c *Case) error {
		if c.Effects == nil {
			c.Effects = Effects{}
		}
		for _, r := range rs {
			name := ReminderEffect(r.Name)
			if e := c.Effects[name]; !s.claimable(e, now) {
				continue
			}
			c.Effects[name] = Effect{State: EffectSkipped, At: now, Reason: "missed, and superseded by the " + string(later) + " reminder"}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sweep reminders: record skipped reminders of %s: %w", ref, err)
	}
	return nil
}

// reviewReminders are a restriction's warning, reviewWarningWorkingDays working days before its
// review date, and its review reminder on the date (the working day before, if the date is not
// one), at the reminder hour.
func (s *Service) reviewReminders(r *Restriction) []Reminder {
	return s.reviewRemindersFor(r.ID, r.ReviewBy)
}

// reviewRemindersFor are the review reminders of restriction id for the review date reviewBy.
func (s *Service) reviewRemindersFor(id string, reviewBy time.Time) []Reminder {
	due := s.Calendar.Date(reviewBy)
	on := due
	for !s.Calendar.IsWorkingDay(on) {
		on = on.AddDate(0, 0, -1)
	}
	rs := []Reminder{
		{Purpose: PurposeWarning, At: s.reminderAt(s.Calendar.SubtractWorkingDays(due, reviewWarningWorkingDays))},
		{Purpose: PurposeReview, At: s.reminderAt(on)},
	}
	for i := range rs {
		rs[i].Ref, rs[i].Due, rs[i].Of = id, due, ReminderOfRestriction
		rs[i].Name = ReminderName(id, StageNone, rs[i].Purpose) + "-" + due.Format("20060102")
	}
	return rs
}

// remindReview handles a restriction's review reminder: it emails the deciding officer and the
// complaints team, once, unless the restriction was lifted or its review date moved.
func (s *Service) remindReview(ctx context.Context, rm Reminder) (bool, error) {
	store, err := s.restrictionStore()
	if err != nil {
		return false, err
	}
	name := ReminderEffect(rm.Name)
	owner, now := s.owner(), s.Clock.Now()
	stale := false
	var mine Effect
	r, err := store.UpdateRestriction(ctx, rm.Ref, func(r *Restriction) error {
		stale = r.Status != RestrictionActive || !rm.Due.IsZero() && s.Calendar.Date(r.ReviewBy).Format(time.DateOnly) != s.Calendar.Date(rm.Due).Format(time.DateOnly)
		if stale {
			return errNothingToClaim
		}
		if r.Effects == nil {
			r.Effects = Effects{}
		}
		mine = r.Effects[name]
		if len(s.claimIn(r.Effects, []string{name}, owner, now)) == 0 {
			return errNothingToClaim
		}
		return nil
	})
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return false, nil
	case errors.Is(err, errNothingToClaim) && !stale && !mine.Settled():
		return false, errHeld("remind review "+rm.Ref, mine)
	case errors.Is(err, errNothingToClaim):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("remind review %s: %w", rm.Ref, err)
	}
	to := []string{r.DecidedBy}
	for _, m := range s.Staff {
		if m.Role == RoleAdmin && !slices.Contains(to, m.Email) {
			to = append(to, m.Email)
		}
	}
	slices.Sort(to[1:])
	subject := "Restriction review due soon: " + r.ID
	when := "is due by " + LongDate(r.ReviewBy)
	if rm.Purpose == PurposeReview {
		subject = "Restriction review due today: " + r.ID
		when = "is due today"
	}
	text := fmt.Sprintf("The review of restriction %s (%s) %s.\n\nRestrictions must be reviewed at least every six months: record the review (continue, vary or lift) with POST /v1/restrictions/%s/review. The person will be written to with the outcome.\n",
		r.ID, r.describe(), when, r.ID)
	out := s.send(ctx, Message{From: s.Council.From, To: to, Subject: subject,
		Headers: map[string]string{"Auto-Submitted": autoGenerated}, Text: text,
		HTML: "<p>" + html.EscapeString(text) + "</p>"}, r.ID, name)
	if err := s.settleRestriction(ctx, r.ID, owner, map[string]Effect{name: out}); err != nil {
		return out.State == EffectDone, err
	}
	if out.State == EffectToDo {
		return false, Errorf(EUNAVAILABLE, "remind review %s: %s", r.ID, out.Reason)
	}
	return out.State == EffectDone, nil
}
