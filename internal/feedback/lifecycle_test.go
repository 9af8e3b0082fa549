package feedback_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The staff of the lifecycle tests: cy and ed are officers of planning and housing, bo and di
// managers of planning (bo of housing too), ana the complaints team, mo a monitor.
var (
	ana = feedback.StaffMember{Email: "ana@council.gov.uk", Role: feedback.RoleAdmin}
	bo  = feedback.StaffMember{Email: "bo@council.gov.uk", Role: feedback.RoleManager, Areas: []string{"planning", "housing"}}
	di  = feedback.StaffMember{Email: "di@council.gov.uk", Role: feedback.RoleManager, Areas: []string{"planning"}}
	fay = feedback.StaffMember{Email: "fay@council.gov.uk", Role: feedback.RoleManager, Areas: []string{"parking"}}
	cy  = feedback.StaffMember{Email: "cy@council.gov.uk", Role: feedback.RoleOfficer, Areas: []string{"planning"}}
	ed  = feedback.StaffMember{Email: "ed@council.gov.uk", Role: feedback.RoleOfficer, Areas: []string{"housing"}}
	mo  = feedback.StaffMember{Email: "mo@council.gov.uk", Role: feedback.RoleMonitor}
)

// london is an instant given in Europe/London (the same as UTC in winter).
func london(s string) time.Time {
	t, err := time.Parse("2006-01-02T15:04", s)
	if err != nil {
		panic(err)
	}
	return t
}

func lifecycleFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, monday)
	f.svc.Routing = feedback.Routing{Areas: map[string]string{"planning": cy.Email, "housing": ed.Email}, Triage: "triage@council.gov.uk"}
	f.svc.Staff = feedback.Directory{}
	for _, m := range []feedback.StaffMember{ana, bo, di, fay, cy, ed, mo} {
		f.svc.Staff[m.Email] = m
	}
	return f
}

// submitted stores a complaint about planning at monday and carries out its side effects.
func (f *fixture) submitted(t *testing.T) *feedback.Case {
	t.Helper()
	c, _, err := f.svc.Submit(context.Background(), complaint())
	if err != nil {
		t.Fatal(err)
	}
	f.process(t, c.Ref)
	return c
}

func (f *fixture) process(t *testing.T, ref string) {
	t.Helper()
	if err := f.svc.Process(context.Background(), ref); err != nil {
		t.Fatalf("Process %s: %v", ref, err)
	}
}

// fireUntil moves the clock to at and fires every reminder due by then, as the local runner
// does, returning the emails they sent as "subject prefix -> recipients".
func (f *fixture) fireUntil(t *testing.T, at time.Time) []string {
	t.Helper()
	before, _ := f.outbox.List()
	f.clock.Set(at)
	f.sched.FireDue(context.Background(), func(ctx context.Context, r feedback.Reminder) error {
		_, err := f.svc.Remind(ctx, r)
		return err
	}, f.svc.Log)
	after, _ := f.outbox.List()
	var got []string
	for _, m := range after[len(before):] {
		got = append(got, strings.SplitN(m.Subject, ":", 2)[0]+" -> "+strings.Join(m.To, " "))
	}
	return got
}

func scheduleNames(f *fixture) []string {
	var names []string
	for _, r := range f.sched.List() {
		names = append(names, r.Name+"@"+r.At.Format(time.RFC3339))
	}
	return names
}

func TestLifecycle_Reminders(t *testing.T) {
	f := lifecycleFixture(t)
	c := f.submitted(t)
	if got := c.RespondBy.Format(time.DateOnly); got != "2027-01-07" {
		t.Fatalf("a complaint received at 10:00 on 21 December 2026 is due %s, want 2027-01-07", got)
	}
	steps := []struct {
		at   string
		want []string
	}{
		{"2026-12-24T09:00", nil},
		{"2027-01-04T09:00", nil},
		{"2027-01-05T08:59", nil}, // not before 09:00
		{"2027-01-05T09:00", []string{"Response due soon -> cy@council.gov.uk"}},
		{"2027-01-06T09:00", nil},
		{"2027-01-07T09:00", []string{"Response due today -> cy@council.gov.uk"}},
		{"2027-01-08T09:00", []string{"Response overdue -> cy@council.gov.uk bo@council.gov.uk di@council.gov.uk"}},
		{"2027-01-31T09:00", nil},
	}
	for _, st := range steps {
		if got := f.fireUntil(t, london(st.at)); fmt.Sprint(got) != fmt.Sprint(st.want) {
			t.Errorf("at %s sent %v, want %v", st.at, got, st.want)
		}
	}
}

