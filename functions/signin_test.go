package functions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/lambdatest"
	"github.com/council/intake/internal/mototest"
)

// console is a browser on the officer console, through the built officer function.
type console struct {
	t       *testing.T
	ctx     context.Context
	officer *lambdatest.Fn
	cookies map[string]string
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *console) do(method, path string, form url.Values) events.APIGatewayV2HTTPResponse {
	t := c.t
	t.Helper()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: method + " " + path, RawPath: path,
		Headers: map[string]string{"accept": "text/html", "host": "intake.example.gov.uk"},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			AccountID: "123456789012", APIID: "a1b2c3d4e5", Stage: "$default", DomainName: "intake.example.gov.uk",
			RequestID: "req-" + strings.ReplaceAll(path, "/", "-"),
			HTTP:      events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: path, Protocol: "HTTP/1.1", SourceIP: "203.0.113.40"},
		},
	}
	for k, v := range c.cookies {
		ev.Cookies = append(ev.Cookies, k+"="+v)
	}
	if form != nil {
		ev.Body = form.Encode()
		ev.Headers["content-type"] = "application/x-www-form-urlencoded"
		ev.Headers["origin"] = "https://intake.example.gov.uk"
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	resp := invokeHTTP(c.ctx, t, c.officer, b)
	set := append([]string{}, resp.Cookies...)
	for k, v := range resp.Headers {
		if strings.EqualFold(k, "set-cookie") {
			set = append(set, v)
		}
	}
	for k, vs := range resp.MultiValueHeaders {
		if strings.EqualFold(k, "set-cookie") {
			set = append(set, vs...)
		}
	}
	for _, ck := range (&http.Response{Header: http.Header{"Set-Cookie": set}}).Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	return resp
}

// csrf is the page's anti-forgery token.
func (c *console) csrf(resp events.APIGatewayV2HTTPResponse) string {
	c.t.Helper()
	m := csrfField.FindStringSubmatch(resp.Body)
	if m == nil {
		c.t.Fatalf("no csrf field in the page (%d): %.400s", resp.StatusCode, resp.Body)
	}
	return m[1]
}

// deliverLinks hands the notifier, as one batch, the stream's records from the first skip that
// template.yaml's filters let through, and returns how many there were.
func (s *stack) deliverLinks(ctx context.Context, t *testing.T, notifier *lambdatest.Fn, skip int) int {
	t.Helper()
	records := s.passing(t, skip)
	batch, _ := json.Marshal(events.DynamoDBEvent{Records: records})
	if out, err := notifier.Invoke(ctx, batch); err != nil || strings.Contains(string(out), "itemIdentifier") {
		t.Fatalf("notifier = %s, %v\n%s", out, err, notifier.Output())
	}
	return len(records)
}

