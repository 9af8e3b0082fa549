package feedback_test

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

func TestReviewDate(t *testing.T) {
	tests := []struct {
		decided string
		months  int
		want    string
	}{
		{"2026-12-21", 6, "2027-06-21"},
		{"2026-08-31", 6, "2027-02-28"}, // never later than six months: the month's last day
		{"2027-08-31", 6, "2028-02-29"},
		{"2027-03-31", 3, "2027-06-30"},
		{"2027-01-01", 1, "2027-02-01"},
	}
	for _, tt := range tests {
		t.Run(tt.decided, func(t *testing.T) {
			d, _ := time.Parse(time.DateOnly, tt.decided)
			if got := feedback.ReviewDate(d, tt.months).Format(time.DateOnly); got != tt.want {
				t.Errorf("ReviewDate(%s, %d) = %s, want %s", tt.decided, tt.months, got, tt.want)
			}
		})
	}
}

func TestNormalizeContact(t *testing.T) {
	tests := []struct{ in, want, code string }{
		{" Pat@Example.COM ", "pat@example.com", ""},
		{"01632 960 002", "01632960002", ""},
		{"+44 (0)1632-960002", "+4401632960002", ""},
		{"X:@PatP", "x:patp", ""},
		{"mastodon:@pat@social.example", "mastodon:pat@social.example", ""},
		{"", "", feedback.EINVALID},
		{"pat at example", "", feedback.EINVALID},
		{"12", "", feedback.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := feedback.NormalizeContact(tt.in)
			if got != tt.want || feedback.ErrorCode(err) != tt.code {
				t.Errorf("NormalizeContact(%q) = %q, %v; want %q, code %q", tt.in, got, err, tt.want, tt.code)
			}
		})
	}
}

func restrictionFixture(t *testing.T) *fixture {
	t.Helper()
	f := lifecycleFixture(t)
	return f
}

func TestService_Restrict(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		who  feedback.StaffMember
		n    feedback.NewRestriction
		code string
	}{
		{"the complaints team", ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "r"}, ""},
		{"an officer may not", cy, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "r"}, feedback.EFORBIDDEN},
		{"a manager may not", bo, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "r"}, feedback.EFORBIDDEN},
		{"no type", ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Reason: "r"}, feedback.EINVALID},
		{"an unknown type", ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{"banned"}, Reason: "r"}, feedback.EINVALID},
		{"no reason", ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictWitness}}, feedback.EINVALID},
		{"a named officer who is not staff", ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictNamedOfficer}, NamedOfficer: "nobody@example.com", Reason: "r"}, feedback.EINVALID},
		{"decided in the future", ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictWitness}, Reason: "r", DecidedOn: monday.AddDate(0, 0, 2)}, feedback.EINVALID},
		{"a scope that is not references", ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictWitness}, Reason: "r", Scope: []string{"my bins"}}, feedback.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := restrictionFixture(t)
			r, err := f.svc.Restrict(ctx, tt.who, tt.n)
			if feedback.ErrorCode(err) != tt.code {
				t.Fatalf("Restrict = %v; want code %q", err, tt.code)
			}
			if tt.code != "" {
				return
			}
			if r.ReviewBy.Format(time.DateOnly) != "2027-06-21" || r.DecidedBy != ana.Email || r.ID != "RS-2026-0001" {
				t.Errorf("restriction = id %s, review_by %s, decided by %s", r.ID, r.ReviewBy, r.DecidedBy)
			}
		})
	}
}

