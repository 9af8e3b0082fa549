package feedback_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/outbox"
)

// refusing is a mailer that refuses, for good or for now, any letter to one address, and
// sends everything else through next.
type refusing struct {
	next      feedback.Mailer
	to        string
	permanent bool
}

func (m refusing) Send(ctx context.Context, msg feedback.Message) (string, error) {
	if msg.To[0] == m.to {
		if m.permanent {
			return "", feedback.Errorf(feedback.EINVALID, "the email service refused the message for good")
		}
		return "", errors.New("connection reset")
	}
	return m.next.Send(ctx, msg)
}

// slow is a mailer that takes its time, so that racing workers overlap.
type slow struct{ next feedback.Mailer }

func (m slow) Send(ctx context.Context, msg feedback.Message) (string, error) {
	time.Sleep(20 * time.Millisecond)
	return m.next.Send(ctx, msg)
}

// unkeyed forgets each letter's key, as SES does, so that only the claims stop duplicates.
type unkeyed struct{ next feedback.Mailer }

func (m unkeyed) Send(ctx context.Context, msg feedback.Message) (string, error) {
	msg.Key = ""
	return m.next.Send(ctx, msg)
}

func letters(t *testing.T, o *outbox.Outbox) map[string]int {
	t.Helper()
	all, err := o.List()
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, m := range all {
		n[m.To[0]+" "+strings.SplitN(m.Subject, ":", 2)[0]]++
	}
	return n
}

func TestService_Process_OneFailureNeverBlocksTheRest(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		permanent bool
		wantState feedback.EffectState
		wantNote  string
		wantErr   bool
	}{
		{"refused for good", true, feedback.EffectFailed, "Please contact the resident another way", false},
		{"refused for now", false, feedback.EffectToDo, "Intake will keep trying", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, monday)
			f.svc.Mailer = refusing{next: f.outbox, to: "ada@example.com", permanent: tt.permanent}
			c, _, err := f.svc.Submit(ctx, complaint())
			if err != nil {
				t.Fatal(err)
			}
			err = f.svc.Process(ctx, c.Ref)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Process error = %v, want error: %v", err, tt.wantErr)
			}
			sent, _ := f.outbox.List()
			if len(sent) != 1 || sent[0].To[0] != "planning@example.gov.uk" || !strings.Contains(sent[0].Text, tt.wantNote) {
				t.Fatalf("sent %+v; want only the assignment, saying %q", sent, tt.wantNote)
			}
			if len(f.sched.List()) != 3 {
				t.Errorf("%d reminders scheduled, want 3", len(f.sched.List()))
			}
			got, _ := f.store.Get(ctx, c.Ref)
			ack := got.Effects[feedback.EffectAcknowledgement]
			if ack.State != tt.wantState || !strings.Contains(ack.Reason, "refused") && !strings.Contains(ack.Reason, "could not be sent") {
				t.Errorf("acknowledgement effect = %+v, want state %q with the reason", ack, tt.wantState)
			}
			if ack.ClaimedBy != "" {
				t.Errorf("the claim was not dropped: %+v", ack)
			}
			if got.Pending() != (tt.wantState == feedback.EffectToDo) {
				t.Errorf("Pending = %v with the acknowledgement %q", got.Pending(), ack.State)
			}
		})
	}
}

func TestService_Process_GivesUpAfterMaxAttempts(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	f.svc.Mailer = refusing{next: f.outbox, to: "ada@example.com"}
	c, _, _ := f.svc.Submit(ctx, complaint())
	// The last run gives up; the one after tells the officer, whose assignment email had said
	// the acknowledgement was still being sent.
	for i := 0; i < feedback.MaxAttempts+1; i++ {
		f.svc.Process(ctx, c.Ref)
	}
	got, _ := f.store.Get(ctx, c.Ref)
	if ack := got.Effects[feedback.EffectAcknowledgement]; ack.State != feedback.EffectFailed || ack.Attempts != feedback.MaxAttempts {
		t.Errorf("after %d transient failures the acknowledgement is %+v; want failed", feedback.MaxAttempts, ack)
	}
	if got.Pending() {
		t.Error("the case is still pending after giving up")
	}
	want := map[string]int{"planning@example.gov.uk New complaint assigned to you": 1, "planning@example.gov.uk Email to the resident bounced": 1}
	if n := letters(t, f.outbox); len(n) != len(want) || n["planning@example.gov.uk New complaint assigned to you"] != 1 || n["planning@example.gov.uk Email to the resident bounced"] != 1 {
		t.Errorf("letters %v; want %v", n, want)
	}
}