// TestFunctions_OfficerSignsIn: the console's sign-in, by the built officer function and
// notifier on moto, under their policies down to each item's key: the hourly limit (a sign-in
// quota item), the link (put with its email sealed in it; the notifier opens it from the
// stream and sends it; then taken once with a conditional delete), the session (put, read on
// each page, deleted at sign-out). Each is its own item family (docs/security.md), which the
// policy check holds the functions to.
func TestFunctions_OfficerSignsIn(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	c := &console{t: t, ctx: ctx, officer: s.start(t, "officer"), cookies: map[string]string{}}
	notifier := s.start(t, "notifier")
	const who = "waste.team@example.gov.uk"
	path := c.signIn(s, notifier, who)
	home := c.do("GET", "/officer", nil)
	if home.StatusCode != 200 {
		t.Fatalf("GET /officer signed in = %d %.300s", home.StatusCode, home.Body)
	}
	if resp := c.do("POST", "/officer/sign-out", url.Values{"csrf": {c.csrf(home)}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /officer/sign-out = %d %.300s", resp.StatusCode, resp.Body)
	}
	// The link was used once: a second use is refused.
	c.cookies["intake_presession"] = strings.Repeat("a", 32)
	again := c.do("GET", path, nil)
	if resp := c.do("POST", path, url.Values{"csrf": {c.csrf(again)}}); resp.StatusCode == http.StatusSeeOther {
		t.Errorf("the link signed in twice")
	}
}

// signIn signs who in as an officer does: asks for a link (the officer function sends no mail),
// has the notifier send it from the stream, and follows the emailed link. It returns the link's
// path.
func (c *console) signIn(s *stack, notifier *lambdatest.Fn, who string) string {
	t := c.t
	t.Helper()
	sent, skip := len(mototest.SentRaw(t, s.endpoint)), len(s.streamRecords(t))
	form := c.do("GET", "/officer/sign-in", nil)
	if resp := c.do("POST", "/officer/sign-in", url.Values{"csrf": {c.csrf(form)}, "email": {who}}); resp.StatusCode != 200 {
		t.Fatalf("POST /officer/sign-in = %d %.300s", resp.StatusCode, resp.Body)
	}
	if n := len(mototest.SentRaw(t, s.endpoint)); n != sent {
		t.Fatalf("the officer function sent %d emails itself; want none (the notifier sends the link)", n-sent)
	}
	s.deliverLinks(c.ctx, t, notifier, skip)
	mails := mailTo(t, s.endpoint, sent, who)
	if len(mails) != 1 {
		t.Fatalf("%d sign-in emails to %s; want one", len(mails), who)
	}
	link := regexp.MustCompile(`/officer/sign-in/([A-Za-z0-9_-]+)`).FindStringSubmatch(mails[0].Text)
	if link == nil {
		t.Fatalf("no sign-in link in the email:\n%s", mails[0].Text)
	}
	path := "/officer/sign-in/" + link[1]
	confirm := c.do("GET", path, nil)
	if resp := c.do("POST", path, url.Values{"csrf": {c.csrf(confirm)}}); resp.StatusCode != http.StatusSeeOther || c.cookies["intake_session"] == "" {
		t.Fatalf("POST %s = %d, session cookie %q; want 303 and a session", "/officer/sign-in/…", resp.StatusCode, c.cookies["intake_session"])
	}
	return path
}

// hexHash matches the hex keyed hashes in items' keys (a link's, a quota's).
var hexHash = regexp.MustCompile(`[0-9a-f]{64}`)

// workOf is what a run of calls shows of itself: each call's action, resource, item family
// (its partition key with any hash left out) and the size of its request.
func workOf(calls []call) []string {
	var out []string
	for _, c := range calls {
		family := ""
		if k := c.context["dynamodb:leadingkeys"]; len(k) > 0 {
			family = hexHash.ReplaceAllString(k[0], "<hash>")
		}
		out = append(out, fmt.Sprintf("%s %s %s %d bytes", c.action, c.resource, family, len(c.body)))
	}
	return out
}

// TestFunctions_SignInSameWork is issue 22's rule that sign-in does not tell who is staff, held
// on the built officer function and notifier in AWS's shape: asking for a link for a member of
// staff and for a stranger (addresses of the same length) makes the same AWS calls before the
// answer (the same actions, on the same resources and item families, with requests of the same
// size: a quota taken, a letter sealed with KMS, a link item put) and no SES call at all. The
// link goes afterwards, from the stream: the notifier, given the records the template's filter
// lets through (both link items), sends exactly one email, to the member of staff, and nothing
// more when the records are delivered again.
func TestFunctions_SignInSameWork(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s := newStack(t)
	recorder := &callLog{}
	s.calls = recorder // the officer function's calls only
	c := &console{t: t, ctx: ctx, officer: s.start(t, "officer"), cookies: map[string]string{}}
	s.calls = nil
	notifier := s.start(t, "notifier")
	const member, stranger = "waste.team@example.gov.uk", "waste.tean@example.gov.uk"

	sent, skip := len(mototest.SentRaw(t, s.endpoint)), len(s.streamRecords(t))
	form := c.do("GET", "/officer/sign-in", nil) // the first request reads the session key
	recorder.take()
	var work [][]string
	var pages []string
	for _, email := range []string{member, stranger} {
		resp := c.do("POST", "/officer/sign-in", url.Values{"csrf": {c.csrf(form)}, "email": {email}})
		if resp.StatusCode != 200 {
			t.Fatalf("POST /officer/sign-in for %s = %d %.300s", email, resp.StatusCode, resp.Body)
		}
		pages = append(pages, resp.Body)
		work = append(work, workOf(recorder.take()))
	}
	t.Logf("the work for each address:\n%s", strings.Join(work[0], "\n"))
	if !slices.Equal(work[0], work[1]) {
		t.Errorf("the officer function's work differs:\nstaff:\n%s\nstranger:\n%s", strings.Join(work[0], "\n"), strings.Join(work[1], "\n"))
	}
	if pages[0] != pages[1] {
		t.Errorf("the answers differ")
	}
	joined := strings.Join(work[0], "\n")
	for _, want := range []string{"kms:Encrypt", "dynamodb:PutItem " + "arn:aws:dynamodb:" + mototest.Region + ":" + testAccount + ":table/" + s.table + " CRED#link#<hash>"} {
		if !strings.Contains(joined, want) {
			t.Errorf("the work does not include %q", want)
		}
	}
	if strings.Contains(joined, "ses:") {
		t.Errorf("the officer function called SES before answering")
	}
	if n := len(mototest.SentRaw(t, s.endpoint)); n != sent {
		t.Fatalf("%d emails sent by the officer function; want none", n-sent)
	}

	for delivery := 1; delivery <= 2; delivery++ {
		if n := s.deliverLinks(ctx, t, notifier, skip); n != 2 {
			t.Fatalf("delivery %d: %d stream records for the notifier; want the two link items", delivery, n)
		}
		all := mototest.SentRaw(t, s.endpoint)[sent:]
		if got := len(mailTo(t, s.endpoint, sent, member)); got != 1 || len(all) != 1 {
			t.Errorf("after delivery %d: %d emails to the member of staff, %d in all; want exactly one, to them", delivery, got, len(all))
		}
		if got := mailTo(t, s.endpoint, sent, stranger); len(got) != 0 {
			t.Errorf("after delivery %d: %d emails to the stranger", delivery, len(got))
		}
	}
	// What the notifier was handed is the link items: nothing in them reads as an address or
	// carries a token.
	for _, r := range s.passing(t, skip) {
		b, _ := json.Marshal(r)
		if strings.Contains(string(b), "example.gov.uk") {
			t.Errorf("a link item on the stream names an address: %.300s", b)
		}
		if l, ok, _ := dynamo.LinkFromStreamImage(r.Change.NewImage); !ok || len(l.Sealed) == 0 {
			t.Errorf("a stream record for the notifier is not a sealed link item: %.300s", b)
		}
	}
}
