package feedback_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/council/intake/internal/feedback"
)

// post is a public post on X about planning, with no contact details.
func post() feedback.SocialPost {
	return feedback.SocialPost{
		Platform: "x", URL: "https://x.com/Ada_Resident/status/1860000000000000001",
		Author: feedback.SocialAuthor{Handle: "@Ada_Resident", Name: "Ada Resident", ProfileURL: "https://x.com/Ada_Resident"},
		Text:   "Third time the planning portal has lost my objection. Not good enough.", PostedAt: "2026-12-21T09:30:00Z",
		Public: true, ServiceArea: "planning",
	}
}

func TestPostIDFromURL(t *testing.T) {
	tests := []struct {
		platform feedback.Platform
		url      string
		want     string
	}{
		{"x", "https://x.com/ada/status/1860000000000000001", "1860000000000000001"},
		{"x", "https://twitter.com/ada/status/1860000000000000001?s=20", "1860000000000000001"},
		{"x", "https://x.com/ada", ""},
		{"x", "http://x.com/ada/status/1", ""},
		{"facebook", "https://www.facebook.com/examplecouncil/posts/pfbid02abcXYZ", "pfbid02abcXYZ"},
		{"facebook", "https://www.facebook.com/permalink.php?story_fbid=12345&id=678", "12345"},
		{"facebook", "https://m.facebook.com/story.php?id=678&story_fbid=999", "999"},
		{"instagram", "https://www.instagram.com/p/C0abc-_12/", "C0abc-_12"},
		{"instagram", "https://www.instagram.com/reel/C0reel1/?igsh=x", "C0reel1"},
		{"tiktok", "https://www.tiktok.com/@ada.resident/video/7300000000000000001", "7300000000000000001"},
		{"youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "dQw4w9WgXcQ"},
		{"youtube", "https://youtu.be/dQw4w9WgXcQ", "dQw4w9WgXcQ"},
		{"youtube", "https://www.youtube.com/shorts/abcdEFGH123", "abcdEFGH123"},
		{"youtube", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&lc=UgzCOMMENT123", "UgzCOMMENT123"},
		{"linkedin", "https://www.linkedin.com/feed/update/urn:li:activity:7100000000000000001/", "7100000000000000001"},
		{"linkedin", "https://www.linkedin.com/posts/ada-resident_planning-activity-7100000000000000002-AbCd", "7100000000000000002"},
		{"nextdoor", "https://nextdoor.co.uk/p/abc123", ""},
		{"other", "https://example.com/post/1", ""},
		{"myspace", "https://myspace.com/1", ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.platform)+" "+tt.url, func(t *testing.T) {
			if got := feedback.PostIDFromURL(tt.platform, tt.url); got != tt.want {
				t.Errorf("PostIDFromURL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestService_ReceiveSocial_Validation(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*feedback.SocialPost)
		fields []string
	}{
		{"valid", func(*feedback.SocialPost) {}, nil},
		{"unknown platform", func(p *feedback.SocialPost) { p.Platform = "myspace" }, []string{"platform", "post_id"}},
		{"no platform", func(p *feedback.SocialPost) { p.Platform = "" }, []string{"platform", "post_id"}},
		{"no post id and a link without one", func(p *feedback.SocialPost) { p.URL = "https://x.com/ada" }, []string{"post_id"}},
		{"post id given without a link", func(p *feedback.SocialPost) { p.URL, p.PostID = "", "186" }, nil},
		{"post id with spaces", func(p *feedback.SocialPost) { p.PostID = "1 2" }, []string{"post_id"}},
		{"no text", func(p *feedback.SocialPost) { p.Text = " \u200b " }, []string{"text"}},
		{"no handle", func(p *feedback.SocialPost) { p.Author.Handle = "@" }, []string{"author.handle"}},
		{"handle with a space", func(p *feedback.SocialPost) { p.Author.Handle = "ada resident" }, []string{"author.handle"}},
		{"plain http link", func(p *feedback.SocialPost) { p.URL, p.PostID = "http://x.com/ada/status/1", "1" }, []string{"url"}},
		{"javascript profile", func(p *feedback.SocialPost) { p.Author.ProfileURL = "javascript:alert(1)" }, []string{"author.profile_url"}},
		{"http attachment", func(p *feedback.SocialPost) {
			p.Attachments = []string{"https://pbs.example/1.jpg", "http://pbs.example/2.jpg"}
		}, []string{"attachments[1]"}},
		{"bad email", func(p *feedback.SocialPost) { p.Contact.Email = "ada@" }, []string{"contact.email"}},
		{"bad phone", func(p *feedback.SocialPost) { p.Contact.Phone = "call me" }, []string{"contact.phone"}},
		{"unknown kind", func(p *feedback.SocialPost) { p.Kind = "rant" }, []string{"kind"}},
		{"unknown area", func(p *feedback.SocialPost) { p.ServiceArea = "moon" }, []string{"service_area"}},
		{"posted in the future", func(p *feedback.SocialPost) { p.PostedAt = "2027-01-01T00:00:00Z" }, []string{"posted_at"}},
		{"posted at nonsense", func(p *feedback.SocialPost) { p.PostedAt = "yesterday" }, []string{"posted_at"}},
		{"posted as a form's local time", func(p *feedback.SocialPost) { p.PostedAt = "2026-12-21T09:30" }, nil},
		{"a complaint with no contact is fine", func(p *feedback.SocialPost) { p.Kind = "complaint" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			p := post()
			tt.edit(&p)
			res, err := f.svc.ReceiveSocial(context.Background(), mo, p)
			var got []string
			for _, fe := range feedback.ErrorFields(err) {
				got = append(got, fe.Field)
				if fe.Message == "" {
					t.Errorf("field %s has no message", fe.Field)
				}
			}
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("fields = %v, want %v (err %v)", got, tt.fields, err)
			}
			if tt.fields != nil {
				if feedback.ErrorCode(err) != feedback.EINVALID || res.Reference != "" {
					t.Errorf("err %v, result %+v", err, res)
				}
				if page, _ := f.store.ListCases(context.Background(), feedback.CaseQuery{Status: feedback.StatusOpen, Limit: 10}); len(page.Cases) != 0 {
					t.Errorf("a refused post stored %d cases", len(page.Cases))
				}
			}
		})
	}
}

func TestService_ReceiveSocial(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	res, err := f.svc.ReceiveSocial(ctx, mo, post())
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != feedback.SocialCreated || res.Reference != "FB-2026-000001" || res.Acknowledgement != "public_reply" {
		t.Fatalf("result = %+v", res)
	}
	if !strings.Contains(res.SuggestedReply, res.Reference) || utf8.RuneCountInString(res.SuggestedReply) > 280 {
		t.Errorf("suggested reply %q: want the reference within 280 characters", res.SuggestedReply)
	}
	for _, personal := range []string{"Ada", "ada_resident", "objection"} {
		if strings.Contains(strings.ToLower(res.SuggestedReply), strings.ToLower(personal)) {
			t.Errorf("suggested reply repeats %q: %s", personal, res.SuggestedReply)
		}
	}
	f.process(t, res.Reference)
	c, err := f.store.Get(ctx, res.Reference)
	if err != nil {
		t.Fatal(err)
	}
	if c.Contact.Handle != "x:ada_resident" || c.Contact.Name != "Ada Resident" || c.Channel != feedback.ChannelSocial {
		t.Errorf("contact %+v channel %s", c.Contact, c.Channel)
	}
	if c.Kind != feedback.KindComplaint || c.Stage != feedback.Stage1 {
		t.Errorf("kind %s stage %s: the words say it is a complaint", c.Kind, c.Stage)
	}
	if c.History[0].By != mo.Email || c.Social.ForwardedBy != mo.Email {
		t.Errorf("history %+v, forwarded by %q: want the monitor", c.History, c.Social.ForwardedBy)
	}
	if ack := c.Effects[feedback.EffectAcknowledgement]; ack.State != feedback.EffectSkipped || ack.Reason != feedback.AwaitingPublicReply {
		t.Errorf("acknowledgement %+v", ack)
	}
	msgs, _ := f.outbox.List()
	if len(msgs) != 1 || msgs[0].To[0] != cy.Email {
		t.Fatalf("mail = %v; want only the assignment to the planning officer", msgs)
	}
	for _, want := range []string{"Platform: X (a public post)", "Author:   @ada_resident", "https://x.com/Ada_Resident/status/1860000000000000001", "Forwarded by: " + mo.Email} {
		if !strings.Contains(msgs[0].Text, want) {
			t.Errorf("assignment email lacks %q:\n%s", want, msgs[0].Text)
		}
	}

	// The same post again, through any channel and by anyone: the same reference, nothing new.
	for _, who := range []feedback.StaffMember{mo, ana} {
		p := post()
		p.Text = "typed again by hand"
		p.URL, p.PostID = "", "1860000000000000001"
		again, err := f.svc.ReceiveSocial(ctx, who, p)
		if err != nil || again.Outcome != feedback.SocialRepeat || again.Reference != res.Reference || again.SuggestedReply != res.SuggestedReply {
			t.Errorf("forwarded again by %s: %+v, %v", who.Email, again, err)
		}
	}
	if page, _ := f.store.ListCases(ctx, feedback.CaseQuery{Status: feedback.StatusOpen, Limit: 10}); len(page.Cases) != 1 {
		t.Errorf("%d cases after repeats, want 1", len(page.Cases))
	}
	if after, _ := f.outbox.List(); len(after) != 1 {
		t.Errorf("repeats sent mail: %d messages", len(after))
	}
}

func TestService_ReceiveSocial_Forbidden(t *testing.T) {
	for _, who := range []feedback.StaffMember{cy, bo, {}, {Role: feedback.RoleMonitor}} {
		f := lifecycleFixture(t)
		if _, err := f.svc.ReceiveSocial(context.Background(), who, post()); feedback.ErrorCode(err) != feedback.EFORBIDDEN {
			t.Errorf("%+v forwarding: %v, want forbidden", who, err)
		}
	}
}

func TestService_ReceiveSocial_EmailAcknowledges(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	p := post()
	p.Contact.Email = "Ada@Example.com"
	res, err := f.svc.ReceiveSocial(ctx, mo, p)
	if err != nil {
		t.Fatal(err)
	}
	if res.SuggestedReply != "" || res.Acknowledgement != "email" {
		t.Errorf("result %+v: want the acknowledgement email instead of a reply", res)
	}
	f.process(t, res.Reference)
	msgs, _ := f.outbox.List()
	var to []string
	for _, m := range msgs {
		to = append(to, m.To...)
	}
	if !slices.Contains(to, "ada@example.com") {
		t.Errorf("mail went to %v: want the acknowledgement to ada@example.com", to)
	}
	if names := scheduleNames(f); slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, "ack_check") }) {
		t.Errorf("schedules %v: an emailed author needs no acknowledgement check", names)
	}
}

func TestService_ReceiveSocial_Thread(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name        string
		handle      string
		inReplyTo   string
		wantOutcome string
		wantCases   int
	}{
		{"same author, in reply", "ADA_resident", "1860000000000000001", feedback.SocialThreaded, 1},
		{"another author is never threaded", "someone_else", "1860000000000000001", feedback.SocialCreated, 2},
		{"an unknown earlier post", "ada_resident", "999", feedback.SocialCreated, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			first, err := f.svc.ReceiveSocial(ctx, mo, post())
			if err != nil {
				t.Fatal(err)
			}
			f.process(t, first.Reference)
			p := post()
			p.URL, p.PostID, p.InReplyTo, p.Author.Handle = "", "1860000000000000009", tt.inReplyTo, tt.handle
			p.Text = "Still nothing from you."
			res, err := f.svc.ReceiveSocial(ctx, mo, p)
			if err != nil || res.Outcome != tt.wantOutcome {
				t.Fatalf("follow-up: %+v, %v; want %s", res, err, tt.wantOutcome)
			}
			again, err := f.svc.ReceiveSocial(ctx, ana, p)
			if err != nil || again.Outcome != feedback.SocialRepeat || again.Reference != res.Reference {
				t.Errorf("follow-up forwarded again: %+v, %v", again, err)
			}
			if page, _ := f.store.ListCases(ctx, feedback.CaseQuery{Status: feedback.StatusOpen, Limit: 10}); len(page.Cases) != tt.wantCases {
				t.Errorf("%d cases, want %d", len(page.Cases), tt.wantCases)
			}
			if tt.wantOutcome != feedback.SocialThreaded {
				return
			}
			c, _ := f.store.Get(ctx, first.Reference)
			if len(c.Messages) != 1 || c.Messages[0].Channel != feedback.ChannelSocial || c.Messages[0].From != "x:ada_resident" || c.Messages[0].Text != p.Text {
				t.Errorf("messages = %+v", c.Messages)
			}
			before, _ := f.outbox.List()
			f.process(t, first.Reference)
			after, _ := f.outbox.List()
			if len(after) != len(before)+1 || !strings.HasPrefix(after[len(after)-1].Subject, "New message on") {
				t.Errorf("the officer was not told of the follow-up")
			}
		})
	}
}

