package feedback_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/boltstore"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/embedded"
	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/localsched"
	"github.com/council/intake/internal/outbox"
	"github.com/council/intake/internal/workdays"
)

// monday is 10:00 on Monday 21 December 2026, four days before Christmas.
var monday = time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)

type fixture struct {
	svc    *feedback.Service
	clock  *clock.Fixed
	outbox *outbox.Outbox
	sched  *localsched.Scheduler
	store  *boltstore.Store
}

func newFixture(t testing.TB, at time.Time) *fixture {
	t.Helper()
	clk := clock.NewFixed(at)
	loc, _ := workdays.London()
	stack, err := embedded.Open(t.TempDir(), feedback.Service{
		Clock: clk, Calendar: workdays.New(loc), Policy: embeddedtest.DefaultPolicy(t),
		Council: feedback.Council{Name: "Example District Council", Phone: "01632 960000",
			From: "Example District Council <feedback@intake.example.gov.uk>", ReplyDomain: "intake.example.gov.uk"},
		Routing: feedback.Routing{Areas: map[string]string{"planning": "planning@example.gov.uk"}, Triage: "triage@example.gov.uk"},
		Log:     slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stack.Close() })
	return &fixture{svc: stack.Service, clock: clk, outbox: stack.Outbox, sched: stack.Scheduler, store: stack.Store}
}

func complaint() feedback.Submission {
	return feedback.Submission{Kind: "complaint", Name: "Ada Resident", Email: "Ada@Example.com",
		ServiceArea: "planning", Message: "The planning portal lost my objection.", Channel: feedback.ChannelWeb}
}