func TestLifecycle_RemindersOnlyOnWorkingDays(t *testing.T) {
	tests := []struct {
		name     string
		received time.Time
	}{
		{"before Christmas", monday},
		{"on a Saturday", london("2027-01-09T11:00")},
		{"before Easter", london("2027-03-19T10:00")},
		{"in summer time", london("2027-08-20T10:00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			f.clock.Set(tt.received)
			f.submitted(t)
			for _, r := range f.sched.List() {
				at := r.At.In(f.svc.Calendar.Location())
				if !f.svc.Calendar.IsWorkingDay(at) || at.Hour() != 9 || at.Minute() != 0 {
					t.Errorf("reminder %s fires at %s: want 09:00 Europe/London on a working day", r.Name, at)
				}
			}
		})
	}
}

func TestService_Extend(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	c := f.submitted(t)
	f.clock.Set(london("2027-01-04T11:00"))
	got, err := f.svc.Extend(ctx, cy, c.Ref, 5, "We are waiting for the planning inspector's report.")
	if err != nil {
		t.Fatal(err)
	}
	f.process(t, c.Ref)
	if due := got.RespondBy.Format(time.DateOnly); due != "2027-01-14" || !got.Extended() {
		t.Errorf("after extending by 5 working days on 4 January, due %s (extended %v), want 2027-01-14", due, got.Extended())
	}
	want := []string{
		"FB-2026-000001-stage1-warning-20270114@2027-01-12T09:00:00Z",
		"FB-2026-000001-stage1-due-20270114@2027-01-14T09:00:00Z",
		"FB-2026-000001-stage1-overdue-20270114@2027-01-15T09:00:00Z",
	}
	if names := scheduleNames(f); fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("schedules after the extension = %v\nwant (the old ones cancelled) %v", names, want)
	}
	sent, _ := f.outbox.List()
	letter := sent[len(sent)-1]
	for _, w := range []string{"Thursday 14 January 2027", "Local Government and Social Care Ombudsman", "planning inspector"} {
		if !strings.Contains(letter.Text, w) || !strings.Contains(letter.HTML, w) {
			t.Errorf("the extension letter does not say %q:\n%s", w, letter.Text)
		}
	}
	if letter.To[0] != "ada@example.com" || letter.Headers["Auto-Submitted"] == "" {
		t.Errorf("the extension letter went to %v with headers %v", letter.To, letter.Headers)
	}
	if steps := f.fireUntil(t, london("2027-01-07T09:00")); len(steps) != 0 {
		t.Errorf("the old due date still sent %v", steps)
	}

	refusals := []struct {
		name     string
		days     int
		reason   string
		wantCode string
	}{
		{"a second extension at Stage 1", 2, "more", feedback.ECONFLICT},
		{"no reason", 2, " ", feedback.EINVALID},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.Extend(ctx, cy, c.Ref, tt.days, tt.reason); feedback.ErrorCode(err) != tt.wantCode {
				t.Errorf("Extend error = %v, want %s", err, tt.wantCode)
			}
		})
	}
}

func TestService_Extend_Limits(t *testing.T) {
	tests := []struct {
		stage    feedback.Stage
		days     int
		wantCode string
	}{
		{feedback.Stage1, 0, feedback.EINVALID},
		{feedback.Stage1, 10, ""},
		{feedback.Stage1, 11, feedback.EINVALID},
		{feedback.Stage2, 20, ""},
		{feedback.Stage2, 21, feedback.EINVALID},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s by %d", tt.stage, tt.days), func(t *testing.T) {
			ctx := context.Background()
			f := lifecycleFixture(t)
			c := f.submitted(t)
			if tt.stage == feedback.Stage2 {
				respond(t, f, cy, c.Ref)
				if _, err := f.svc.Escalate(ctx, cy, c.Ref, di.Email, "unhappy"); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := f.svc.Extend(ctx, ana, c.Ref, tt.days, "reason"); feedback.ErrorCode(err) != tt.wantCode {
				t.Errorf("Extend error = %v, want %q", err, tt.wantCode)
			}
		})
	}
}