func TestService_Process_ConcurrentWorkersSendOnce(t *testing.T) {
	f := newFixture(t, monday)
	f.svc.Mailer = slow{unkeyed{f.outbox}}
	refs := submitResidents(t, f, 5, nil)
	// The stream handler, its retry and the sweep, all at once, with a mailer that cannot
	// deduplicate: only the claims keep the letters single.
	processTogether(f, refs)
	wantLettersOnce(t, f, refs)
}

// TestService_Process_Handoff: with a Handoff, Submit stores a new case with its effects
// claimed, and Process carries them out without a claim write of its own; Process called for
// the same cases by several workers at once, and the sweep, still sends each letter once.
func TestService_Process_Handoff(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	f.svc.Workers.Handoff = &feedback.Handoff{}
	f.svc.Mailer = slow{unkeyed{f.outbox}}
	refs := submitResidents(t, f, 5, func(ref string) {
		stored, err := f.store.Get(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		for name, e := range stored.Effects {
			if e.ClaimedBy == "" || !e.ClaimedUntil.After(monday) {
				t.Errorf("%s: effect %s stored unclaimed: %+v", ref, name, e)
			}
		}
	})
	processTogether(f, refs)
	wantLettersOnce(t, f, refs)
	for _, ref := range refs {
		c, err := f.store.Get(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		if c.Pending() || c.Version != 2 {
			t.Errorf("%s: pending %v, version %d; want settled at version 2 (created claimed, then stamped)", ref, c.Pending(), c.Version)
		}
	}
}

// submitResidents submits a complaint from each of n residents (resident0@example.com, …),
// calling stored, if given, with each new case's reference, and returns the references.
func submitResidents(t *testing.T, f *fixture, n int, stored func(ref string)) []string {
	t.Helper()
	var refs []string
	for i := 0; i < n; i++ {
		s := complaint()
		s.Email = fmt.Sprintf("resident%d@example.com", i)
		c, _, err := f.svc.Submit(context.Background(), s)
		if err != nil {
			t.Fatal(err)
		}
		if stored != nil {
			stored(c.Ref)
		}
		refs = append(refs, c.Ref)
	}
	return refs
}

// processTogether has four workers process every one of refs and then sweep, all at once.
func processTogether(f *fixture, refs []string) {
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, ref := range refs {
				f.svc.Process(ctx, ref)
			}
			f.svc.ProcessPending(ctx)
		}()
	}
	wg.Wait()
}

// wantLettersOnce checks that each resident submitResidents made was acknowledged once and
// that the officer was told of each case once.
func wantLettersOnce(t *testing.T, f *fixture, refs []string) {
	t.Helper()
	n := letters(t, f.outbox)
	for i, ref := range refs {
		if k := fmt.Sprintf("resident%d@example.com We have received your complaint (%s)", i, ref); n[k] != 1 {
			t.Errorf("%d acknowledgements to resident %d, want 1", n[k], i)
		}
	}
	if k := "planning@example.gov.uk New complaint assigned to you"; n[k] != len(refs) {
		t.Errorf("%d assignments for %d cases, want %d: %v", n[k], len(refs), len(refs), n)
	}
}

func TestService_Process_ClaimTakenOverWhenItLapses(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		soleProcess bool
		advance     time.Duration
		wantSent    int
	}{
		{"live claim by another worker", false, time.Minute, 0},
		{"lapsed claim", false, feedback.DefaultLease, 2},
		{"claim by a process that died, store held alone", true, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, monday)
			c, _, _ := f.svc.Submit(ctx, complaint())
			// Another worker claimed everything, then vanished.
			_, err := f.store.Update(ctx, c.Ref, func(c *feedback.Case) error {
				for name, e := range c.Effects {
					e.ClaimedBy, e.ClaimedUntil = "worker-gone#1", monday.Add(feedback.DefaultLease)
					c.Effects[name] = e
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			f.svc.Workers.SoleProcess = tt.soleProcess
			f.clock.Advance(tt.advance)
			if err := f.svc.Process(ctx, c.Ref); err != nil {
				t.Fatal(err)
			}
			if sent, _ := f.outbox.List(); len(sent) != tt.wantSent {
				t.Errorf("sent %d letters, want %d", len(sent), tt.wantSent)
			}
		})
	}
}