func TestSubmission_Validate(t *testing.T) {
	areas := []string{"planning", "waste"}
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name   string
		edit   func(*feedback.Submission)
		fields []string // the fields named in the error, in order; nil means valid
	}{
		{"valid complaint", func(*feedback.Submission) {}, nil},
		{"missing message", func(s *feedback.Submission) { s.Message = "  \n " }, []string{"message"}},
		{"message too long", func(s *feedback.Submission) { s.Message = long(feedback.MaxMessageChars + 1) }, []string{"message"}},
		{"message at the limit", func(s *feedback.Submission) { s.Message = long(feedback.MaxMessageChars) }, nil},
		{"missing kind", func(s *feedback.Submission) { s.Kind = "" }, []string{"kind"}},
		{"unknown kind", func(s *feedback.Submission) { s.Kind = "grievance" }, []string{"kind"}},
		{"kind in capitals", func(s *feedback.Submission) { s.Kind = " Complaint " }, nil},
		{"malformed email", func(s *feedback.Submission) { s.Email = "ada@" }, []string{"email"}},
		{"email with a display name", func(s *feedback.Submission) { s.Email = "Ada <ada@example.com>" }, []string{"email"}},
		{"email without a dot in the domain", func(s *feedback.Submission) { s.Email = "ada@localhost" }, []string{"email"}},
		{"email too long", func(s *feedback.Submission) { s.Email = long(250) + "@example.com" }, []string{"email"}},
		{"email with a right-to-left override", func(s *feedback.Submission) { s.Email = "\u202eada@example.com" }, []string{"email"}},
		{"email with a NUL", func(s *feedback.Submission) { s.Email = "ada\x00@example.com" }, []string{"email"}},
		{"email with a zero-width space", func(s *feedback.Submission) { s.Email = "ada\u200b@example.com" }, []string{"email"}},
		{"message of zero-width spaces", func(s *feedback.Submission) { s.Message = "\u200b\u200b\u200b" }, []string{"message"}},
		{"accented mailbox SES cannot send to", func(s *feedback.Submission) { s.Email = "josé@example.com" }, []string{"email"}},
		{"international domain, sent as punycode", func(s *feedback.Submission) { s.Email = "ada@bücher.example" }, nil},
		{"name carrying a web address", func(s *feedback.Submission) { s.Name = "Visit www.example.net now" }, []string{"name"}},
		{"name carrying a link", func(s *feedback.Submission) { s.Name = "https://example.net/win" }, []string{"name"}},
		{"name with an apostrophe and accents", func(s *feedback.Submission) { s.Name = "Siân O’Brien-Ćwik" }, nil},
		{"complaint with no way to reply", func(s *feedback.Submission) { s.Email = "" }, []string{"email"}},
		{"complaint with a phone only", func(s *feedback.Submission) { s.Email = ""; s.Phone = "01632 960001" }, nil},
		{"anonymous compliment", func(s *feedback.Submission) { s.Kind = "compliment"; s.Email = ""; s.Name = "" }, nil},
		{"service request needs a reply", func(s *feedback.Submission) { s.Kind = "service_request"; s.Email = "" }, []string{"email"}},
		{"bad phone", func(s *feedback.Submission) { s.Phone = "call me" }, []string{"phone"}},
		{"short phone", func(s *feedback.Submission) { s.Phone = "123" }, []string{"phone"}},
		{"international phone", func(s *feedback.Submission) { s.Phone = "+44 (0)7700 900982" }, nil},
		{"unknown service area", func(s *feedback.Submission) { s.ServiceArea = "moon" }, []string{"service_area"}},
		{"no service area", func(s *feedback.Submission) { s.ServiceArea = "" }, nil},
		{"subject too long", func(s *feedback.Submission) { s.Subject = long(feedback.MaxSubjectChars + 1) }, []string{"subject"}},
		{"name too long", func(s *feedback.Submission) { s.Name = long(feedback.MaxNameChars + 1) }, []string{"name"}},
		{"idempotency key too long", func(s *feedback.Submission) { s.IdempotencyKey = long(feedback.MaxKeyChars + 1) }, []string{"idempotency_key"}},
		{"everything wrong at once", func(s *feedback.Submission) { s.Kind = "x"; s.Message = ""; s.Email = "nope" }, []string{"kind", "message", "email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := complaint()
			tt.edit(&s)
			err := s.Normalize().Validate(areas)
			var got []string
			for _, f := range feedback.ErrorFields(err) {
				got = append(got, f.Field)
				if f.Message == "" {
					t.Errorf("field %s has no message", f.Field)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.fields) {
				t.Fatalf("fields in error = %v, want %v (err: %v)", got, tt.fields, err)
			}
			if tt.fields != nil && feedback.ErrorCode(err) != feedback.EINVALID {
				t.Errorf("code = %s, want %s", feedback.ErrorCode(err), feedback.EINVALID)
			}
		})
	}
}

func TestSubmission_Normalize_InternationalDomain(t *testing.T) {
	s := feedback.Submission{Email: "Ada@Bücher.Example"}.Normalize()
	if s.Email != "ada@xn--bcher-kva.example" {
		t.Errorf("Email = %q; want the domain in punycode, which is how mail reaches it", s.Email)
	}
}

func TestSubmission_Normalize(t *testing.T) {
	s := feedback.Submission{Kind: " COMPLAINT", Name: "Ada\r\nBcc: x@example.com", Email: " ADA@EXAMPLE.COM ",
		Subject: "Bins\x00\x07", Message: "line one\r\nline two\x1b[31m\n"}.Normalize()
	want := feedback.Submission{Kind: "complaint", Name: "Ada Bcc: x@example.com", Email: "ada@example.com",
		Subject: "Bins", Message: "line one\nline two[31m"}
	if s != want {
		t.Errorf("Normalize =\n%+v\nwant\n%+v", s, want)
	}
}

