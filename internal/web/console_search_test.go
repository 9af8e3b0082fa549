package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/council/intake/internal/feedback"
)

// TestConsole_SearchBox: every console page of someone who works cases carries the search box
// (a GET form, labelled); a monitor's pages do not.
func TestConsole_SearchBox(t *testing.T) {
	e := newConsoleEnv(t, true)
	k := e.submit(t, "complaint", "planning", "The portal lost my objection.")
	box := regexp.MustCompile(`<form method="get" action="/officer/search" role="search"[^>]*>\s*<label for="search">Search cases</label>\s*<input type="search" id="search" name="q"`)
	tests := []struct {
		who   string
		pages []string
		want  bool
	}{
		{"planning@example.gov.uk", []string{"/officer", "/officer/cases/" + k.Ref, "/officer/cases/" + k.Ref + "/note", "/officer/search?q=portal", "/officer/cases/FB-2099-000001"}, true},
		{"admin@example.gov.uk", []string{"/officer/restrictions", "/officer/rights", "/officer/import"}, true},
		{"monitor@example.gov.uk", []string{"/officer/social/new"}, false},
	}
	for _, tt := range tests {
		c := e.signIn(t, tt.who)
		for _, p := range tt.pages {
			_, body := get(t, c, e.srv.URL+p)
			if got := box.MatchString(body); got != tt.want {
				t.Errorf("%s on %s: search box shown = %v, want %v", tt.who, p, got, tt.want)
			}
		}
	}
	c := e.signIn(t, "monitor@example.gov.uk")
	if resp, _ := get(t, c, e.srv.URL+"/officer/search?q=portal"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a monitor's search = %d, want 404", resp.StatusCode)
	}
}

// TestConsole_Search: the search page finds cases however their details were typed, combined
// with the list's filters, open and closed, only those the officer may see, listed as the work
// queue lists them; and says in plain English when nothing matches.
func TestConsole_Search(t *testing.T) {
	e := newConsoleEnv(t, true)
	ctx := context.Background()
	zoe, _, err := e.svc.Submit(ctx, feedback.Submission{Kind: "complaint", Name: "Zoë Brontë", Phone: "07700 900123", Email: "Zoe@Example.com",
		ServiceArea: "planning", Subject: "Streetlight out", Message: "The streetlight on Larkspur Road is out.", Channel: feedback.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	closed, _, err := e.svc.Submit(ctx, feedback.Submission{Kind: "comment", Name: "Zoë Brontë", Email: "zoe@example.com",
		ServiceArea: "planning", Message: "Larkspur Road looks lovely now.", Channel: feedback.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Close(ctx, consoleStaff["admin@example.gov.uk"], closed.Ref, "Thanked."); err != nil {
		t.Fatal(err)
	}
	housing, _, err := e.svc.Submit(ctx, feedback.Submission{Kind: "complaint", Name: "Zoë Brontë", Email: "zoe@example.com",
		ServiceArea: "housing", Message: "Damp on Larkspur Road.", Channel: feedback.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	lower := strings.ToLower(strings.Replace(zoe.Ref, "-00000", "-", 1))
	rowRef := regexp.MustCompile(`<td class="nowrap"><a href="/officer/cases/([^"]+)">`)
	tests := []struct {
		name, who, query string
		want             []string // references, newest received first
		says             string
	}{
		{"the phone number written another way", "planning@example.gov.uk", "q=" + url.QueryEscape("+44 (7700) 900-123"), []string{zoe.Ref}, "1 case, newest received first."},
		{"the email address in another case", "planning@example.gov.uk", "q=ZOE%40example.COM", []string{closed.Ref, zoe.Ref}, "Closed"},
		{"a name without its accents", "planning@example.gov.uk", "q=zoe+bronte", []string{closed.Ref, zoe.Ref}, "Zoë Brontë"},
		{"the reference in lower case without zeros", "planning@example.gov.uk", "q=" + lower, []string{zoe.Ref}, "Streetlight out"},
		{"words with a filter", "planning@example.gov.uk", "q=larkspur&kind=complaint", []string{zoe.Ref}, "1 case"},
		{"open cases only", "planning@example.gov.uk", "q=larkspur&status=open", []string{zoe.Ref}, `<option value="open" selected>`},
		{"closed cases only", "planning@example.gov.uk", "q=larkspur&status=closed", []string{closed.Ref}, "Closed"},
		{"what another area's officer may see", "housing@example.gov.uk", "q=zoe", []string{housing.Ref}, "1 case"},
		{"everything, for the complaints team", "admin@example.gov.uk", "q=larkspur", []string{housing.Ref, closed.Ref, zoe.Ref}, "3 cases"},
		{"nothing", "planning@example.gov.uk", "q=" + url.QueryEscape("unheard-of <words>"), nil, "No cases match “unheard-of &lt;words&gt;”."},
		{"nothing with these filters", "planning@example.gov.uk", "q=larkspur&channel=email", nil, `No cases match “larkspur” with these filters.`},
	}
	clients := map[string]*http.Client{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clients[tt.who]
			if c == nil {
				c = e.signIn(t, tt.who) // sign-in links are limited per address: once each
				clients[tt.who] = c
			}
			resp, body := get(t, c, e.srv.URL+"/officer/search?"+tt.query)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /officer/search?%s = %d", tt.query, resp.StatusCode)
			}
			var got []string
			for _, m := range rowRef.FindAllStringSubmatch(body, -1) {
				got = append(got, m[1])
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("found %v, want %v", got, tt.want)
			}
			if !strings.Contains(body, tt.says) {
				t.Errorf("the page does not say %q:\n%s", tt.says, body)
			}
			if tt.want == nil && !strings.Contains(body, "You can search by a case's reference") {
				t.Errorf("no results, and no hint of what a search finds:\n%s", body)
			}
			if strings.Contains(tt.query, "channel=") && !strings.Contains(body, `href="/officer/search?q=larkspur">searching without the filters`) {
				t.Errorf("no way to search again without the filters:\n%s", body)
			}
		})
	}
	c := clients["planning@example.gov.uk"]
	resp, body := get(t, c, e.srv.URL+"/officer/search?q=%20%21")
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `<a href="#search">Enter a reference, a name`) {
		t.Errorf("a search of nothing searchable = %d; want 422 with an error summary linking to the box:\n%s", resp.StatusCode, body)
	}
	if _, body := get(t, c, e.srv.URL+"/officer/search"); !strings.Contains(body, "<h1>Search cases</h1>") || strings.Contains(body, "No cases match") {
		t.Errorf("the search page with nothing asked:\n%s", body)
	}
}