func respond(t *testing.T, f *fixture, who feedback.StaffMember, ref string) *feedback.Case {
	t.Helper()
	c, err := f.svc.Respond(context.Background(), who, ref, feedback.Response{Outcome: feedback.OutcomeNotUpheld,
		Summary: "We looked at the portal's <records>.", SentBy: feedback.SentByEmail})
	if err != nil {
		t.Fatal(err)
	}
	f.process(t, ref)
	return c
}

func TestLifecycle_RespondEscalateOmbudsman(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	c := f.submitted(t)
	years := func(c *feedback.Case) int { return c.ExpiresAt.Year() - c.ClosedAt.Year() }

	// Bo, a manager, handles Stage 1 and responds on 6 January.
	f.clock.Set(london("2027-01-05T10:00"))
	if _, err := f.svc.Assign(ctx, cy, c.Ref, bo.Email); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(london("2027-01-06T15:00"))
	c = respond(t, f, bo, c.Ref)
	if st, _ := c.StageRecordOf(feedback.Stage1); !st.Responded() || c.Outcome() != feedback.OutcomeNotUpheld || !c.RespondBy.IsZero() {
		t.Errorf("after responding, Stage 1 = %+v, outcome %q, due %v; want it closed, not upheld, nothing due", st, c.Outcome(), c.RespondBy)
	}
	if len(f.sched.List()) != 0 {
		t.Errorf("Stage 1's reminders were not cancelled when it closed: %v", scheduleNames(f))
	}
	sent, _ := f.outbox.List()
	if l := sent[len(sent)-1]; !strings.Contains(l.Text, "Stage 2") || !strings.Contains(l.Text, "Wednesday 3 February 2027") ||
		!strings.Contains(l.HTML, "&lt;records&gt;") {
		t.Errorf("the Stage 1 response letter must say how to escalate and by when (3 February), escaped:\n%s\n%s", l.Text, l.HTML)
	}

	// The case closes with a note: two years' retention.
	f.clock.Set(london("2027-01-08T10:00"))
	c, err := f.svc.Close(ctx, bo, c.Ref, "The resident accepted the response.")
	if err != nil {
		t.Fatal(err)
	}
	if !c.ExpiresAt.Equal(c.ClosedAt.AddDate(2, 0, 0)) || c.Status != feedback.StatusClosed {
		t.Errorf("closed %v expires %v; want two years after closure", c.ClosedAt, c.ExpiresAt)
	}

	// The resident asks for a review on 11 January.
	f.clock.Set(london("2027-01-11T10:00"))
	refusals := []struct {
		reviewer string
		wantCode string
	}{
		{bo.Email, feedback.ECONFLICT}, // handled Stage 1
		{cy.Email, feedback.ECONFLICT}, // an officer, not a manager
		{"x@elsewhere.example", feedback.EINVALID},
	}
	for _, r := range refusals {
		if _, err := f.svc.Escalate(ctx, cy, c.Ref, r.reviewer, "The resident is unhappy."); feedback.ErrorCode(err) != r.wantCode {
			t.Errorf("Escalate with reviewer %s: error %v, want %s", r.reviewer, err, r.wantCode)
		}
	}
	c, err = f.svc.Escalate(ctx, cy, c.Ref, di.Email, "The resident is unhappy.")
	if err != nil {
		t.Fatal(err)
	}
	f.process(t, c.Ref)
	if c.Stage != feedback.Stage2 || c.Status != feedback.StatusOpen || !c.ExpiresAt.IsZero() || c.AssignedTo != di.Email {
		t.Errorf("after escalating: stage %s status %s expires %v assigned %s", c.Stage, c.Status, c.ExpiresAt, c.AssignedTo)
	}
	if due := c.RespondBy.Format(time.DateOnly); due != "2027-02-08" {
		t.Errorf("Stage 2 due %s, want 2027-02-08: 20 working days after the escalation's acknowledgement on 11 January", due)
	}
	if names := scheduleNames(f); len(names) != 3 || !strings.Contains(names[0], "stage2-warning-20270208") {
		t.Errorf("Stage 2 schedules = %v", names)
	}
	sent, _ = f.outbox.List()
	var subjects []string
	for _, m := range sent {
		subjects = append(subjects, m.Subject+" -> "+m.To[0])
	}
	if !slices.ContainsFunc(subjects, func(s string) bool { return strings.HasPrefix(s, "We have received your request for a review") }) {
		t.Errorf("no acknowledgement of the escalation to the resident: %v", subjects)
	}
	if _, err := f.svc.Escalate(ctx, cy, c.Ref, ana.Email, "again"); feedback.ErrorCode(err) != feedback.ECONFLICT {
		t.Errorf("a third stage: error %v, want %s", err, feedback.ECONFLICT)
	}

	// Stage 2's response closes the case; the Ombudsman's involvement keeps it six years.
	f.clock.Set(london("2027-02-01T10:00"))
	c = respond(t, f, di, c.Ref)
	if c.Status != feedback.StatusClosed || years(c) != 2 {
		t.Errorf("after Stage 2's response: status %s, kept %d years; want closed, 2", c.Status, years(c))
	}
	sent, _ = f.outbox.List()
	if l := sent[len(sent)-1]; !strings.Contains(l.Text, "Local Government and Social Care Ombudsman") {
		t.Errorf("the Stage 2 response letter does not give the Ombudsman:\n%s", l.Text)
	}
	f.clock.Set(london("2027-03-01T10:00"))
	if _, err := f.svc.ReferOmbudsman(ctx, cy, c.Ref, feedback.OmbudsmanLGSCO, london("2027-02-20T00:00")); feedback.ErrorCode(err) != feedback.EFORBIDDEN {
		t.Errorf("an officer recording a referral: error %v, want %s", err, feedback.EFORBIDDEN)
	}
	if c, err = f.svc.ReferOmbudsman(ctx, di, c.Ref, feedback.OmbudsmanLGSCO, london("2027-02-20T00:00")); err != nil {
		t.Fatal(err)
	}
	if c, err = f.svc.RecordOmbudsmanDecision(ctx, di, c.Ref, feedback.DecisionNotUpheld, london("2027-02-28T00:00"), ""); err != nil {
		t.Fatal(err)
	}
	if years(c) != 6 || c.Ombudsman.Decision != feedback.DecisionNotUpheld {
		t.Errorf("after the Ombudsman: kept %d years, decision %q; want 6 years", years(c), c.Ombudsman.Decision)
	}
	var actions []string
	for _, e := range c.History {
		actions = append(actions, e.Action)
	}
	want := []string{"assigned", "responded", "closed", "escalated", "responded", "ombudsman referral", "ombudsman decision"}
	if fmt.Sprint(actions) != fmt.Sprint(want) {
		t.Errorf("history = %v, want %v", actions, want)
	}
}