func TestService_Submit(t *testing.T) {
	tests := []struct {
		name          string
		at            time.Time
		sub           func() feedback.Submission
		wantRef       string
		wantRespondBy string
		wantAckBy     string
		wantOwner     string
	}{
		{"complaint before Christmas", monday, complaint, "FB-2026-000001", "2027-01-07", "2026-12-22", "planning@example.gov.uk"},
		{"complaint on Christmas Eve", time.Date(2026, 12, 24, 15, 0, 0, 0, time.UTC), complaint, "FB-2026-000001", "2027-01-12", "2026-12-29", "planning@example.gov.uk"},
		{"complaint on New Year's Day starts 2027's numbers", time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC), complaint, "FB-2027-000001", "2027-01-15", "2027-01-04", "planning@example.gov.uk"},
		{"compliment has no response date and goes to triage", monday, func() feedback.Submission {
			s := complaint()
			s.Kind, s.ServiceArea = "compliment", ""
			return s
		}, "FB-2026-000001", "", "2026-12-22", "triage@example.gov.uk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.at)
			c, created, err := f.svc.Submit(context.Background(), tt.sub())
			if err != nil || !created {
				t.Fatalf("Submit = %v, %v", created, err)
			}
			respondBy := ""
			if !c.RespondBy.IsZero() {
				respondBy = c.RespondBy.Format("2006-01-02")
			}
			if c.Ref != tt.wantRef || respondBy != tt.wantRespondBy || c.AcknowledgeBy.Format("2006-01-02") != tt.wantAckBy || c.AssignedTo != tt.wantOwner {
				t.Errorf("case = ref %s, respond by %q, acknowledge by %s, owner %s; want %s, %q, %s, %s",
					c.Ref, respondBy, c.AcknowledgeBy.Format("2006-01-02"), c.AssignedTo, tt.wantRef, tt.wantRespondBy, tt.wantAckBy, tt.wantOwner)
			}
			if c.Contact.Email != "ada@example.com" {
				t.Errorf("email stored as %q, want it folded to lower case", c.Contact.Email)
			}
		})
	}
}

func TestService_Submit_Invalid_StoresNothing(t *testing.T) {
	f := newFixture(t, monday)
	s := complaint()
	s.Message = ""
	if _, _, err := f.svc.Submit(context.Background(), s); feedback.ErrorCode(err) != feedback.EINVALID {
		t.Fatalf("Submit error = %v, want %s", err, feedback.EINVALID)
	}
	c, _, err := f.svc.Submit(context.Background(), complaint())
	if err != nil || c.Ref != "FB-2026-000001" {
		t.Errorf("the first valid case got %v (%v); an invalid submission must not use up a reference", c, err)
	}
}

func TestService_Submit_Idempotent(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	s := complaint()
	s.IdempotencyKey = "web:abc"
	first, created, err := f.svc.Submit(ctx, s)
	if err != nil || !created {
		t.Fatal(err)
	}
	again, created, err := f.svc.Submit(ctx, s)
	if err != nil || created || again.Ref != first.Ref {
		t.Errorf("repeat = %v, created %v, %v; want %s and created false", again, created, err, first.Ref)
	}
	other := s
	other.Message = "Something else entirely"
	if _, _, err := f.svc.Submit(ctx, other); feedback.ErrorCode(err) != feedback.ECONFLICT {
		t.Errorf("a different submission with the same key: %v, want %s", err, feedback.ECONFLICT)
	}
}

func TestService_Submit_ConcurrentReferences(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	const n = 40
	refs := make(chan string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := complaint()
			if i%2 == 0 {
				// Half the submissions are sent twice at once, as a double click would.
				s.IdempotencyKey = fmt.Sprintf("web:%d", i)
			}
			c, _, err := f.svc.Submit(ctx, s)
			if err != nil {
				t.Errorf("Submit: %v", err)
				return
			}
			refs <- c.Ref
			if s.IdempotencyKey != "" {
				again, _, err := f.svc.Submit(ctx, s)
				if err != nil || again.Ref != c.Ref {
					t.Errorf("repeat of %s gave %v, %v", c.Ref, again, err)
				}
			}
		}(i)
	}
	wg.Wait()
	close(refs)
	seen := map[string]bool{}
	for r := range refs {
		if seen[r] {
			t.Fatalf("reference %s given twice", r)
		}
		seen[r] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct references for %d submissions", len(seen), n)
	}
	for i := 1; i <= n; i++ {
		if !seen[fmt.Sprintf("FB-2026-%06d", i)] {
			t.Errorf("FB-2026-%06d missing: references must be sequential", i)
		}
	}
}