func TestService_Process_AckLimitPerRecipient(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	f.svc.AckLimit = 3
	var last *feedback.Case
	for i := 0; i < 4; i++ {
		s := complaint()
		s.Message = fmt.Sprintf("complaint number %d", i+1)
		c, _, err := f.svc.Submit(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.Process(ctx, c.Ref); err != nil {
			t.Fatal(err)
		}
		last = c
		f.clock.Advance(time.Hour)
	}
	n := letters(t, f.outbox)
	acks := 0
	for k, v := range n {
		if strings.HasPrefix(k, "ada@example.com") {
			acks += v
		}
	}
	if acks != 3 {
		t.Errorf("%d acknowledgements to one address in 4 hours, want 3 (the limit)", acks)
	}
	got, _ := f.store.Get(ctx, last.Ref)
	if ack := got.Effects[feedback.EffectAcknowledgement]; ack.State != feedback.EffectSkipped || !strings.Contains(ack.Reason, "24 hours") {
		t.Errorf("the fourth acknowledgement is %+v; want skipped with the reason", ack)
	}
	// A day later the address is acknowledged again.
	f.clock.Advance(24 * time.Hour)
	c, _, _ := f.svc.Submit(ctx, complaint())
	f.svc.Process(ctx, c.Ref)
	if got, _ := f.store.Get(ctx, c.Ref); got.Effects[feedback.EffectAcknowledgement].State != feedback.EffectDone {
		t.Errorf("a day later the acknowledgement is %+v; want done", got.Effects[feedback.EffectAcknowledgement])
	}
}

func TestService_Remind_OncePerReminder(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	f.svc.Mailer = slow{unkeyed{f.outbox}}
	c, _, _ := f.svc.Submit(ctx, complaint())
	r := f.svc.Reminders(c)[0]
	var wg sync.WaitGroup
	var mu sync.Mutex
	sent := 0
	for i := 0; i < 8; i++ { // a redelivered schedule, the sweep and a clock move, all at once
		wg.Add(1)
		go func() {
			defer wg.Done()
			// A delivery that finds another sending is told to come back (EUNAVAILABLE), so that
			// the scheduler redelivers it: it must not count as delivered.
			ok, err := f.svc.Remind(ctx, r)
			if err != nil && feedback.ErrorCode(err) != feedback.EUNAVAILABLE {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				sent++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if ok, _ := f.svc.Remind(ctx, r); ok {
		sent++
	}
	out, _ := f.outbox.List()
	if sent != 1 || len(out) != 1 {
		t.Errorf("Remind reported %d sends and the outbox holds %d letters; want 1 and 1", sent, len(out))
	}
	got, _ := f.store.Get(ctx, c.Ref)
	if e := got.Effects[feedback.ReminderEffect(r.Name)]; e.State != feedback.EffectDone {
		t.Errorf("the reminder is recorded as %+v; want done", e)
	}
}

func TestService_SweepReminders(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		at       time.Time // when the sweep runs
		fired    []feedback.Purpose
		wantSent []string // subjects' opening words
	}{
		{"before any reminder is due", time.Date(2027, 1, 5, 8, 59, 0, 0, time.UTC), nil, nil},
		{"the warning was lost", time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC), nil, []string{"Response due soon"}},
		{"the warning was sent", time.Date(2027, 1, 6, 9, 0, 0, 0, time.UTC), []feedback.Purpose{feedback.PurposeWarning}, nil},
		{"warning and due lost: only the latest", time.Date(2027, 1, 7, 12, 0, 0, 0, time.UTC), nil, []string{"Response due today"}},
		{"all three lost, a week late", time.Date(2027, 1, 14, 9, 0, 0, 0, time.UTC), nil, []string{"Response overdue"}},
		{"warning and due lost, overdue sent: superseded", time.Date(2027, 1, 14, 9, 0, 0, 0, time.UTC), []feedback.Purpose{feedback.PurposeOverdue}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, monday)
			c, _, _ := f.svc.Submit(ctx, complaint())
			f.svc.Process(ctx, c.Ref)
			f.clock.Set(tt.at)
			for _, r := range f.svc.Reminders(c) {
				for _, p := range tt.fired {
					if r.Purpose == p {
						if _, err := f.svc.Remind(ctx, r); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			before, _ := f.outbox.List()
			n, err := f.svc.SweepReminders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			after, _ := f.outbox.List()
			var got []string
			for _, m := range after[len(before):] {
				got = append(got, strings.SplitN(m.Subject, ":", 2)[0])
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.wantSent) || n != len(tt.wantSent) {
				t.Errorf("sweep sent %v (reported %d), want %v", got, n, tt.wantSent)
			}
			// A second sweep, and the schedules firing late, send nothing more.
			f.svc.SweepReminders(ctx)
			for _, r := range f.svc.Reminders(c) {
				if !r.At.After(tt.at) {
					f.svc.Remind(ctx, r)
				}
			}
			if again, _ := f.outbox.List(); len(again) != len(after) {
				t.Errorf("a second sweep and late schedules sent %d more", len(again)-len(after))
			}
		})
	}
}

func TestService_Acknowledgement_GreetsOnlyAName(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, want string
	}{
		{"Ada Resident", "Dear Ada Resident,"},
		{"Siân O’Brien-Ćwik", "Dear Siân O’Brien-Ćwik,"},
		{"J. R. Hartley", "Dear J. R. Hartley,"},
		{"", "Hello,"},
		{"Claim your prize at prizes.example", "Hello,"},
		{"Call 0900 123 4567 now", "Hello,"},
		{strings.Repeat("Ada ", 20), "Hello,"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, monday)
			s := complaint()
			s.Name = tt.name
			c, _, err := f.svc.Submit(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			f.svc.Process(ctx, c.Ref)
			sent, _ := f.outbox.List()
			if !strings.HasPrefix(sent[0].Text, tt.want) || !strings.Contains(sent[0].HTML, "<p>"+tt.want+"</p>") {
				t.Errorf("acknowledgement opens %q; want %q", strings.SplitN(sent[0].Text, "\n", 2)[0], tt.want)
			}
		})
	}
}

func TestService_SendDigests(t *testing.T) {
	ctx := context.Background()
	staff := feedback.Directory{
		"planning.manager@example.gov.uk": {Email: "planning.manager@example.gov.uk", Role: feedback.RoleManager, Areas: []string{"planning"}},
		"housing.manager@example.gov.uk":  {Email: "housing.manager@example.gov.uk", Role: feedback.RoleManager, Areas: []string{"housing"}},
	}
	tests := []struct {
		name string
		at   time.Time
		want []string // recipients
	}{
		{"a working day before 09:00", time.Date(2027, 1, 5, 8, 59, 0, 0, time.UTC), nil},
		{"a working day at 09:00, the case due in two working days", time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC), []string{"planning.manager@example.gov.uk"}},
		{"a Saturday", time.Date(2027, 1, 9, 9, 0, 0, 0, time.UTC), nil},
		{"overdue", time.Date(2027, 1, 11, 9, 30, 0, 0, time.UTC), []string{"planning.manager@example.gov.uk"}},
		{"too early for the case to be due soon", time.Date(2026, 12, 23, 9, 0, 0, 0, time.UTC), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, monday)
			f.svc.Staff = staff
			// As SES, the mailer keeps no letter's key: only the day's claim stops a second digest.
			f.svc.Mailer = unkeyed{f.outbox}
			c, _, _ := f.svc.Submit(ctx, complaint()) // planning, due 7 January 2027
			f.svc.Process(ctx, c.Ref)
			before, _ := f.outbox.List()
			f.clock.Set(tt.at)
			for i := 0; i < 3; i++ { // the schedule, its retry and a sweep: one digest a day
				if _, err := f.svc.SendDigests(ctx, time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
			after, _ := f.outbox.List()
			var got []string
			for _, m := range after[len(before):] {
				got = append(got, m.To[0])
				if !strings.Contains(m.Text, c.Ref) || !strings.Contains(m.Text, "Thursday 7 January 2027") {
					t.Errorf("digest does not list %s and its due date:\n%s", c.Ref, m.Text)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("digests to %v, want %v", got, tt.want)
			}
		})
	}
}

// TestService_SendDigests_ScheduledAt: the daily schedule's digest is judged at the time the
// schedule fired for, not by the function's clock: at the reminder hour even when the clock is a
// moment behind, on the day it was for when a retry runs after midnight; never for a schedule
// before the reminder hour (a fixed 09:00 with the hour at 10), a bank holiday, a day more than
// a week gone or a time ahead of the clock; and once a day whoever calls (the schedule, its
// retries, a sweep judged now).
func TestService_SendDigests_ScheduledAt(t *testing.T) {
	ctx := context.Background()
	const manager = "planning.manager@example.gov.uk"
	tuesday := time.Date(2027, 1, 5, 10, 0, 0, 0, time.UTC) // London is on UTC in January
	tests := []struct {
		name      string
		scheduled time.Time
		now       time.Time
		want      string // the day the digest is for; "" for none
	}{
		{"at the reminder hour, the clock a moment behind", tuesday, tuesday.Add(-500 * time.Millisecond), "Tuesday 5 January 2027"},
		{"retried hours later", tuesday, tuesday.Add(5*time.Hour + 30*time.Minute), "Tuesday 5 January 2027"},
		{"retried after midnight", tuesday, tuesday.Add(14*time.Hour + 30*time.Minute), "Tuesday 5 January 2027"},
		{"a schedule fixed at 09:00, the reminder hour 10", tuesday.Add(-time.Hour), tuesday.Add(-time.Hour + 2*time.Second), ""},
		{"a bank holiday", time.Date(2027, 1, 1, 10, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 10, 0, 1, 0, time.UTC), ""},
		{"more than a week ago", tuesday, tuesday.AddDate(0, 0, 8).Add(-time.Hour), ""},
		{"ahead of the clock", tuesday.AddDate(0, 0, 1), tuesday.Add(-30 * time.Minute), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, monday)
			f.svc.Staff = feedback.Directory{manager: {Email: manager, Role: feedback.RoleManager, Areas: []string{"planning"}}}
			f.svc.Policy.ReminderHour = 10
			// As SES, the mailer keeps no letter's key: only the day's claim stops a second digest.
			f.svc.Mailer = unkeyed{f.outbox}
			c, _, _ := f.svc.Submit(ctx, complaint()) // planning, due 7 January 2027
			f.svc.Process(ctx, c.Ref)
			before, _ := f.outbox.List()
			f.clock.Set(tt.now)
			for range 3 { // the schedule and its retries
				if _, err := f.svc.SendDigests(ctx, tt.scheduled); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.svc.SendDigests(ctx, time.Time{}); err != nil { // a sweep, judged now
				t.Fatal(err)
			}
			after, _ := f.outbox.List()
			var got []string
			for _, m := range after[len(before):] {
				got = append(got, m.To[0]+": "+m.Subject)
				if !strings.Contains(m.Text, c.Ref) {
					t.Errorf("digest does not list %s:\n%s", c.Ref, m.Text)
				}
			}
			var want []string
			if tt.want != "" {
				want = []string{manager + ": Complaints digest for " + tt.want + ": 0 overdue, 1 due soon"}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("digests %q; want %q", got, want)
			}
		})
	}
}