// TestService_Restrict_Screening: what a restriction does to new messages at intake, at a fixed
// instant: routed, flagged, acknowledged or not (on a topic, only about it); nothing refused.
func TestService_Restrict_Screening(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		n          feedback.NewRestriction
		from       string
		message    string
		wantOwner  string
		wantFlag   bool
		wantAckSet bool
	}{
		{"named officer and no acknowledgement", feedback.NewRestriction{Contacts: []string{"pat@example.com"},
			Types: []feedback.RestrictionType{feedback.RestrictNamedOfficer, feedback.RestrictNoAck}, NamedOfficer: di.Email, Reason: "r"},
			"PAT@example.com", "The portal again.", di.Email, true, false},
		{"no acknowledgement on another topic", feedback.NewRestriction{Contacts: []string{"pat@example.com"},
			Types: []feedback.RestrictionType{feedback.RestrictNoAck}, Topic: "parking permit", Reason: "r"},
			"pat@example.com", "The planning portal lost my objection.", cy.Email, true, true},
		{"no acknowledgement on its topic", feedback.NewRestriction{Contacts: []string{"pat@example.com"},
			Types: []feedback.RestrictionType{feedback.RestrictNoAck}, Topic: "planning portal", Reason: "r"},
			"pat@example.com", "The Planning Portal lost my objection.", cy.Email, true, false},
		{"written only changes nothing at intake but the flag", feedback.NewRestriction{Contacts: []string{"pat@example.com"},
			Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "r"},
			"pat@example.com", "The portal.", cy.Email, true, true},
		{"scoped to listed cases: a new case is not covered", feedback.NewRestriction{Contacts: []string{"pat@example.com"},
			Types: []feedback.RestrictionType{feedback.RestrictNoAck}, Reason: "r", Scope: []string{"FB-2026-000099"}},
			"pat@example.com", "The portal.", cy.Email, false, true},
		{"someone else", feedback.NewRestriction{Contacts: []string{"pat@example.com"},
			Types: []feedback.RestrictionType{feedback.RestrictNamedOfficer, feedback.RestrictNoAck}, NamedOfficer: di.Email, Reason: "r"},
			"sam@example.com", "The portal.", cy.Email, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := restrictionFixture(t)
			r, err := f.svc.Restrict(ctx, ana, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			sub := complaint()
			sub.Email, sub.Message = tt.from, tt.message
			c, _, err := f.svc.Submit(ctx, sub)
			if err != nil {
				t.Fatalf("Submit from a restricted person = %v; nothing is refused at the door", err)
			}
			f.process(t, c.Ref)
			c, _ = f.svc.Store.Get(ctx, c.Ref)
			flagged := false
			for _, fl := range c.Flags {
				flagged = flagged || fl.Code == feedback.FlagRestricted && strings.Contains(fl.Note, r.ID)
			}
			acked := c.Effects[feedback.EffectAcknowledgement].State == feedback.EffectDone
			if c.AssignedTo != tt.wantOwner || flagged != tt.wantFlag || acked != tt.wantAckSet {
				t.Errorf("case: assigned to %s, flagged %t, acknowledged %t (%+v); want %s, %t, %t",
					c.AssignedTo, flagged, acked, c.Effects[feedback.EffectAcknowledgement], tt.wantOwner, tt.wantFlag, tt.wantAckSet)
			}
		})
	}
}

func TestService_ReviewRestriction(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		who      feedback.StaffMember
		decision string
		types    []feedback.RestrictionType
		code     string
		status   feedback.RestrictionStatus
		reviewBy string
	}{
		{"continue", ana, "continue", nil, "", feedback.RestrictionActive, "2027-09-01"},
		{"vary", ana, "vary", []feedback.RestrictionType{feedback.RestrictWitness}, "", feedback.RestrictionActive, "2027-09-01"},
		{"vary with nothing", ana, "vary", nil, feedback.EINVALID, "", ""},
		{"lift", ana, "lift", nil, "", feedback.RestrictionLifted, "2027-06-21"},
		{"an unknown decision", ana, "pause", nil, feedback.EINVALID, "", ""},
		{"an officer may not", cy, "lift", nil, feedback.EFORBIDDEN, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := restrictionFixture(t)
			r, err := f.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"},
				Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "r"})
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Set(london("2027-03-01T10:00"))
			got, err := f.svc.ReviewRestriction(ctx, tt.who, r.ID, tt.decision, "Reviewed.", tt.types)
			if feedback.ErrorCode(err) != tt.code {
				t.Fatalf("ReviewRestriction = %v; want code %q", err, tt.code)
			}
			if tt.code != "" {
				return
			}
			if got.Status != tt.status || got.ReviewBy.Format(time.DateOnly) != tt.reviewBy || len(got.History) != 2 || len(got.Letters) != 2 {
				t.Errorf("after %s: status %s, review_by %s, %d history, %d letters", tt.decision, got.Status, got.ReviewBy.Format(time.DateOnly), len(got.History), len(got.Letters))
			}
			if tt.status == feedback.RestrictionLifted {
				if got.ExpiresAt.Format(time.DateOnly) != "2030-03-01" {
					t.Errorf("lifted restriction expires %s; want three years after it ended", got.ExpiresAt)
				}
				if _, err := f.svc.ReviewRestriction(ctx, ana, r.ID, "continue", "again", nil); feedback.ErrorCode(err) != feedback.ECONFLICT {
					t.Errorf("reviewing a lifted restriction = %v; want %s", err, feedback.ECONFLICT)
				}
			}
			// Its letters go once, however often the effects are processed.
			for i := 0; i < 2; i++ {
				if err := f.svc.ProcessRestriction(ctx, r.ID); err != nil {
					t.Fatal(err)
				}
			}
			msgs, _ := f.outbox.List()
			n := 0
			for _, m := range msgs {
				if strings.Contains(m.Subject, r.ID) && m.To[0] == "pat@example.com" {
					n++
				}
			}
			if n != 2 {
				t.Errorf("%d letters to the person, want 2 (made, %s)", n, tt.decision)
			}
		})
	}
}