func TestService_Process(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	s := complaint()
	s.Message = `<script>alert("x")</script> & "quotes"`
	c, _, err := f.svc.Submit(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // a redelivered trigger must send nothing twice
		if err := f.svc.Process(ctx, c.Ref); err != nil {
			t.Fatalf("Process (time %d): %v", i+1, err)
		}
	}
	sent, _ := f.outbox.List()
	if len(sent) != 2 {
		t.Fatalf("sent %d emails, want 2 (acknowledgement and assignment)", len(sent))
	}
	ack, assign := sent[0], sent[1]
	checks := []struct {
		name string
		ok   bool
	}{
		{"ack to the resident", ack.To[0] == "ada@example.com"},
		{"ack subject has the reference", strings.Contains(ack.Subject, c.Ref)},
		{"ack is auto-replied", ack.Headers["Auto-Submitted"] == "auto-replied"},
		{"ack suppresses auto-responses", ack.Headers["X-Auto-Response-Suppress"] == "All"},
		{"ack Reply-To finds the case", ack.ReplyTo == "reply+fb-2026-000001@intake.example.gov.uk"},
		{"ack gives the date", strings.Contains(ack.Text, "Thursday 7 January 2027") && strings.Contains(ack.HTML, "Thursday 7 January 2027")},
		{"ack gives the council's phone", strings.Contains(ack.Text, "01632 960000")},
		{"ack gives the Ombudsman", strings.Contains(ack.Text, "Ombudsman")},
		{"assignment to the officer", assign.To[0] == "planning@example.gov.uk"},
		{"assignment names the reference", strings.Contains(assign.Subject, c.Ref)},
		{"assignment is auto-generated", assign.Headers["Auto-Submitted"] == "auto-generated"},
		{"assignment carries the resident's words", strings.Contains(assign.Text, `<script>alert("x")</script>`)},
		{"assignment HTML escapes them", strings.Contains(assign.HTML, "&lt;script&gt;") && !strings.Contains(assign.HTML, "<script>")},
		{"assignment gives the due date", strings.Contains(assign.Text, "Thursday 7 January 2027")},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: failed", ch.name)
		}
	}
	var names []string
	for _, r := range f.sched.List() {
		names = append(names, r.Name+"@"+r.At.Format(time.RFC3339))
	}
	want := []string{
		"FB-2026-000001-stage1-warning-20270107@2027-01-05T09:00:00Z",
		"FB-2026-000001-stage1-due-20270107@2027-01-07T09:00:00Z",
		"FB-2026-000001-stage1-overdue-20270107@2027-01-08T09:00:00Z",
	}
	if fmt.Sprint(names) != fmt.Sprint(want) {
		t.Errorf("reminders = %v\nwant %v", names, want)
	}
	if pending, _ := f.store.ListPending(ctx); len(pending) != 0 {
		t.Errorf("%d cases still pending after Process", len(pending))
	}
}

func TestService_Process_NoEmailNoAck(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	s := complaint()
	s.Email, s.Phone = "", "01632 960001"
	c, _, _ := f.svc.Submit(ctx, s)
	if err := f.svc.Process(ctx, c.Ref); err != nil {
		t.Fatal(err)
	}
	sent, _ := f.outbox.List()
	if len(sent) != 1 || sent[0].To[0] != "planning@example.gov.uk" {
		t.Fatalf("sent %v; want only the assignment", sent)
	}
	if !strings.Contains(sent[0].Text, "no email address") {
		t.Error("the officer is not told that no acknowledgement could be sent")
	}
}

// failingMailer fails every send, as SES does when it is throttled or down.
type failingMailer struct{}

func (failingMailer) Send(context.Context, feedback.Message) (string, error) {
	return "", errors.New("mail service unavailable")
}

