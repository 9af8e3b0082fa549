package web_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

// TestAnnualReport_SameAfterPurge: a year's report, in every format, is byte for byte the same
// before and after its cases are destroyed at the end of their retention (the default policy),
// because each destroyed case leaves its anonymous statistical record. The year holds the
// Sevenoaks acceptance file's cases and cases worked through the lifecycle at times of day that
// cross a financial year's end in summer time.
func TestAnnualReport_SameAfterPurge(t *testing.T) {
	ctx := context.Background()
	ana := feedback.StaffMember{Email: "ana@sevenoaks.example.gov.uk", Role: feedback.RoleAdmin}
	staff := feedback.Directory{ana.Email: ana}
	areas := map[string]string{}
	for _, a := range []string{"Audit", "Benefits", "Building Control", "Communications", "Communities & Business", "Customer Services",
		"Democratic Services", "Development Services", "Direct Services", "Electoral Services", "Environmental Health",
		"Facilities Management", "Housing Advice", "Housing Standards", "IT Services", "Land Charges", "Legal", "Licensing",
		"Local Tax", "Parking Services", "Planning Policy", "Print", "Private Sector Housing", "Property", "Revenues", "parking", "revenues"} {
		areas[a] = ana.Email
	}
	stack := embeddedtest.Open(t, embeddedtest.Options{
		Now:     time.Date(2019, 4, 8, 9, 0, 0, 0, time.UTC),
		Council: feedback.Council{Name: "Sevenoaks District Council", From: "x@example.gov.uk", ReplyDomain: "example.gov.uk"},
		Routing: feedback.Routing{Areas: areas, Triage: ana.Email}, Staff: staff,
	})
	clk := stack.Clock
	svc := stack.Service
	tokens := map[string]string{"tok-ana-012345678": ana.Email}
	srv := httptest.NewServer((&web.Handler{Service: svc, Staff: web.BearerTokens(tokens, staff), Log: slog.New(slog.DiscardHandler)}).Routes())
	t.Cleanup(srv.Close)

	file, err := os.ReadFile("../../testdata/sevenoaks-2017-2019.csv")
	if err != nil {
		t.Fatal(err)
	}
	if status, body := send(t, srv, "POST", "/v1/import", "tok-ana-012345678", "text/csv", string(file)); status != http.StatusOK {
		t.Fatalf("POST /v1/import = %d %s", status, body)
	}
	// Live cases: one received at 23:30 BST on 31 March 2019 (2018/19, though 1 April in UTC
	// is not; the 31st in London), answered with lessons and compensation at a late hour; one
	// a compliment, closed.
	for _, at := range []time.Time{time.Date(2019, 3, 31, 22, 30, 0, 0, time.UTC), time.Date(2018, 6, 1, 23, 30, 0, 0, time.UTC)} {
		clk.Set(at)
		c, _, err := svc.Submit(ctx, feedback.Submission{Kind: "complaint", Name: "Ada Resident", Email: "ada@example.com",
			ServiceArea: "parking", Message: "My permit was refused.", Channel: feedback.ChannelWeb})
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.Process(ctx, c.Ref); err != nil {
			t.Fatal(err)
		}
		clk.Set(at.AddDate(0, 0, 6))
		if _, err := svc.Respond(ctx, ana, c.Ref, feedback.Response{Outcome: feedback.OutcomeUpheld, Summary: "We were wrong.",
			Lessons: "Read the permit rules again.", CompensationPence: 2550, SentBy: feedback.SentByEmail}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Close(ctx, ana, c.Ref, "Not escalated."); err != nil {
			t.Fatal(err)
		}
		k, _, err := svc.Submit(ctx, feedback.Submission{Kind: "compliment", Name: "Bo", Email: "bo@example.com",
			ServiceArea: "revenues", Message: "Thank you.", Channel: feedback.ChannelEmail})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Close(ctx, ana, k.Ref, "Passed on."); err != nil {
			t.Fatal(err)
		}
	}
	// Before: every case is within its retention (the earliest ends in April 2019).
	clk.Set(time.Date(2019, 4, 8, 9, 0, 0, 0, time.UTC))
	paths := []string{
		"/v1/reports/annual?year=2018", "/v1/reports/annual?year=2018&format=html", "/v1/reports/annual?year=2018&format=csv",
		"/v1/reports/annual?year=2018&format=csv&table=lessons", "/v1/reports/annual?year=2017&format=html",
	}
	before := map[string][]byte{}
	for _, p := range paths {
		status, body := send(t, srv, "GET", p, "tok-ana-012345678", "", "")
		if status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", p, status, body)
		}
		before[p] = body
	}

	// Past every retention end (six years after the last closure, for the Ombudsman's cases),
	// the local sweep destroys every case.
	clk.Set(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))
	for {
		n, err := svc.PurgeExpired(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	page, err := svc.Store.ListReceived(ctx, feedback.ReceivedQuery{From: time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	// Only the file's one open case (at the Ombudsman, awaiting a decision) is left.
	if len(page.Cases) != 1 || page.Cases[0].Ref != "SDC-1819-019" || page.Cases[0].Status != feedback.StatusOpen {
		t.Fatalf("after the purge %d cases are left; want only the open SDC-1819-019", len(page.Cases))
	}
	for _, p := range paths {
		status, body := send(t, srv, "GET", p, "tok-ana-012345678", "", "")
		if status != http.StatusOK || string(body) != string(before[p]) {
			t.Errorf("GET %s after the purge = %d, %d bytes; want the %d bytes it gave before", p, status, len(body), len(before[p]))

		}
	}
}
