package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// TestConsole_Reply: the reply form is one more action: the saved replies fill it in (a GET
// parameter, no script), a mistake comes back in the GOV.UK pattern with what was typed, and the
// reply is emailed and shown on the case's timeline, openable, with the exact text and to whom,
// beside the internal notes (marked as such) and the resident's messages, oldest first.
func TestConsole_Reply(t *testing.T) {
	e := newConsoleEnv(t, true)
	e.svc.ReplyTemplates = []feedback.ReplyTemplate{{Name: "Update <soon>", Text: "Dear {name}, about {reference}: we will answer by {due}."}}
	ctx := context.Background()
	k := e.submit(t, "complaint", "planning", "The portal lost my objection.")
	if err := e.svc.Process(ctx, k.Ref); err != nil {
		t.Fatal(err)
	}
	c := e.signIn(t, "planning@example.gov.uk")
	casePath := e.srv.URL + "/officer/cases/" + k.Ref
	_, page := get(t, c, casePath)
	if !strings.Contains(page, `<a href="/officer/cases/`+k.Ref+`/reply" class="button secondary">Reply to the resident</a>`) {
		t.Fatalf("the side panel offers no reply:\n%s", page)
	}

	_, form := get(t, c, casePath+"/reply")
	for _, want := range []string{`<dt>To</dt><dd>ada@example.com</dd>`, `<textarea id="text" name="text"`,
		`<a href="/officer/cases/` + k.Ref + `/reply?template=1#text">Update &lt;soon&gt;</a>`, `<button type="submit">Send the reply</button>`} {
		if !strings.Contains(form, want) {
			t.Errorf("the reply form lacks %q:\n%s", want, form)
		}
	}
	_, filled := get(t, c, casePath+"/reply?template=1")
	if want := "Dear Ada Resident, about " + k.Ref + ": we will answer by Thursday 7 January 2027.</textarea>"; !strings.Contains(filled, want) {
		t.Errorf("the saved reply did not fill the form in; want %q in:\n%s", want, filled)
	}

	resp, body := postForm(t, c, casePath+"/reply", url.Values{"csrf": {csrfOf(t, form)}, "text": {"  "}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<li><a href="#text">Enter the text of your reply</a></li>`) ||
		!strings.Contains(body, `<p class="msg" id="text-error">`) {
		t.Errorf("an empty reply = %d; want 422 with the error summary linking to the text:\n%s", resp.StatusCode, body)
	}

	e.clock.Advance(time.Hour)
	if _, err := e.svc.AddNote(ctx, consoleStaff["planning@example.gov.uk"], k.Ref, "Rang Ada: she is away until Friday."); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	resp, _ = postForm(t, c, casePath+"/reply", url.Values{"csrf": {csrfOf(t, form)}, "text": {"Thank you. Could you send us <the> date?"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/officer/cases/"+k.Ref+"?done=reply" {
		t.Fatalf("the reply = %d to %q; want 303 back to the case", resp.StatusCode, resp.Header.Get("Location"))
	}
	if err := e.svc.Process(ctx, k.Ref); err != nil {
		t.Fatal(err)
	}
	sent, err := e.outbox.List()
	if err != nil {
		t.Fatal(err)
	}
	if m := sent[len(sent)-1]; m.To[0] != "ada@example.com" || m.Text == "" || !strings.Contains(m.Text, "Could you send us <the> date?") {
		t.Errorf("the last email sent = %v %q; want the reply to Ada", m.To, m.Text)
	}
	_, page = get(t, c, casePath+"?done=reply")
	order := []string{
		"Your reply is on its way to the resident.",
		"<h3 class=\"heading-s\">Message from the resident (Web form)</h3>",
		"The portal lost my objection.",
		`<strong class="tag tag-yellow">Internal note</strong>`,
		"Rang Ada: she is away until Friday.",
		"<h3 class=\"heading-s\">Reply to the resident</h3>",
		", by planning@example.gov.uk. Sent</p>",
		"<summary>Show the text sent to ada@example.com</summary>",
		"Could you send us &lt;the&gt; date?",
	}
	at := 0
	for _, want := range order {
		i := strings.Index(page[at:], want)
		if i < 0 {
			t.Fatalf("the case page lacks %q after what came before it (oldest first):\n%s", want, page)
		}
		at += i + len(want)
	}
}

// TestConsole_ReplyRefused: a case with no email address, and a resident whose restriction
// names another officer, say why on the page instead of offering the form, and the post is
// refused in words; the named officer may reply, and sees what the restriction says.
func TestConsole_ReplyRefused(t *testing.T) {
	e := newConsoleEnv(t, true)
	ctx := context.Background()
	admin := consoleStaff["admin@example.gov.uk"]
	byPhone, _, err := e.svc.Submit(ctx, feedback.Submission{Kind: "complaint", Name: "Bo", Phone: "07700 900124", ServiceArea: "planning",
		Message: "By phone.", Channel: feedback.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	restricted := e.submit(t, "complaint", "planning", "Again.")
	r, err := e.svc.Restrict(ctx, admin, feedback.NewRestriction{Contacts: []string{"ada@example.com"}, Reason: "persistent",
		Types: []feedback.RestrictionType{feedback.RestrictNamedOfficer, feedback.RestrictWrittenOnly}, NamedOfficer: "ana.officer@example.gov.uk"})
	if err != nil {
		t.Fatal(err)
	}
	note := "Restriction " + r.ID + " applies to the resident: Contact through one named officer only; Contact in writing only (letter or email) (the named officer is ana.officer@example.gov.uk)."
	planning, ana := e.signIn(t, "planning@example.gov.uk"), e.signIn(t, "ana.officer@example.gov.uk")
	tests := []struct {
		name       string
		c          *http.Client
		ref        string
		offered    bool
		says       string
		postStatus int
	}{
		{"no email address", planning, byPhone.Ref, false, "You cannot reply by email: Case " + byPhone.Ref + " has no email address for the resident", http.StatusUnprocessableEntity},
		{"another officer than the named one", planning, restricted.Ref, false, "You cannot reply by email: Restriction " + r.ID + " says only the named officer, ana.officer@example.gov.uk, contacts this resident", http.StatusForbidden},
		{"the named officer", ana, restricted.Ref, true, note, http.StatusSeeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := e.srv.URL + "/officer/cases/" + tt.ref
			_, page := get(t, tt.c, path)
			if got := strings.Contains(page, `/reply" class="button`); got != tt.offered {
				t.Errorf("reply offered = %v, want %v", got, tt.offered)
			}
			if !strings.Contains(page, tt.says) {
				t.Errorf("the case page does not say %q:\n%s", tt.says, page)
			}
			_, form := get(t, tt.c, path+"/reply")
			if has := strings.Contains(form, `<textarea id="text"`); has != tt.offered {
				t.Errorf("the reply page shows the form = %v, want %v:\n%s", has, tt.offered, form)
			}
			resp, body := postForm(t, tt.c, path+"/reply", url.Values{"csrf": {csrfOf(t, page)}, "text": {"Hello."}})
			if resp.StatusCode != tt.postStatus {
				t.Errorf("posting a reply = %d, want %d:\n%s", resp.StatusCode, tt.postStatus, body)
			}
			if !tt.offered && !strings.Contains(body, strings.TrimPrefix(tt.says, "You cannot reply by email: ")) {
				t.Errorf("the refusal does not say why (%q):\n%s", tt.says, body)
			}
		})
	}
}