func TestService_ProcessPending_AfterFailure(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, monday)
	real := f.svc.Mailer
	f.svc.Mailer = failingMailer{}
	c, _, err := f.svc.Submit(ctx, complaint())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Process(ctx, c.Ref); err == nil {
		t.Fatal("Process reported success although mail failed")
	}
	if pending, _ := f.store.ListPending(ctx); len(pending) != 1 {
		t.Fatalf("the case is not left pending after a failure: %d pending", len(pending))
	}
	f.svc.Mailer = real
	if err := f.svc.ProcessPending(ctx); err != nil {
		t.Fatal(err)
	}
	if sent, _ := f.outbox.List(); len(sent) != 2 {
		t.Errorf("after recovery %d emails sent, want 2", len(sent))
	}
}

func TestService_Remind(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		edit     func(*feedback.Case) error
		purpose  feedback.Purpose
		wantSent bool
		wantText string
	}{
		{"warning on an open case", nil, feedback.PurposeWarning, true, "is due on Thursday 7 January 2027"},
		{"overdue on an open case", nil, feedback.PurposeOverdue, true, "now overdue"},
		{"closed case", func(c *feedback.Case) error { c.Status = feedback.StatusClosed; return nil }, feedback.PurposeDue, false, ""},
		{"case moved to Stage 2", func(c *feedback.Case) error { c.Stage = feedback.Stage2; return nil }, feedback.PurposeDue, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, monday)
			c, _, _ := f.svc.Submit(ctx, complaint())
			if tt.edit != nil {
				if _, err := f.store.Update(ctx, c.Ref, tt.edit); err != nil {
					t.Fatal(err)
				}
			}
			r := feedback.Reminder{Name: feedback.ReminderName(c.Ref, feedback.Stage1, tt.purpose), Ref: c.Ref, Stage: feedback.Stage1, Purpose: tt.purpose}
			sent, err := f.svc.Remind(ctx, r)
			if err != nil || sent != tt.wantSent {
				t.Fatalf("Remind = %v, %v; want %v", sent, err, tt.wantSent)
			}
			out, _ := f.outbox.List()
			if tt.wantSent && (len(out) != 1 || out[0].To[0] != "planning@example.gov.uk" || !strings.Contains(out[0].Text, tt.wantText)) {
				t.Errorf("reminder email = %+v; want one to the officer saying %q", out, tt.wantText)
			}
			if !tt.wantSent && len(out) != 0 {
				t.Errorf("a reminder that no longer applies sent %d emails", len(out))
			}
		})
	}
	t.Run("case gone", func(t *testing.T) {
		f := newFixture(t, monday)
		sent, err := f.svc.Remind(ctx, feedback.Reminder{Ref: "FB-2026-000404", Purpose: feedback.PurposeDue})
		if err != nil || sent {
			t.Errorf("Remind for a missing case = %v, %v; want nothing sent and no error", sent, err)
		}
	})
}

func TestPolicy_Reference(t *testing.T) {
	tests := []struct {
		format string
		year   int
		seq    int64
		want   string
	}{
		{"FB-{year}-{seq:6}", 2026, 123, "FB-2026-000123"},
		{"FB-{year}-{seq:6}", 2026, 1234567, "FB-2026-1234567"},
		{"SNC/{year}/{seq}", 2027, 5, "SNC/2027/5"},
	}
	for _, tt := range tests {
		p := embeddedtest.DefaultPolicy(t)
		p.ReferenceFormat = tt.format
		if got := p.Reference(tt.year, tt.seq); got != tt.want {
			t.Errorf("Reference(%q, %d, %d) = %s, want %s", tt.format, tt.year, tt.seq, got, tt.want)
		}
	}
}