func TestService_Respond_HousingOmbudsman(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	f.svc.Policy.HousingAreas = []string{"housing"}
	sub := complaint()
	sub.ServiceArea = "housing"
	c, _, _ := f.svc.Submit(ctx, sub)
	f.process(t, c.Ref)
	respond(t, f, ed, c.Ref)
	if _, err := f.svc.Escalate(ctx, ed, c.Ref, bo.Email, "unhappy"); err != nil {
		t.Fatal(err)
	}
	f.process(t, c.Ref)
	respond(t, f, bo, c.Ref)
	sent, _ := f.outbox.List()
	if l := sent[len(sent)-1]; !strings.Contains(l.Text, "Housing Ombudsman") {
		t.Errorf("a housing complaint's Stage 2 letter must give the Housing Ombudsman:\n%s", l.Text)
	}
}

func TestService_Reclassify(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	sub := complaint()
	sub.Kind = "service_request"
	c, _, _ := f.svc.Submit(ctx, sub)
	f.process(t, c.Ref)
	if len(f.sched.List()) != 0 {
		t.Fatalf("a service request has reminders: %v", scheduleNames(f))
	}
	f.clock.Set(london("2026-12-23T10:00"))
	c, err := f.svc.Reclassify(ctx, cy, c.Ref, feedback.KindComplaint)
	if err != nil {
		t.Fatal(err)
	}
	f.process(t, c.Ref)
	if !c.ReceivedAt.Equal(monday) || c.RespondBy.Format(time.DateOnly) != "2027-01-07" || c.Stage != feedback.Stage1 {
		t.Errorf("reclassified: received %v, due %v, stage %s; want the received date kept and due 2027-01-07", c.ReceivedAt, c.RespondBy, c.Stage)
	}
	if n := len(f.sched.List()); n != 3 {
		t.Errorf("after becoming a complaint, %d reminders; want 3", n)
	}
	c, err = f.svc.Reclassify(ctx, cy, c.Ref, feedback.KindComment)
	if err != nil {
		t.Fatal(err)
	}
	f.process(t, c.Ref)
	if n := len(f.sched.List()); n != 0 || c.Stage != feedback.StageNone {
		t.Errorf("after ceasing to be a complaint, %d reminders and stage %q; want none", n, c.Stage)
	}
	if _, err := f.svc.Reclassify(ctx, cy, c.Ref, "grievance"); feedback.ErrorCode(err) != feedback.EINVALID {
		t.Errorf("an unknown kind: error %v, want %s", err, feedback.EINVALID)
	}
}