// recorder keeps the metrics the service adds.
type recorder struct {
	mu  sync.Mutex
	got []string
}

func (r *recorder) Add(_ context.Context, name string, v float64, dims map[string]string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, fmt.Sprintf("%s %v=%v", name, dims, v))
}

func TestService_Metrics(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	m := &recorder{}
	f.svc.Metrics = m
	f.svc.Mailer = refusing{next: f.outbox, to: "ada@example.com", permanent: true}
	c, _, _ := f.svc.Submit(ctx, complaint())
	f.svc.Process(ctx, c.Ref)
	s := complaint()
	s.Kind, s.Email = "compliment", ""
	f.svc.Submit(ctx, s)
	f.clock.Set(time.Date(2026, 12, 24, 10, 0, 0, 0, time.UTC)) // the second is past its acknowledgement date
	f.svc.ProcessPending(ctx)
	want := []string{
		"CasesCreated map[Channel:web Kind:complaint]=1",
		"AcknowledgementsNotSent map[Outcome:failed]=1",
		"SideEffectFailures map[Effect:acknowledgement]=1",
		"CasesCreated map[Channel:web Kind:compliment]=1",
		"AcknowledgementsNotSent map[Outcome:skipped]=1",
		"AcknowledgementsOverdue map[]=1",
	}
	if fmt.Sprint(m.got) != fmt.Sprint(want) {
		t.Errorf("metrics:\n%v\nwant\n%v", strings.Join(m.got, "\n"), strings.Join(want, "\n"))
	}
}

