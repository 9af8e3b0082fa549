package feedback_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// These tests hold defects the soak (infra/local/soak) found, one each.

// losingStore writes the next update armed for it and then answers as if it had failed: the
// ambiguous failure of a database whose answer was lost.
type losingStore struct {
	feedback.Store
	armed atomic.Bool
}

func (s *losingStore) Update(ctx context.Context, ref string, fn func(*feedback.Case) error) (*feedback.Case, error) {
	c, err := s.Store.Update(ctx, ref, fn)
	if err == nil && s.armed.CompareAndSwap(true, false) {
		return nil, feedback.Errorf(feedback.EUNAVAILABLE, "the answer was lost")
	}
	return c, err
}

// A reminder whose claim was written but whose answer was lost is delivered again; the redelivery
// finds the claim live and must not count as delivered, or the scheduler deletes the reminder and
// it is never sent (an acknowledgement check has no sweep behind it). Found by the soak: a case
// stuck pending for ever with its acknowledgement check claimed and never sent.
func TestService_Remind_ClaimWithLostAnswerIsRetried(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	store := &losingStore{Store: f.svc.Store}
	f.svc.Store = store
	sub := complaint()
	sub.Email, sub.Phone = "", "01632 960001" // no address: an acknowledgement check is scheduled
	c, _, err := f.svc.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	f.process(t, c.Ref)
	var check feedback.Reminder
	for _, r := range f.svc.Reminders(c) {
		if r.Purpose == feedback.PurposeAckCheck {
			check = r
		}
	}
	if check.Name == "" {
		t.Fatal("no acknowledgement check was scheduled")
	}
	fire := func(ctx context.Context, r feedback.Reminder) error { _, err := f.svc.Remind(ctx, r); return err }
	f.clock.Set(check.At)
	store.armed.Store(true)
	f.sched.FireDue(ctx, fire, f.svc.Log) // the claim lands, its answer is lost
	f.sched.FireDue(ctx, fire, f.svc.Log) // redelivered while the claim holds
	if !hasSchedule(f, check.Name) {
		t.Fatalf("the acknowledgement check was dropped while its claim was unstamped; schedules: %v", scheduleNames(f))
	}
	f.clock.Set(check.At.Add(feedback.DefaultLease + time.Minute))
	f.sched.FireDue(ctx, fire, f.svc.Log) // the claim has lapsed: taken over and sent
	got, err := f.store.Get(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if e := got.Effects[feedback.ReminderEffect(check.Name)]; e.State != feedback.EffectDone {
		t.Errorf("the acknowledgement check is recorded as %+v; want done", e)
	}
	if n := letters(t, f.outbox)["planning@example.gov.uk Check the sender has been acknowledged"]; n != 1 {
		t.Errorf("%d acknowledgement checks sent; want 1 (outbox: %v)", n, letters(t, f.outbox))
	}
	if hasSchedule(f, check.Name) {
		t.Error("the acknowledgement check is still scheduled after it was sent")
	}
}

func hasSchedule(f *fixture, name string) bool {
	for _, r := range f.sched.List() {
		if r.Name == name {
			return true
		}
	}
	return false
}

// A restriction's review reminder whose stamp was lost stays pending on the restriction's
// ledger. The sweep's ProcessRestrictions must leave it to the reminder, not try to "carry it
// out" as a letter and fail it for good. Found by the soak: a review reminder recorded as failed
// ("Intake does not know how to carry out reminder:…") although it had been sent.
func TestService_ProcessRestrictions_LeavesReviewRemindersToRemind(t *testing.T) {
	ctx := context.Background()
	f := restrictionFixture(t)
	r, err := f.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"},
		Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "Forty emails a week."})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ProcessRestriction(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	var warning feedback.Reminder
	for _, rm := range f.sched.List() {
		if rm.Ref == r.ID && rm.Purpose == feedback.PurposeWarning {
			warning = rm
		}
	}
	if warning.Name == "" {
		t.Fatalf("no review warning scheduled: %v", scheduleNames(f))
	}
	// The reminder was claimed by a worker that died before stamping it.
	name := feedback.ReminderEffect(warning.Name)
	f.clock.Set(warning.At)
	if _, err := f.store.UpdateRestriction(ctx, r.ID, func(r *feedback.Restriction) error {
		r.Effects[name] = feedback.Effect{ClaimedBy: "worker-dead", ClaimedUntil: warning.At.Add(time.Minute)}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(warning.At.Add(feedback.DefaultLease + time.Minute))
	if err := f.svc.ProcessRestrictions(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := f.store.GetRestriction(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if e := got.Effects[name]; e.Settled() {
		t.Fatalf("the sweep settled the review reminder as %+v; want it left to the reminder", e)
	}
	if sent, err := f.svc.Remind(ctx, warning); err != nil || !sent {
		t.Fatalf("Remind = %v, %v; want the review warning sent", sent, err)
	}
	got, _ = f.store.GetRestriction(ctx, r.ID)
	if e := got.Effects[name]; e.State != feedback.EffectDone {
		t.Errorf("the review warning is recorded as %+v; want done", e)
	}
}

// The acknowledgement fails for now, so the assignment goes saying it is still being sent; then
// it fails for good. The officer must be told then, or nobody learns that the resident was never
// acknowledged. Found by the soak: acknowledgements failed with no officer told.
func TestService_Process_LateAcknowledgementFailureTellsTheOfficer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	sub := complaint()
	f.svc.Mailer = refusing{next: f.outbox, to: "ada@example.com"}
	c, _, err := f.svc.Submit(ctx, sub)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Process(ctx, c.Ref); feedback.ErrorCode(err) != feedback.EUNAVAILABLE {
		t.Fatalf("Process with the acknowledgement failing for now = %v; want EUNAVAILABLE", err)
	}
	f.svc.Mailer = refusing{next: f.outbox, to: "ada@example.com", permanent: true}
	for range 2 { // the retry fails the acknowledgement for good; the next sends the notice
		f.svc.Process(ctx, c.Ref)
	}
	got, err := f.store.Get(ctx, c.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if got.Effects[feedback.EffectAcknowledgement].State != feedback.EffectFailed {
		t.Fatalf("the acknowledgement is %+v; want failed", got.Effects[feedback.EffectAcknowledgement])
	}
	if pending := got.Effects.Pending(); len(pending) != 0 {
		t.Errorf("effects still pending: %v", pending)
	}
	all, _ := f.outbox.List()
	var notices int
	for _, m := range all {
		if m.To[0] == "planning@example.gov.uk" && strings.HasPrefix(m.Subject, "Email to the resident bounced") {
			notices++
			if !strings.Contains(m.Text, "01632") && !strings.Contains(m.Text, "letter") {
				t.Errorf("the notice does not ask the officer to write or phone:\n%s", m.Text)
			}
		}
	}
	if notices != 1 {
		t.Errorf("%d notices to the officer; want 1 (outbox: %v)", notices, letters(t, f.outbox))
	}
}

// A decision to restrict sent again, because its answer was lost, is answered with the
// restriction it made: one restriction, one letter to the person. A different decision about
// the same person is still its own. Found by the soak: a redelivered POST /v1/restrictions made
// two live restrictions on one person and wrote to them twice.
func TestService_Restrict_RepeatedDecisionMakesOne(t *testing.T) {
	ctx := context.Background()
	f := restrictionFixture(t)
	n := feedback.NewRestriction{Contacts: []string{"pat@example.com"},
		Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "Forty emails a week."}
	first, err := f.svc.Restrict(ctx, ana, n)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Restrict(ctx, ana, n)
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID {
		t.Errorf("the repeated decision made %s beside %s; want the same restriction", again.ID, first.ID)
	}
	n.Reason = "Sixty emails a week."
	other, err := f.svc.Restrict(ctx, ana, n)
	if err != nil {
		t.Fatal(err)
	}
	if other.ID == first.ID {
		t.Error("a different decision was answered with the first restriction")
	}
	all, err := f.svc.ListRestrictions(ctx, ana)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 {
		t.Errorf("%d restrictions; want 2", len(all))
	}
}

// A review sent again the same day, because its answer was lost, is answered with the
// restriction as the first left it: one letter to the person, one entry in its history. Found
// by the soak: a repeated "continue" wrote to the person again (the local outbox hid it by its
// key; SES would have sent it twice).
func TestService_ReviewRestriction_RepeatedReviewWritesOnce(t *testing.T) {
	ctx := context.Background()
	f := restrictionFixture(t)
	r, err := f.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"},
		Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "Forty emails a week."})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(monday.AddDate(0, 5, 0))
	for _, tt := range []struct {
		decision string
		types    []feedback.RestrictionType
	}{
		{feedback.ReviewContinue, nil},
		{feedback.ReviewContinue, nil},
		{feedback.ReviewVary, []feedback.RestrictionType{feedback.RestrictWitness}},
		{feedback.ReviewVary, []feedback.RestrictionType{feedback.RestrictWitness}},
	} {
		if _, err := f.svc.ReviewRestriction(ctx, ana, r.ID, tt.decision, "Still many emails.", tt.types); err != nil {
			t.Fatalf("%s: %v", tt.decision, err)
		}
		if err := f.svc.ProcessRestriction(ctx, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	got, err := f.store.GetRestriction(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range got.Letters {
		names = append(names, l.Name)
	}
	if len(got.Letters) != 3 || len(got.History) != 3 {
		t.Errorf("letters %v and %d history entries; want the decision, one continue and one vary, each once", names, len(got.History))
	}
	all, _ := f.outbox.List()
	toPat := 0
	for _, m := range all {
		if m.To[0] == "pat@example.com" {
			toPat++
		}
	}
	if toPat != 3 {
		t.Errorf("%d letters to the person; want 3", toPat)
	}
}

// When a review sets a new review date, or lifts the restriction, the reminders for the old
// date are cancelled rather than left to fire for nothing. Found by the soak: review reminders
// still scheduled for lifted restrictions and for review dates that had moved.
func TestService_ReviewRestriction_CancelsTheOldReviewReminders(t *testing.T) {
	ctx := context.Background()
	for _, decision := range []string{feedback.ReviewContinue, feedback.ReviewLift} {
		t.Run(decision, func(t *testing.T) {
			f := restrictionFixture(t)
			r, err := f.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"},
				Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "Forty emails a week."})
			if err != nil {
				t.Fatal(err)
			}
			if err := f.svc.ProcessRestriction(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			first := r.ReviewBy.Format("20060102")
			f.clock.Set(monday.AddDate(0, 5, 0))
			if _, err := f.svc.ReviewRestriction(ctx, ana, r.ID, decision, "Reviewed.", nil); err != nil {
				t.Fatal(err)
			}
			if err := f.svc.ProcessRestriction(ctx, r.ID); err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, rm := range f.sched.List() {
				if rm.Ref == r.ID {
					left = append(left, rm.Name)
				}
			}
			wantLeft := 0
			if decision == feedback.ReviewContinue {
				wantLeft = 2 // the new date's warning and review
			}
			if len(left) != wantLeft {
				t.Errorf("review reminders left: %v; want %d", left, wantLeft)
			}
			for _, name := range left {
				if strings.HasSuffix(name, first) {
					t.Errorf("the reminder %s for the old review date is still scheduled", name)
				}
			}
			got, _ := f.store.GetRestriction(ctx, r.ID)
			if p := got.Effects.Pending(); len(p) != 0 {
				t.Errorf("effects pending: %v", p)
			}
		})
	}
}

// lostOnce sends the first letter whose subject starts with prefix and then answers as if it
// had failed (the answer lost); it sends everything else through next.
type lostOnce struct {
	next   feedback.Mailer
	prefix string
	done   *atomic.Bool
}

func (m lostOnce) Send(ctx context.Context, msg feedback.Message) (string, error) {
	id, err := m.next.Send(ctx, msg)
	if err == nil && strings.HasPrefix(msg.Subject, m.prefix) && m.done.CompareAndSwap(false, true) {
		return "", feedback.Errorf(feedback.EUNAVAILABLE, "the answer was lost")
	}
	return id, err
}

// The acknowledgement fails for now and the assignment goes, saying so, but its answer is lost;
// the retry fails the acknowledgement for good and "sends" the assignment again, which a mailer
// that deduplicates by key answers with the first letter. The officer must still be told. Found
// by the soak: acknowledgements failed for good with only "still being sent" in the officer's
// email.
func TestService_Process_AckFailureAfterAnAmbiguousAssignmentTellsTheOfficer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	lost := &atomic.Bool{}
	f.svc.Mailer = lostOnce{next: refusing{next: f.outbox, to: "ada@example.com"}, prefix: "New complaint assigned", done: lost}
	c, _, err := f.svc.Submit(ctx, complaint())
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Process(ctx, c.Ref)
	f.svc.Mailer = lostOnce{next: refusing{next: f.outbox, to: "ada@example.com", permanent: true}, prefix: "New complaint assigned", done: lost}
	for range 2 {
		f.svc.Process(ctx, c.Ref)
	}
	got, _ := f.store.Get(ctx, c.Ref)
	if got.Effects[feedback.EffectAcknowledgement].State != feedback.EffectFailed || got.Pending() {
		t.Fatalf("effects %+v; want the acknowledgement failed and nothing pending", got.Effects)
	}
	if n := letters(t, f.outbox)["planning@example.gov.uk Email to the resident bounced"]; n != 1 {
		t.Errorf("%d notices to the officer; want 1 (outbox: %v)", n, letters(t, f.outbox))
	}
}

// droppingStore fails the next UpdateFrom armed for it without writing: the stamp of a run
// lost, as when the worker dies before it.
type droppingStore struct {
	feedback.Store
	armed atomic.Bool
}

func (s *droppingStore) UpdateFrom(ctx context.Context, c *feedback.Case, fn func(*feedback.Case) error) (*feedback.Case, error) {
	if s.armed.CompareAndSwap(true, false) {
		return nil, feedback.Errorf(feedback.EUNAVAILABLE, "the worker died before stamping")
	}
	return s.Store.UpdateFrom(ctx, c, fn)
}

// The assignment goes saying the acknowledgement is still being sent, and the run's stamp is
// lost; the next run, taking the claims over, fails the acknowledgement for good and "sends" the
// assignment again, which a mailer that deduplicates answers with the first letter. The officer
// must still be told. Found by the soak (1 run in 10): an acknowledgement failed for good with
// only "still being sent" in the officer's email.
func TestService_Process_AckFailureAfterAnUnstampedAssignmentTellsTheOfficer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	store := &droppingStore{Store: f.svc.Store}
	f.svc.Store = store
	f.svc.Mailer = refusing{next: f.outbox, to: "ada@example.com"}
	c, _, err := f.svc.Submit(ctx, complaint())
	if err != nil {
		t.Fatal(err)
	}
	store.armed.Store(true)
	if err := f.svc.Process(ctx, c.Ref); err == nil {
		t.Fatal("Process whose stamp was lost reported no error")
	}
	f.clock.Set(monday.Add(feedback.DefaultLease + time.Minute))
	f.svc.Mailer = refusing{next: f.outbox, to: "ada@example.com", permanent: true}
	for range 2 {
		f.svc.Process(ctx, c.Ref)
	}
	got, _ := f.store.Get(ctx, c.Ref)
	if got.Effects[feedback.EffectAcknowledgement].State != feedback.EffectFailed || got.Pending() {
		t.Fatalf("effects %+v; want the acknowledgement failed and nothing pending", got.Effects)
	}
	if n := letters(t, f.outbox)["planning@example.gov.uk Email to the resident bounced"]; n != 1 {
		t.Errorf("%d notices to the officer; want 1 (outbox: %v)", n, letters(t, f.outbox))
	}
}

// An acknowledgement sent whose stamp was lost is tried again a day later, when the address has
// had its limit of acknowledgements since: the retry is not a new acknowledgement and must not be
// recorded as skipped for the limit (the resident had it). Found by the soak at 10,000
// deliveries: acknowledgements recorded as skipped for the limit that were in the outbox.
func TestService_Process_RetriedAcknowledgementIsNotRefusedByTheLimit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	f.svc.AckLimit = 1
	store := &droppingStore{Store: f.svc.Store}
	f.svc.Store = store
	first, _, err := f.svc.Submit(ctx, complaint())
	if err != nil {
		t.Fatal(err)
	}
	store.armed.Store(true)
	f.svc.Process(ctx, first.Ref) // sent, and the stamp lost
	f.clock.Set(monday.Add(25 * time.Hour))
	second := complaint()
	second.Message = "And the planning portal lost another."
	c2, _, err := f.svc.Submit(ctx, second)
	if err != nil {
		t.Fatal(err)
	}
	f.process(t, c2.Ref) // the address's one acknowledgement of the day
	f.process(t, first.Ref)
	got, _ := f.store.Get(ctx, first.Ref)
	if ack := got.Effects[feedback.EffectAcknowledgement]; ack.State != feedback.EffectDone {
		t.Errorf("the first case's acknowledgement, sent before its stamp was lost, is recorded as %+v; want done", ack)
	}
}

// scripted answers the letters whose subject starts with prefix, one try after another, as
// script says ("sent", "lost": sent and the answer lost, "fail": not sent), then sends them.
type scripted struct {
	next   feedback.Mailer
	prefix string
	script []string
	tries  *atomic.Int32
}

func (m scripted) Send(ctx context.Context, msg feedback.Message) (string, error) {
	if !strings.HasPrefix(msg.Subject, m.prefix) {
		return m.next.Send(ctx, msg)
	}
	step := "sent"
	if n := int(m.tries.Add(1)) - 1; n < len(m.script) {
		step = m.script[n]
	}
	if step == "fail" {
		return "", feedback.Errorf(feedback.EUNAVAILABLE, "not answering")
	}
	id, err := m.next.Send(ctx, msg)
	if err == nil && step == "lost" {
		return "", feedback.Errorf(feedback.EUNAVAILABLE, "the answer was lost")
	}
	return id, err
}

// The assignment goes saying the acknowledgement is still being sent (its answer lost); the
// next run fails the acknowledgement for good while the assignment fails for now; a third run
// "sends" the assignment, which the deduplicating mailer answers with the first letter. The
// officer must still be told. Found by the 10,000-delivery soak.
func TestService_Process_AckFailureBeforeARetriedAssignmentTellsTheOfficer(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	tries := &atomic.Int32{}
	mailer := func(permanent bool) feedback.Mailer {
		return scripted{next: refusing{next: f.outbox, to: "ada@example.com", permanent: permanent},
			prefix: "New complaint assigned", script: []string{"lost", "fail"}, tries: tries}
	}
	f.svc.Mailer = mailer(false)
	c, _, err := f.svc.Submit(ctx, complaint())
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Process(ctx, c.Ref)
	f.svc.Mailer = mailer(true)
	for range 3 {
		f.svc.Process(ctx, c.Ref)
	}
	got, _ := f.store.Get(ctx, c.Ref)
	if got.Effects[feedback.EffectAcknowledgement].State != feedback.EffectFailed || got.Pending() {
		t.Fatalf("effects %+v; want the acknowledgement failed and nothing pending", got.Effects)
	}
	if n := letters(t, f.outbox)["planning@example.gov.uk Email to the resident bounced"]; n != 1 {
		t.Errorf("%d notices to the officer; want 1 (outbox: %v)", n, letters(t, f.outbox))
	}
}