func TestService_Close(t *testing.T) {
	tests := []struct {
		kind      string
		note      string
		wantCode  string
		wantYears int
	}{
		{"compliment", "Passed to the team.", "", 1},
		{"service_request", "Bin delivered.", "", 1},
		{"complaint", "Withdrawn by the resident.", "", 2},
		{"comment", "", feedback.EINVALID, 0},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			ctx := context.Background()
			f := lifecycleFixture(t)
			sub := complaint()
			sub.Kind = tt.kind
			c, _, _ := f.svc.Submit(ctx, sub)
			f.process(t, c.Ref)
			got, err := f.svc.Close(ctx, cy, c.Ref, tt.note)
			if feedback.ErrorCode(err) != tt.wantCode {
				t.Fatalf("Close error = %v, want %q", err, tt.wantCode)
			}
			if err != nil {
				return
			}
			f.process(t, c.Ref)
			if !got.ExpiresAt.Equal(monday.AddDate(tt.wantYears, 0, 0)) {
				t.Errorf("expires %v, want %d years after closure", got.ExpiresAt, tt.wantYears)
			}
			if len(f.sched.List()) != 0 {
				t.Errorf("a closed case still has reminders: %v", scheduleNames(f))
			}
			if _, err := f.svc.Close(ctx, cy, c.Ref, "again"); feedback.ErrorCode(err) != feedback.ECONFLICT {
				t.Errorf("closing twice: error %v, want %s", err, feedback.ECONFLICT)
			}
		})
	}
}

func TestService_Intake(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		who      feedback.StaffMember
		channel  feedback.Channel
		received time.Time
		wantCode string
	}{
		{"by phone last Friday", cy, feedback.ChannelPhone, london("2026-12-18T15:00"), ""},
		{"by letter", bo, feedback.ChannelLetter, time.Time{}, ""},
		{"in person", ana, feedback.ChannelInPerson, monday, ""},
		{"the web is not entered by hand", cy, feedback.ChannelWeb, monday, feedback.EINVALID},
		{"received in the future", cy, feedback.ChannelPhone, monday.Add(time.Hour), feedback.EINVALID},
		{"a monitor", mo, feedback.ChannelPhone, monday, feedback.EFORBIDDEN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			sub := complaint()
			sub.Email, sub.Phone, sub.Channel, sub.ReceivedAt = "", "01632 960001", tt.channel, tt.received
			c, _, err := f.svc.Intake(ctx, tt.who, sub)
			if feedback.ErrorCode(err) != tt.wantCode {
				t.Fatalf("Intake error = %v, want %q", err, tt.wantCode)
			}
			if err != nil {
				return
			}
			f.process(t, c.Ref)
			want := tt.received
			if want.IsZero() {
				want = monday
			}
			if !c.ReceivedAt.Equal(want) || c.Channel != tt.channel || c.History[0].By != tt.who.Email {
				t.Errorf("received %v by %s, history %v", c.ReceivedAt, c.Channel, c.History)
			}
			if due := f.svc.Calendar.AddWorkingDays(want, 10); !c.RespondBy.Equal(due) {
				t.Errorf("due %v, want %v: ten working days from the day received", c.RespondBy, due)
			}
			// Nobody could be acknowledged by email: the officer is asked to check next working day.
			check := "FB-2026-000001--ack_check"
			if names := scheduleNames(f); len(names) != 4 || !strings.HasPrefix(names[0], check) {
				t.Errorf("schedules = %v; want the acknowledgement check first", names)
			}
		})
	}
}

