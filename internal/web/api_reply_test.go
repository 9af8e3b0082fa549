package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

// replyEnv is the API over an embedded stack whose outbox the test reads, with a reply domain
// and one saved reply.
func replyEnv(t *testing.T) (*apiEnv, *embeddedtest.Stack) {
	t.Helper()
	staff, err := feedback.ParseDirectory("ana@council.gov.uk=admin,cy@council.gov.uk=officer:planning,ed@council.gov.uk=officer:housing")
	if err != nil {
		t.Fatal(err)
	}
	stack := embeddedtest.Open(t, embeddedtest.Options{Now: monday,
		Council: feedback.Council{Name: "Example District Council", From: "x@example.gov.uk", ReplyDomain: "intake.example.gov.uk"},
		Routing: feedback.Routing{Areas: map[string]string{"planning": "cy@council.gov.uk", "housing": "ed@council.gov.uk"}, Triage: "cy@council.gov.uk"},
		Staff:   staff, Mailboxes: map[string]feedback.Kind{"complaints@intake.example.gov.uk": feedback.KindComplaint},
	})
	svc := stack.Service
	svc.ReplyTemplates = []feedback.ReplyTemplate{{Name: "Update", Text: "Dear {name}, about {reference}: we will answer by {due}."}}
	h := &web.Handler{Service: svc, Staff: web.BearerTokens(apiTokens, staff), Log: slog.New(slog.DiscardHandler),
		AfterCommit: func(ctx context.Context, ref string) {
			if err := svc.Process(ctx, ref); err != nil {
				t.Errorf("Process %s: %v", ref, err)
			}
		}}
	e := &apiEnv{srv: httptest.NewServer(validated(t, h.Routes())), clock: stack.Clock, svc: svc}
	t.Cleanup(e.srv.Close)
	return e, stack
}

// receive takes in an email from Zoë and returns the case it opened or threaded onto.
func receive(t *testing.T, svc *feedback.Service, m *feedback.InboundEmail) string {
	t.Helper()
	m.From = feedback.Address{Name: "Zoë Brontë", Email: "zoe@example.com"}
	m.To = []feedback.Address{{Email: "complaints@intake.example.gov.uk"}}
	m.NewText = m.Text
	out, err := svc.ReceiveEmail(context.Background(), m, "inbound/"+m.MessageID+".eml")
	if err != nil {
		t.Fatalf("ReceiveEmail: %v", err)
	}
	if err := svc.Process(context.Background(), out.Reference); err != nil {
		t.Fatal(err)
	}
	return out.Reference
}

func TestAPI_Search(t *testing.T) {
	e, _ := replyEnv(t)
	status, c := e.call(t, "POST", "/v1/cases", "tok-cy-0123456789", `{"kind":"complaint","name":"Zoë Brontë","phone":"07700 900123",
		"service_area":"planning","message":"The streetlight on Larkspur Road is out.","channel":"phone","received_at":"2026-12-21T10:00:00Z"}`)
	if status != http.StatusCreated {
		t.Fatalf("POST /v1/cases = %d %v", status, c)
	}
	ref := c["reference"].(string)
	tests := []struct {
		name, query, token string
		want               []string
	}{
		{"the phone number written another way", "q=" + url.QueryEscape("+44 (7700) 900-123"), "tok-cy-0123456789", []string{ref}},
		{"a name without its accents", "q=zoe", "tok-cy-0123456789", []string{ref}},
		{"the reference in lower case without zeros", "q=" + strings.ToLower(strings.Replace(ref, "-00000", "-", 1)), "tok-cy-0123456789", []string{ref}},
		{"words with a filter", "q=larkspur+streetlight&service_area=planning", "tok-cy-0123456789", []string{ref}},
		{"words with a filter that leaves it out", "q=larkspur&service_area=housing", "tok-cy-0123456789", []string{}},
		{"closed cases only", "q=larkspur&status=closed", "tok-cy-0123456789", []string{}},
		{"an officer who may not see it", "q=zoe", "tok-ed-0123456789", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.call(t, "GET", "/v1/cases?"+tt.query, tt.token, "")
			if status != http.StatusOK {
				t.Fatalf("GET /v1/cases?%s = %d %v", tt.query, status, body)
			}
			got := []string{}
			for _, c := range body["cases"].([]any) {
				got = append(got, c.(map[string]any)["reference"].(string))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("GET /v1/cases?%s = %v; want %v", tt.query, got, tt.want)
			}
		})
	}
	if status, body := e.call(t, "GET", "/v1/cases?q=+", "tok-cy-0123456789", ""); status != http.StatusUnprocessableEntity {
		t.Errorf("a search of nothing = %d %v; want 422", status, body)
	}
}