// TestService_SweepReminders_Undated: the reminders with no response date have the sweep as
// their safety net too: an acknowledgement check whose schedule was lost (an item with no email
// address), and a restriction's review reminder.
func TestService_SweepReminders_Undated(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	s := complaint()
	s.Kind, s.Email, s.Phone = "comment", "", "01632 960123"
	c, _, err := f.svc.Submit(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Process(ctx, c.Ref)
	admin := feedback.StaffMember{Email: "complaints@example.gov.uk", Role: feedback.RoleAdmin}
	r, err := f.svc.Restrict(ctx, admin, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "Forty emails a week about one settled matter."})
	if err != nil {
		t.Fatal(err)
	}
	f.svc.ProcessRestrictions(ctx)
	// Every schedule is lost.
	for _, rm := range f.sched.List() {
		f.sched.Cancel(ctx, rm.Name)
	}
	f.clock.Set(r.ReviewBy.AddDate(0, 0, 1).Add(12 * time.Hour))
	before, _ := f.outbox.List()
	n, err := f.svc.SweepReminders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	after, _ := f.outbox.List()
	var subjects []string
	for _, m := range after[len(before):] {
		subjects = append(subjects, m.Subject)
	}
	if n != 1 || len(subjects) != 1 || !strings.Contains(strings.ToLower(subjects[0]), "review") {
		t.Errorf("sweep months later sent %q (reported %d); want the restriction's review reminder alone (the comment's check is long past)", subjects, n)
	}

	f = newFixture(t, monday)
	c, _, _ = f.svc.Submit(ctx, s)
	f.svc.Process(ctx, c.Ref)
	for _, rm := range f.sched.List() {
		f.sched.Cancel(ctx, rm.Name)
	}
	f.clock.Set(monday.AddDate(0, 0, 2))
	before, _ = f.outbox.List()
	if n, err := f.svc.SweepReminders(ctx); err != nil || n != 1 {
		t.Fatalf("sweep = %d, %v; want the lost acknowledgement check sent", n, err)
	}
	after, _ = f.outbox.List()
	if len(after) != len(before)+1 || !strings.Contains(after[len(after)-1].Text, c.Ref) {
		t.Errorf("sweep sent %d letters; want the acknowledgement check for %s", len(after)-len(before), c.Ref)
	}
	if n, _ := f.svc.SweepReminders(ctx); n != 0 {
		t.Errorf("a second sweep sent %d more", n)
	}
}