func TestService_Remind_AckCheck(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	sub := complaint()
	sub.Email, sub.Phone, sub.Channel = "", "01632 960001", feedback.ChannelPhone
	c, _, err := f.svc.Intake(ctx, cy, sub)
	if err != nil {
		t.Fatal(err)
	}
	f.process(t, c.Ref)
	if got := f.fireUntil(t, london("2026-12-22T08:59")); len(got) != 0 {
		t.Errorf("before the check is due: %v", got)
	}
	if got := f.fireUntil(t, london("2026-12-22T09:00")); fmt.Sprint(got) != "[Check the sender has been acknowledged -> cy@council.gov.uk]" {
		t.Errorf("the acknowledgement check sent %v", got)
	}
}

// TestService_Close_CancelsAckCheck: closing an item that nobody could be acknowledged for by
// email, before its acknowledgement check fired, cancels the check, for a complaint (which has
// stage reminders as well) and for a compliment (which has none): no schedule is left pointing
// at a closed case. Found by the soak's AWS path, where the check outlived the case.
func TestService_Close_CancelsAckCheck(t *testing.T) {
	for _, kind := range []feedback.Kind{feedback.KindComplaint, feedback.KindCompliment} {
		t.Run(string(kind), func(t *testing.T) {
			ctx := context.Background()
			f := lifecycleFixture(t)
			sub := complaint()
			sub.Kind, sub.Email, sub.Phone, sub.Channel = string(kind), "", "01632 960001", feedback.ChannelPhone
			c, _, err := f.svc.Intake(ctx, cy, sub)
			if err != nil {
				t.Fatal(err)
			}
			f.process(t, c.Ref)
			if names := fmt.Sprint(scheduleNames(f)); !strings.Contains(names, "ack_check") {
				t.Fatalf("schedules before closing = %s; want the acknowledgement check", names)
			}
			if _, err := f.svc.Close(ctx, cy, c.Ref, "Dealt with by telephone."); err != nil {
				t.Fatal(err)
			}
			f.process(t, c.Ref)
			if names := scheduleNames(f); len(names) != 0 {
				t.Errorf("schedules after closing = %v; want none", names)
			}
			if got := f.fireUntil(t, london("2027-03-01T09:00")); len(got) != 0 {
				t.Errorf("after closing, reminders sent %v", got)
			}
		})
	}
}

func TestService_ListCases(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	for i, area := range []string{"planning", "housing", "planning", "housing"} {
		f.clock.Set(monday.Add(time.Duration(i) * 24 * time.Hour))
		sub := complaint()
		sub.ServiceArea = area
		c, _, err := f.svc.Submit(ctx, sub)
		if err != nil {
			t.Fatal(err)
		}
		f.process(t, c.Ref)
	}
	f.clock.Set(london("2027-01-08T12:00")) // the first is overdue
	tests := []struct {
		name string
		who  feedback.StaffMember
		q    feedback.CaseQuery
		want []string
	}{
		{"admin sees all, soonest due first", ana, feedback.CaseQuery{}, []string{"1", "2", "3", "4"}},
		{"an officer sees their area's", cy, feedback.CaseQuery{}, []string{"1", "3"}},
		{"another area's officer", ed, feedback.CaseQuery{}, []string{"2", "4"}},
		{"a manager of both", bo, feedback.CaseQuery{Limit: 1}, []string{"1", "2", "3", "4"}},
		{"a manager of another area", fay, feedback.CaseQuery{}, nil},
		{"overdue", ana, feedback.CaseQuery{Overdue: true}, []string{"1"}},
		{"by area", ana, feedback.CaseQuery{ServiceArea: "housing"}, []string{"2", "4"}},
		{"an officer asking for another area sees nothing", cy, feedback.CaseQuery{ServiceArea: "housing", Limit: 1}, nil},
		{"closed", ana, feedback.CaseQuery{Status: feedback.StatusClosed}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			q := tt.q
			for pages := 0; pages < 10; pages++ {
				page, err := f.svc.ListCases(ctx, tt.who, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page.Cases {
					got = append(got, strings.TrimLeft(strings.TrimPrefix(c.Ref, "FB-2026-"), "0"))
				}
				if page.Next == "" {
					break
				}
				q.Cursor = page.Next
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("ListCases = %v, want %v", got, tt.want)
			}
		})
	}
	if _, err := f.svc.ListCases(ctx, mo, feedback.CaseQuery{}); feedback.ErrorCode(err) != feedback.EFORBIDDEN {
		t.Errorf("a monitor listing cases: error %v, want %s", err, feedback.EFORBIDDEN)
	}
}