func TestPolicy_RetentionEnd(t *testing.T) {
	closed := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	p := embeddedtest.DefaultPolicy(t)
	tests := []struct {
		name      string
		kind      feedback.Kind
		ombudsman bool
		want      int
	}{
		{"Stage 1 or 2 complaint: 2 years", feedback.KindComplaint, false, 2029},
		{"complaint that went to the Ombudsman: 6 years", feedback.KindComplaint, true, 2033},
		{"compliment: 1 year", feedback.KindCompliment, false, 2028},
		{"service request: 1 year", feedback.KindServiceRequest, false, 2028},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := p.RetentionEnd(&feedback.Case{Kind: tt.kind}, closed, tt.ombudsman)
			if got.Year() != tt.want || got.Month() != 3 || got.Day() != 1 {
				t.Errorf("RetentionEnd = %s, want 1 March %d", got.Format("2006-01-02"), tt.want)
			}
		})
	}
}

func TestParseDirectory(t *testing.T) {
	d, err := feedback.ParseDirectory("Ana@Council.gov.uk=admin, bo@council.gov.uk=manager:planning|Housing,cy@council.gov.uk=officer:planning,di@council.gov.uk=monitor")
	if err != nil {
		t.Fatal(err)
	}
	bo, ok := d.Lookup("BO@council.gov.uk")
	if !ok || bo.Role != feedback.RoleManager || fmt.Sprint(bo.Areas) != "[planning housing]" {
		t.Errorf("bo = %+v, %v", bo, ok)
	}
	if _, ok := d.Lookup("ana@council.gov.uk"); !ok {
		t.Error("addresses are not matched whatever their case")
	}
	for _, bad := range []string{"nobody", "x@council.gov.uk=chief", "not an address=admin"} {
		if _, err := feedback.ParseDirectory(bad); err == nil {
			t.Errorf("ParseDirectory(%q) accepted it", bad)
		}
	}
}

func TestStaffMember_CanSee(t *testing.T) {
	planning := &feedback.Case{ServiceArea: "planning", AssignedTo: "planning@council.gov.uk"}
	mine := &feedback.Case{ServiceArea: "waste", AssignedTo: "cy@council.gov.uk"}
	tests := []struct {
		who  feedback.StaffMember
		c    *feedback.Case
		want bool
	}{
		{feedback.StaffMember{Email: "ana@council.gov.uk", Role: feedback.RoleAdmin}, planning, true},
		{feedback.StaffMember{Email: "bo@council.gov.uk", Role: feedback.RoleManager, Areas: []string{"planning"}}, planning, true},
		{feedback.StaffMember{Email: "bo@council.gov.uk", Role: feedback.RoleManager, Areas: []string{"planning"}}, mine, false},
		{feedback.StaffMember{Email: "cy@council.gov.uk", Role: feedback.RoleOfficer, Areas: []string{"planning"}}, planning, true},
		{feedback.StaffMember{Email: "cy@council.gov.uk", Role: feedback.RoleOfficer}, mine, true},
		{feedback.StaffMember{Email: "dee@council.gov.uk", Role: feedback.RoleOfficer, Areas: []string{"housing"}}, planning, false},
		{feedback.StaffMember{Email: "di@council.gov.uk", Role: feedback.RoleMonitor}, planning, false},
	}
	for _, tt := range tests {
		if got := tt.who.CanSee(tt.c); got != tt.want {
			t.Errorf("%s (%s) CanSee(%s case) = %v, want %v", tt.who.Email, tt.who.Role, tt.c.ServiceArea, got, tt.want)
		}
	}
}

func TestPolicy_FindReference(t *testing.T) {
	p := embeddedtest.DefaultPolicy(t)
	tests := []struct{ text, want string }{
		{"Re: my bins [FB-2026-000123]", "FB-2026-000123"},
		{"fb-2026-000123", "FB-2026-000123"},
		{"reply about fb-2026-1234567 please", "FB-2026-1234567"},
		{"XFB-2026-000123", ""},
		{"FB-2026-123", ""},
		{"no reference here", ""},
	}
	for _, tt := range tests {
		if got := p.FindReference(tt.text); got != tt.want {
			t.Errorf("FindReference(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}
