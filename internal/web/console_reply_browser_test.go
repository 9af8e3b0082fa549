//go:build linux

package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/embedded"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/mailin"
	"github.com/council/intake/internal/outbox"
	"github.com/council/intake/internal/web"
)

// localStack is the officer function's routes over the embedded stack, built as the local
// runner builds them from the default settings (no setting changed), on a fixed clock; with the
// email path (mailin) the runner's SMTP listener and /_local/email hand mail to.
type localStack struct {
	srv   *httptest.Server
	stack *embedded.Stack
	clock *clock.Fixed
	mail  *mailin.Receiver
}

func openLocalStack(t *testing.T, now time.Time) *localStack {
	t.Helper()
	cfg, err := config.Load(func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	l := &localStack{clock: clock.NewFixed(now)}
	svc, err := cfg.Service(l.clock, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if l.stack, err = embedded.Open(t.TempDir(), svc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.stack.Close() })
	s := l.stack.Service
	process := func(ctx context.Context, ref string) {
		if err := s.Process(ctx, ref); err != nil {
			t.Errorf("Process %s: %v", ref, err)
		}
	}
	api, console := web.Officer{Service: s, AfterCommit: process, Log: slog.New(slog.DiscardHandler),
		SignIn: &feedback.SignIn{Service: s, Sessions: l.stack.Store, Directory: s.Staff, Key: []byte("test key, thirty-two bytes long.")}}.Handlers()
	mux := api.Routes()
	console.Register(mux)
	l.srv = httptest.NewServer(mux)
	t.Cleanup(l.srv.Close)
	s.Council.ConsoleURL = l.srv.URL // links in officers' emails point here, as the runner's do
	l.mail = &mailin.Receiver{Blobs: l.stack.Blobs, Service: s, Log: slog.New(slog.DiscardHandler)}
	return l
}

// email takes a raw message in through the email path and returns the case it landed on.
func (l *localStack) email(t *testing.T, raw string) string {
	t.Helper()
	ctx := context.Background()
	key, err := l.mail.Store(ctx, []byte(strings.ReplaceAll(raw, "\n", "\r\n")))
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.mail.Receive(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.stack.Service.Process(ctx, out.Reference); err != nil {
		t.Fatal(err)
	}
	return out.Reference
}

// sentTo is the newest message in the outbox to addr.
func sentTo(t *testing.T, o *outbox.Outbox, addr string) outbox.Sent {
	t.Helper()
	all, err := o.List()
	if err != nil {
		t.Fatal(err)
	}
	for i := len(all) - 1; i >= 0; i-- {
		if len(all[i].To) > 0 && all[i].To[0] == addr {
			return all[i]
		}
	}
	t.Fatalf("nothing in the outbox to %s", addr)
	return outbox.Sent{}
}

// TestConsole_Browser_SearchAndReply is issue 20's acceptance: with the default local settings
// and a fixed clock, by the keyboard alone an officer signs in, finds a case by the resident's
// phone number written differently from how it was entered, and replies to the resident; the
// reply is in the outbox, threaded onto the resident's last email byte for byte and answerable
// at the case's reply address, and on the case as an outgoing message; and the resident's
// emailed answer lands on the same case.
func TestConsole_Browser_SearchAndReply(t *testing.T) {
	ctx := consoleBrowser(t)
	l := openLocalStack(t, time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC))
	bg := context.Background()
	svc := l.stack.Service

	// Zoë complains through the web form, giving her phone number as 07700 900123 …
	resp, err := http.Post(l.srv.URL+"/v1/feedback", "application/json", strings.NewReader(`{"kind":"complaint","name":"Zoë Brontë",
		"email":"zoe@example.com","phone":"07700 900123","service_area":"planning","message":"The streetlight on Larkspur Road has been out for a month."}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /v1/feedback = %d", resp.StatusCode)
	}
	open, err := svc.ListCases(bg, svc.Staff["complaints@example.gov.uk"], feedback.CaseQuery{})
	if err != nil || len(open.Cases) != 1 {
		t.Fatalf("cases after the form: %v, %v", open.Cases, err)
	}
	ref := open.Cases[0].Ref
	if err := svc.Process(bg, ref); err != nil {
		t.Fatal(err)
	}
	replyAddr := "reply+" + strings.ToLower(ref) + "@intake.example.gov.uk"
	ack := sentTo(t, l.stack.Outbox, "zoe@example.com")
	if ack.ReplyTo != replyAddr {
		t.Fatalf("the acknowledgement's Reply-To = %q, want %q", ack.ReplyTo, replyAddr)
	}
	// … and answers the acknowledgement from her mail program: her last email on the case.
	l.clock.Advance(time.Hour)
	const herID = "Zoe.Follow-Up.1@Mail.Example"
	if got := l.email(t, fmt.Sprintf(`From: =?utf-8?q?Zo=C3=AB_Bront=C3=AB?= <zoe@example.com>
To: %s
Subject: Re: %s
Message-ID: <%s>
In-Reply-To: <%s>
Date: Mon, 21 Dec 2026 11:00:00 +0000
Content-Type: text/plain; charset=utf-8

I rang about it too, on Monday.
`, replyAddr, ack.Subject, herID, ack.MessageID)); got != ref {
		t.Fatalf("Zoë's follow-up landed on %q, want %s", got, ref)
	}
	l.clock.Advance(time.Hour)

	keys := keyboard{t, ctx}
	press, tabTo := keys.press, keys.tabTo
	wait := func(sel string) {
		t.Helper()
		if err := chromedp.Run(ctx, chromedp.WaitVisible(sel, chromedp.ByQuery)); err != nil {
			t.Fatalf("waiting for %s on %s: %v", sel, location(t, ctx), err)
		}
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(l.srv.URL+"/officer"), chromedp.WaitVisible("#email", chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	tabTo("the email box", `e.id === "email"`, 8)
	press("planning@example.gov.uk", kb.Enter)
	if err := chromedp.Run(ctx, chromedp.WaitVisible("//h1[text()='Check your email']")); err != nil {
		t.Fatal(err)
	}
	link := sentTo(t, l.stack.Outbox, "planning@example.gov.uk").Text
	i := strings.Index(link, l.srv.URL+"/officer/sign-in/")
	if i < 0 {
		t.Fatalf("no sign-in link in the last email to planning@:\n%s", link)
	}
	if err := chromedp.Run(ctx, chromedp.Navigate(strings.Fields(link[i:])[0]), chromedp.WaitVisible("#confirm", chromedp.ByID)); err != nil {
		t.Fatal(err)
	}
	tabTo("the Sign in button", `e.id === "confirm"`, 5)
	press(kb.Enter)
	wait(".counts")

	// The phone number, written as it is from abroad.
	tabTo("the search box", `e.id === "search"`, 20)
	press("+44 7700 900123", kb.Enter)
	// My cases lists the case too: wait for the results page itself.
	if err := chromedp.Run(ctx, chromedp.WaitVisible(`//h1[starts-with(., "Search results")]`), chromedp.WaitVisible("table.queue", chromedp.ByQuery)); err != nil {
		t.Fatalf("waiting for the search results on %s: %v", location(t, ctx), err)
	}
	if u := location(t, ctx); !strings.Contains(u, "/officer/search?q=%2B44+7700+900123") {
		t.Errorf("the search went to %s", u)
	}
	tabTo("the case found", `e.tagName === "A" && e.getAttribute("href") === "/officer/cases/`+ref+`"`, 40)
	press(kb.Enter)
	wait(".case-panel")
	tabTo("Reply to the resident", `e.tagName === "A" && e.textContent === "Reply to the resident"`, 40)
	press(kb.Enter)
	wait("#text")
	tabTo("the reply's text", `e.id === "text"`, 40)
	press("Thank you, Zoë. An engineer will look at the light on Larkspur Road this week.")
	tabTo("Send the reply", `e.tagName === "BUTTON" && e.textContent === "Send the reply"`, 5)
	press(kb.Enter)
	var notice string
	if err := chromedp.Run(ctx, chromedp.WaitVisible(".notice", chromedp.ByQuery), chromedp.Text(".notice", &notice, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice, "Your reply is on its way to the resident.") {
		t.Errorf("after replying the page says %q", notice)
	}

	// In the outbox: to Zoë, answerable at the case's reply address, threaded onto her last
	// email byte for byte.
	reply := sentTo(t, l.stack.Outbox, "zoe@example.com")
	switch {
	case !strings.Contains(reply.Text, "An engineer will look at the light on Larkspur Road this week."):
		t.Errorf("the last email to Zoë is not the reply:\n%s", reply.Text)
	case reply.ReplyTo != replyAddr || !strings.Contains(reply.From, "feedback@intake.example.gov.uk"):
		t.Errorf("the reply is from %q with Reply-To %q; want the council's address, answerable at %s", reply.From, reply.ReplyTo, replyAddr)
	case reply.Headers["In-Reply-To"] != "<"+herID+">" || reply.Headers["References"] != "<"+herID+">":
		t.Errorf("the reply's In-Reply-To %q and References %q; want <%s> byte for byte", reply.Headers["In-Reply-To"], reply.Headers["References"], herID)
	}
	// On the case, as an outgoing message, sent.
	k, err := svc.Store.Get(bg, ref)
	if err != nil {
		t.Fatal(err)
	}
	var out *feedback.Letter
	for i := range k.Letters {
		if k.Letters[i].Reply {
			out = &k.Letters[i]
		}
	}
	if out == nil || out.By != "planning@example.gov.uk" || out.To != "zoe@example.com" || out.InReplyTo != herID ||
		k.Effects[feedback.LetterEffect(out.Name)].State != feedback.EffectDone {
		t.Fatalf("the case's reply = %+v (%v); want one by planning@, to Zoë, in reply to her email, sent", out, k.Effects)
	}

	// Zoë answers the reply: it lands on the same case, and on its timeline after the reply.
	l.clock.Advance(time.Hour)
	if got := l.email(t, fmt.Sprintf(`From: zoe@example.com
To: %s
Subject: Re: %s
Message-ID: <Zoe.Answer.2@Mail.Example>
In-Reply-To: <%s>
References: <%s> <%s>
Date: Mon, 21 Dec 2026 13:00:00 +0000
Content-Type: text/plain; charset=utf-8

Thank you. It has been out since 3 November.
`, replyAddr, reply.Subject, reply.MessageID, herID, reply.MessageID)); got != ref {
		t.Fatalf("Zoë's answer landed on %q, want %s", got, ref)
	}
	var page string
	if err := chromedp.Run(ctx, chromedp.Reload(), chromedp.WaitVisible("ol.timeline", chromedp.ByQuery), chromedp.Text("ol.timeline", &page, chromedp.ByQuery)); err != nil {
		t.Fatal(err)
	}
	r, a := strings.Index(page, "Reply to the resident"), strings.Index(page, "It has been out since 3 November.")
	if r < 0 || a < r {
		t.Errorf("the timeline does not show Zoë's answer after the reply:\n%s", page)
	}
}