// TestService_RolesActions: nobody sees or changes a case outside their role. The case is a
// planning complaint assigned to cy; "" means allowed.
func TestService_RolesActions(t *testing.T) {
	ctx := context.Background()
	actions := map[string]func(f *fixture, who feedback.StaffMember, ref string) error{
		"view": func(f *fixture, who feedback.StaffMember, ref string) error {
			_, err := f.svc.Case(ctx, who, ref)
			return err
		},
		"assign": func(f *fixture, who feedback.StaffMember, ref string) error {
			_, err := f.svc.Assign(ctx, who, ref, di.Email)
			return err
		},
		"note": func(f *fixture, who feedback.StaffMember, ref string) error {
			_, err := f.svc.AddNote(ctx, who, ref, "n")
			return err
		},
		"extend": func(f *fixture, who feedback.StaffMember, ref string) error {
			_, err := f.svc.Extend(ctx, who, ref, 2, "r")
			return err
		},
		"respond": func(f *fixture, who feedback.StaffMember, ref string) error {
			respondAs(ctx, f, who, ref)
			return lastErr
		},
		"close": func(f *fixture, who feedback.StaffMember, ref string) error {
			_, err := f.svc.Close(ctx, who, ref, "n")
			return err
		},
		"reclass": func(f *fixture, who feedback.StaffMember, ref string) error {
			_, err := f.svc.Reclassify(ctx, who, ref, "comment")
			return err
		},
		"referral": func(f *fixture, who feedback.StaffMember, ref string) error {
			_, err := f.svc.ReferOmbudsman(ctx, who, ref, "lgsco", monday)
			return err
		},
	}
	const nf, fb = feedback.ENOTFOUND, feedback.EFORBIDDEN
	tests := []struct {
		who  feedback.StaffMember
		want map[string]string // action -> code; missing means allowed
	}{
		{ana, nil},
		{bo, nil},
		{cy, map[string]string{"referral": fb}},
		{ed, map[string]string{"view": nf, "assign": nf, "note": nf, "extend": nf, "respond": nf, "close": nf, "reclass": nf, "referral": fb}},
		{fay, map[string]string{"view": nf, "assign": nf, "note": nf, "extend": nf, "respond": nf, "close": nf, "reclass": nf, "referral": nf}},
		{mo, map[string]string{"view": nf, "assign": nf, "note": nf, "extend": nf, "respond": nf, "close": nf, "reclass": nf, "referral": fb}},
		{feedback.StaffMember{}, map[string]string{"view": nf, "assign": nf, "note": nf, "extend": nf, "respond": nf, "close": nf, "reclass": nf, "referral": fb}},
	}
	for _, tt := range tests {
		for name, act := range actions {
			t.Run(string(tt.who.Role)+" "+tt.who.Email+" "+name, func(t *testing.T) {
				f := lifecycleFixture(t)
				c := f.submitted(t)
				before, _ := f.store.Get(ctx, c.Ref)
				err := act(f, tt.who, c.Ref)
				if got := feedback.ErrorCode(err); got != tt.want[name] {
					t.Fatalf("error %v, want code %q", err, tt.want[name])
				}
				if err != nil {
					after, _ := f.store.Get(ctx, c.Ref)
					if after.Version != before.Version {
						t.Errorf("a refused %s changed the case (version %d, was %d)", name, after.Version, before.Version)
					}
					if strings.Contains(feedback.ErrorMessage(err), "Ada") || strings.Contains(feedback.ErrorMessage(err), "planning portal") {
						t.Errorf("the refusal shows the case: %q", feedback.ErrorMessage(err))
					}
				}
			})
		}
	}
}