func TestSuggestedReply(t *testing.T) {
	for _, p := range feedback.Platforms {
		for _, public := range []bool{true, false} {
			for _, ref := range []string{"FB-2026-000001", "COUNCIL-FEEDBACK-2026-0000000001"} {
				t.Run(fmt.Sprintf("%s public=%v %s", p, public, ref), func(t *testing.T) {
					r := feedback.SuggestedReply(p, ref, public)
					if !strings.Contains(r, ref) {
						t.Errorf("reply %q lacks the reference", r)
					}
					if n := utf8.RuneCountInString(r); n > p.ReplyLimit() {
						t.Errorf("reply of %d characters is over %s's limit %d", n, p, p.ReplyLimit())
					}
					if p == feedback.PlatformX && utf8.RuneCountInString(r) > 280 {
						t.Errorf("over 280 on X")
					}
					if !strings.Contains(strings.ToLower(r), "private") && !strings.Contains(r, "reply") {
						t.Errorf("reply %q does not invite the author to continue privately", r)
					}
				})
			}
		}
	}
}

func TestService_SocialAcknowledged_AckCheck(t *testing.T) {
	tests := []struct {
		name        string
		acknowledge bool
		want        string
	}{
		{"not acknowledged: the check chases it at 09:00 the next working day", false, "[Check the sender has been acknowledged -> cy@council.gov.uk]"},
		{"acknowledged meanwhile: the check does nothing", true, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := lifecycleFixture(t)
			res, err := f.svc.ReceiveSocial(ctx, mo, post())
			if err != nil {
				t.Fatal(err)
			}
			f.process(t, res.Reference)
			if tt.acknowledge {
				f.clock.Set(london("2026-12-21T15:00"))
				c, err := f.svc.SocialAcknowledged(ctx, mo, res.Reference)
				if err != nil || c.AcknowledgedAt().IsZero() || c.AwaitsPublicReply() {
					t.Fatalf("SocialAcknowledged: %v, %+v", err, c)
				}
				if again, err := f.svc.SocialAcknowledged(ctx, mo, res.Reference); err != nil || !again.AcknowledgedAt().Equal(c.AcknowledgedAt()) {
					t.Errorf("recorded twice: %v", err)
				}
				if rep, _ := f.svc.ReceiveSocial(ctx, mo, post()); rep.SuggestedReply != "" {
					t.Errorf("a repeat after the reply still suggests one: %+v", rep)
				}
			}
			if got := f.fireUntil(t, london("2026-12-22T08:59")); len(got) != 0 {
				t.Errorf("before 09:00: %v", got)
			}
			if got := f.fireUntil(t, london("2026-12-22T09:00")); fmt.Sprint(got) != tt.want {
				t.Errorf("at 09:00 the next working day: %v, want %s", got, tt.want)
			}
		})
	}
}