// TestService_Process_BackDated: a case entered after its reminders' times (an import, a call
// entered late) schedules only the latest of each series that has passed, which the scheduler
// fires at once, and those still to come; the earlier ones are superseded, and no sweep sends
// them later.
func TestService_Process_BackDated(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	c, _, err := f.svc.Submit(ctx, complaint())
	if err != nil {
		t.Fatal(err)
	}
	var due time.Time
	for _, r := range f.svc.Reminders(c) {
		if r.Purpose == feedback.PurposeDue {
			due = r.At
		}
	}
	// The case is taken in only at noon on its due date (as a back-dated import is).
	f.clock.Set(due.Add(3 * time.Hour))
	if err := f.svc.Process(ctx, c.Ref); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.sched.List() {
		got = append(got, string(r.Purpose))
		if r.Purpose == feedback.PurposeDue && r.At.After(f.clock.Now()) {
			t.Errorf("the due reminder, whose time has passed, is held for %s; want at once", r.At)
		}
	}
	if fmt.Sprint(got) != "[due overdue]" {
		t.Errorf("scheduled %v; want [due overdue]: the warning is superseded by the due reminder", got)
	}
	fired := 0
	for _, r := range f.sched.List() {
		if !r.At.After(f.clock.Now()) {
			if ok, _ := f.svc.Remind(ctx, r); ok {
				fired++
			}
		}
	}
	if n, _ := f.svc.SweepReminders(ctx); fired != 1 || n != 0 {
		t.Errorf("fired %d at once and the sweep sent %d; want the due reminder alone, once", fired, n)
	}
}