var lastErr error

func respondAs(ctx context.Context, f *fixture, who feedback.StaffMember, ref string) {
	_, lastErr = f.svc.Respond(ctx, who, ref, feedback.Response{Outcome: feedback.OutcomeUpheld, Summary: "s", SentBy: feedback.SentByPost})
}

// TestService_Escalate_IndependentReviewer holds the Stage 2 reviewer to South Norfolk's rule
// (shared/seeds, Complaints Policy 4.12.3: "reviewed by a different person at the Review Stage
// from the person who carried out the Investigation Stage"), read widely: nobody who was
// assigned the case, extended it, responded, wrote on it or was named on it at Stage 1 may
// review it, and the reviewer is a manager of the case's area or the complaints team.
func TestService_Escalate_IndependentReviewer(t *testing.T) {
	ctx := context.Background()
	type step func(t *testing.T, f *fixture, ref string)
	assign := func(by feedback.StaffMember, to string) step {
		return func(t *testing.T, f *fixture, ref string) {
			if _, err := f.svc.Assign(ctx, by, ref, to); err != nil {
				t.Fatal(err)
			}
		}
	}
	extend := func(by feedback.StaffMember) step {
		return func(t *testing.T, f *fixture, ref string) {
			if _, err := f.svc.Extend(ctx, by, ref, 5, "waiting for the contractor"); err != nil {
				t.Fatal(err)
			}
		}
	}
	note := func(by feedback.StaffMember) step {
		return func(t *testing.T, f *fixture, ref string) {
			if _, err := f.svc.AddNote(ctx, by, ref, "Spoke to the resident."); err != nil {
				t.Fatal(err)
			}
		}
	}
	tests := []struct {
		name      string
		stage1    []step
		responder feedback.StaffMember
		reviewer  feedback.StaffMember
		wantCode  string // "" for accepted
	}{
		{"a manager who held the case and passed it on", []step{assign(cy, di.Email), assign(di, bo.Email)}, bo, di, feedback.ECONFLICT},
		{"a manager who was assigned it and never acted", []step{assign(cy, di.Email), assign(ana, cy.Email)}, cy, di, feedback.ECONFLICT},
		{"a manager who extended it", []step{extend(di)}, cy, di, feedback.ECONFLICT},
		{"a manager who wrote a note on it", []step{note(di)}, cy, di, feedback.ECONFLICT},
		{"the manager who responded", nil, di, di, feedback.ECONFLICT},
		{"an admin who reassigned it", []step{assign(ana, di.Email)}, di, ana, feedback.ECONFLICT},
		{"a manager of another area", nil, cy, fay, feedback.ECONFLICT},
		{"an officer", nil, cy, ed, feedback.ECONFLICT},
		{"a manager of the area, not involved", []step{assign(cy, di.Email)}, di, bo, ""},
		{"the complaints team, not involved", []step{extend(di)}, cy, ana, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			c := f.submitted(t)
			for _, s := range tt.stage1 {
				s(t, f, c.Ref)
			}
			respond(t, f, tt.responder, c.Ref)
			got, err := f.svc.Escalate(ctx, cy, c.Ref, tt.reviewer.Email, "The resident is unhappy.")
			if feedback.ErrorCode(err) != tt.wantCode && !(tt.wantCode == "" && err == nil) {
				t.Fatalf("Escalate with reviewer %s: error %v, want %q", tt.reviewer.Email, err, tt.wantCode)
			}
			if tt.wantCode != "" {
				if now, _ := f.svc.Store.Get(ctx, c.Ref); now.Stage != feedback.Stage1 {
					t.Errorf("a refused escalation moved the case to %s", now.Stage)
				}
				if msg := feedback.ErrorMessage(err); !strings.Contains(msg, tt.reviewer.Email) {
					t.Errorf("the refusal %q does not name the reviewer", msg)
				}
				return
			}
			if got.Stage != feedback.Stage2 || got.AssignedTo != tt.reviewer.Email {
				t.Errorf("escalated to %s, assigned %s; want Stage 2 with %s", got.Stage, got.AssignedTo, tt.reviewer.Email)
			}
		})
	}
}