func TestAPI_Reply(t *testing.T) {
	e, stack := replyEnv(t)
	ref := receive(t, e.svc, &feedback.InboundEmail{Subject: "Planning portal <lost> my objection", MessageID: "first.1@Mail.Example",
		Text: "It lost my objection."})
	status, tpl := e.call(t, "GET", "/v1/cases/"+ref+"/reply-templates", "tok-cy-0123456789", "")
	if text := tpl["templates"].([]any)[0].(map[string]any)["text"]; status != http.StatusOK || !strings.Contains(text.(string), "Dear Zoë Brontë, about "+ref) {
		t.Errorf("reply templates = %d %v; want the name and reference filled in", status, tpl)
	}

	e.clock.Advance(time.Hour)
	status, c := e.call(t, "POST", "/v1/cases/"+ref+"/reply", "tok-cy-0123456789", `{"text":"Thank you. Could you send us <the> date?"}`)
	if status != http.StatusOK {
		t.Fatalf("reply = %d %v", status, c)
	}
	msgs := c["messages"].([]any)
	out := msgs[len(msgs)-1].(map[string]any)
	if out["direction"] != "out" || out["by"] != "cy@council.gov.uk" || out["state"] != "done" || !strings.Contains(out["text"].(string), "send us <the> date") {
		t.Errorf("the case's last message = %v; want the reply, out, by cy, sent", out)
	}
	sent, err := stack.Outbox.List()
	if err != nil {
		t.Fatal(err)
	}
	m := sent[len(sent)-1]
	switch {
	case m.To[0] != "zoe@example.com" || m.ReplyTo != "reply+"+strings.ToLower(ref)+"@intake.example.gov.uk":
		t.Errorf("the reply went to %v with Reply-To %q; want zoe@example.com, the case's reply address", m.To, m.ReplyTo)
	case m.Headers["In-Reply-To"] != "<first.1@Mail.Example>" || m.Headers["References"] != "<first.1@Mail.Example>":
		t.Errorf("the reply's threading = %q, %q; want <first.1@Mail.Example> byte for byte", m.Headers["In-Reply-To"], m.Headers["References"])
	case m.Subject != "Re: Planning portal <lost> my objection ("+ref+")":
		t.Errorf("the reply's subject = %q", m.Subject)
	case !strings.Contains(m.HTML, "send us &lt;the&gt; date") || strings.Contains(m.HTML, "<the>"):
		t.Errorf("the reply's HTML does not escape the officer's words:\n%s", m.HTML)
	}

	// Zoë answers the reply from her mail program: it threads onto the same case.
	e.clock.Advance(time.Hour)
	got := receive(t, e.svc, &feedback.InboundEmail{Subject: "Re: the reply", MessageID: "second.2@mail.example",
		InReplyTo: []string{m.MessageID}, References: []string{"first.1@Mail.Example", m.MessageID}, Text: "It was 3 December."})
	if got != ref {
		t.Fatalf("the answer to the reply opened or joined %s; want %s", got, ref)
	}
	_, c = e.call(t, "GET", "/v1/cases/"+ref, "tok-cy-0123456789", "")
	msgs = c["messages"].([]any)
	if last := msgs[len(msgs)-1].(map[string]any); last["direction"] != "in" || last["text"] != "It was 3 December." {
		t.Errorf("the case's last message = %v; want Zoë's answer, in", last)
	}
}

func TestAPI_ReplyRefused(t *testing.T) {
	e, _ := replyEnv(t)
	ctx := context.Background()
	ana := feedback.StaffMember{Email: "ana@council.gov.uk", Role: feedback.RoleAdmin}
	_, c := e.call(t, "POST", "/v1/cases", "tok-cy-0123456789", `{"kind":"complaint","name":"Bo","phone":"07700 900124",
		"service_area":"planning","message":"By phone.","channel":"phone","received_at":"2026-12-21T10:00:00Z"}`)
	byPhone := c["reference"].(string)
	restricted := receive(t, e.svc, &feedback.InboundEmail{Subject: "Again", MessageID: "r.1@mail.example", Text: "Again."})
	if _, err := e.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{"zoe@example.com"}, Reason: "persistent",
		Types: []feedback.RestrictionType{feedback.RestrictNamedOfficer, feedback.RestrictWrittenOnly}, NamedOfficer: "ana@council.gov.uk"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ref, token string
		want             int
		says             string
	}{
		{"no email address", byPhone, "tok-cy-0123456789", http.StatusUnprocessableEntity, "has no email address"},
		{"another officer than the named one", restricted, "tok-cy-0123456789", http.StatusForbidden, "only the named officer, ana@council.gov.uk"},
		{"the named officer (written contact only allows email)", restricted, "tok-ana-012345678", http.StatusOK, ""},
		{"no text", restricted, "tok-ana-012345678", http.StatusUnprocessableEntity, "Enter the text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"text":"Hello."}`
			if tt.says == "Enter the text" {
				body = `{"text":" "}`
			}
			status, out := e.call(t, "POST", "/v1/cases/"+tt.ref+"/reply", tt.token, body)
			if status != tt.want || tt.says != "" && !strings.Contains(out["detail"].(string), tt.says) {
				t.Errorf("reply = %d %v; want %d saying %q", status, out, tt.want, tt.says)
			}
		})
	}
}