// TestService_ScreenFollowUps holds follow-ups, by email and on social media, to the register:
// a restriction on the sender made after their case was opened, on all contact or listing that
// case, flags the case, and the notice of the follow-up goes to its named officer as well as the
// case's own; one listing other cases, or on someone else, changes nothing.
func TestService_ScreenFollowUps(t *testing.T) {
	ctx := context.Background()
	named := func(officer string, scope ...string) feedback.NewRestriction {
		return feedback.NewRestriction{Types: []feedback.RestrictionType{feedback.RestrictNamedOfficer},
			NamedOfficer: officer, Reason: "r", Scope: scope}
	}
	tests := []struct {
		name     string
		n        feedback.NewRestriction
		contact  string // the restricted identity; the sender's unless the test says otherwise
		thisCase bool   // the restriction lists the follow-up's case (beside n.Scope)
		wantFlag bool
		wantTo   []string
	}{
		{"all contact, written only", feedback.NewRestriction{Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "r"},
			"", false, true, []string{cy.Email}},
		{"all contact, through another named officer", named(di.Email), "", false, true, []string{cy.Email, di.Email}},
		{"listing this case", named(di.Email), "", true, true, []string{cy.Email, di.Email}},
		{"listing only other cases", named(di.Email, "FB-2026-000099"), "", false, false, []string{cy.Email}},
		{"named officer already the case's", named(cy.Email), "", false, true, []string{cy.Email}},
		{"on someone else", named(di.Email), "sam@example.com", false, false, []string{cy.Email}},
	}
	channels := []struct {
		name   string
		sender string // the sender's identity as the register holds it
		open   func(t *testing.T, f *fixture) string
		follow func(t *testing.T, f *fixture, ref string)
	}{
		{"email", "ada@example.com",
			func(t *testing.T, f *fixture) string { return f.submitted(t).Ref },
			func(t *testing.T, f *fixture, ref string) {
				m := &feedback.InboundEmail{From: feedback.Address{Email: "ada@example.com"},
					To: []feedback.Address{{Email: "feedback@intake.example.gov.uk"}}, Subject: "Re: my complaint [" + ref + "]",
					MessageID: "follow-1@example.com", Text: "Still nothing.", NewText: "Still nothing."}
				out, err := f.svc.ReceiveEmail(ctx, m, "inbound/follow-1.eml")
				if err != nil || out.Outcome != feedback.EmailThreaded || out.Reference != ref {
					t.Fatalf("follow-up email: %+v, %v; want it threaded onto %s", out, err, ref)
				}
			}},
		{"social", "x:ada_resident",
			func(t *testing.T, f *fixture) string {
				res, err := f.svc.ReceiveSocial(ctx, mo, post())
				if err != nil {
					t.Fatal(err)
				}
				f.process(t, res.Reference)
				return res.Reference
			},
			func(t *testing.T, f *fixture, ref string) {
				p := post()
				p.URL, p.PostID, p.InReplyTo, p.Text = "", "1860000000000000009", "1860000000000000001", "Still nothing."
				res, err := f.svc.ReceiveSocial(ctx, mo, p)
				if err != nil || res.Outcome != feedback.SocialThreaded || res.Reference != ref {
					t.Fatalf("follow-up post: %+v, %v; want it threaded onto %s", res, err, ref)
				}
			}},
	}
	for _, ch := range channels {
		for _, tt := range tests {
			t.Run(ch.name+"/"+tt.name, func(t *testing.T) {
				f := restrictionFixture(t)
				ref := ch.open(t, f)
				n := tt.n
				n.Contacts = []string{cmp.Or(tt.contact, ch.sender)}
				if tt.thisCase {
					n.Scope = append(n.Scope, ref)
				}
				r, err := f.svc.Restrict(ctx, ana, n)
				if err != nil {
					t.Fatal(err)
				}
				ch.follow(t, f, ref)
				before, _ := f.outbox.List()
				f.process(t, ref)
				after, _ := f.outbox.List()
				var to []string
				for _, m := range after[len(before):] {
					if strings.HasPrefix(m.Subject, "New message on "+ref) {
						to = m.To
					}
				}
				if !slices.Equal(to, tt.wantTo) {
					t.Errorf("the notice of the follow-up went to %v; want %v", to, tt.wantTo)
				}
				c, _ := f.store.Get(ctx, ref)
				flagged := false
				for _, fl := range c.Flags {
					flagged = flagged || fl.Code == feedback.FlagRestricted && strings.Contains(fl.Note, r.ID)
				}
				if flagged != tt.wantFlag || c.AssignedTo != cy.Email {
					t.Errorf("case flagged %t, assigned to %s (flags %+v); want flagged %t, still %s's", flagged, c.AssignedTo, c.Flags, tt.wantFlag, cy.Email)
				}
			})
		}
	}
}