func TestService_SocialAcknowledged_Refused(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	web, _, err := f.svc.Submit(ctx, complaint())
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.ReceiveSocial(ctx, mo, post())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		who  feedback.StaffMember
		ref  string
		want string
	}{
		{"the planning officer", cy, res.Reference, ""},
		{"the housing officer cannot see it", ed, res.Reference, feedback.ENOTFOUND},
		{"not a social case", mo, web.Ref, feedback.ENOTFOUND},
		{"no such case", mo, "FB-2026-999999", feedback.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := f.svc.SocialAcknowledged(ctx, tt.who, tt.ref); feedback.ErrorCode(err) != tt.want {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestService_ReceiveSocial_Restricted: restrictions apply to social authors as to email
// senders: the post is taken in, routed to the named officer, flagged, and, under a
// no-acknowledgement restriction, no public reply is suggested.
func TestService_ReceiveSocial_Restricted(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name      string
		contact   string
		types     []feedback.RestrictionType
		wantReply bool
	}{
		{"restricted, no acknowledgement", "x:@ada_resident", []feedback.RestrictionType{feedback.RestrictNamedOfficer, feedback.RestrictNoAck}, false},
		{"restricted, written contact only", "X:Ada_Resident", []feedback.RestrictionType{feedback.RestrictNamedOfficer, feedback.RestrictWrittenOnly}, true},
		{"someone else restricted", "x:someone_else", []feedback.RestrictionType{feedback.RestrictNoAck}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			if _, err := f.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{tt.contact}, Types: tt.types, NamedOfficer: di.Email, Reason: "r"}); err != nil {
				t.Fatal(err)
			}
			res, err := f.svc.ReceiveSocial(ctx, mo, post())
			if err != nil {
				t.Fatal(err)
			}
			if (res.SuggestedReply != "") != tt.wantReply {
				t.Errorf("suggested reply %q; want one: %v", res.SuggestedReply, tt.wantReply)
			}
			c, _ := f.store.Get(ctx, res.Reference)
			restricted := tt.contact != "x:someone_else"
			flagged := false
			for _, fl := range c.Flags {
				flagged = flagged || fl.Code == feedback.FlagRestricted
			}
			if flagged != restricted || (restricted && c.AssignedTo != di.Email) {
				t.Errorf("flagged %v, assigned to %s; want flagged %v and routed to the named officer", flagged, c.AssignedTo, restricted)
			}
		})
	}
}
