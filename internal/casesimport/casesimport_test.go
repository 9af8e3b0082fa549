package casesimport_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/boltstore"
	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/outbox"
	"github.com/google/go-cmp/cmp"
)

// The staff of these tests: cy an officer of planning, bo and di managers of planning (bo of
// housing too), ana the complaints team, mo a monitor.
var (
	ana = feedback.StaffMember{Email: "ana@council.gov.uk", Role: feedback.RoleAdmin}
	bo  = feedback.StaffMember{Email: "bo@council.gov.uk", Role: feedback.RoleManager, Areas: []string{"planning", "housing"}}
	di  = feedback.StaffMember{Email: "di@council.gov.uk", Role: feedback.RoleManager, Areas: []string{"planning"}}
	cy  = feedback.StaffMember{Email: "cy@council.gov.uk", Role: feedback.RoleOfficer, Areas: []string{"planning"}}
	mo  = feedback.StaffMember{Email: "mo@council.gov.uk", Role: feedback.RoleMonitor}
)

type fixture struct {
	svc    *feedback.Service
	clock  *clock.Fixed
	store  *boltstore.Store
	outbox *outbox.Outbox
	blobs  feedback.Blobs
}

// newFixture is the embedded stack at a fixed instant, with planning's cases routed to cy.
func newFixture(t testing.TB, at time.Time) *fixture {
	t.Helper()
	stack := embeddedtest.Open(t, embeddedtest.Options{Now: at,
		Council: feedback.Council{Name: "Example District Council", Phone: "01632 960000",
			From: "Example District Council <feedback@intake.example.gov.uk>", ReplyDomain: "intake.example.gov.uk"},
		Routing: feedback.Routing{Areas: map[string]string{"planning": cy.Email}, Triage: "triage@council.gov.uk"},
		Staff:   feedback.Directory{ana.Email: ana, bo.Email: bo, di.Email: di, cy.Email: cy, mo.Email: mo},
	})
	return &fixture{svc: stack.Service, clock: stack.Clock, store: stack.Store, outbox: stack.Outbox, blobs: stack.Blobs}
}

// sevenoaksAreas are the service areas of seed 002's appendices: Appendix A's 23, Appendix B's
// Housing Standards, and Appendix C's Revenues.
var sevenoaksAreas = []string{
	"Audit", "Benefits", "Building Control", "Communications", "Communities & Business", "Customer Services",
	"Democratic Services", "Development Services", "Direct Services", "Electoral Services", "Environmental Health",
	"Facilities Management", "Housing Advice", "Housing Standards", "IT Services", "Land Charges", "Legal", "Licensing",
	"Local Tax", "Parking Services", "Planning Policy", "Print", "Private Sector Housing", "Property", "Revenues",
}

const sevenoaksFile = "../../testdata/sevenoaks-2017-2019.csv"

// sevenoaksFixture is a council with Sevenoaks' service areas a week after the end of 2018/19
// (while the 2017/18 cases are still within their two years' retention).
func sevenoaksFixture(t testing.TB) *fixture {
	t.Helper()
	f := newFixture(t, time.Date(2019, 4, 8, 9, 0, 0, 0, time.UTC))
	areas := map[string]string{}
	for _, a := range sevenoaksAreas {
		areas[a] = "complaints@sevenoaks.example.gov.uk"
	}
	f.svc.Routing = feedback.Routing{Areas: areas, Triage: "complaints@sevenoaks.example.gov.uk"}
	return f
}

func readImport(t testing.TB, text string) casesimport.File {
	t.Helper()
	file, err := casesimport.ReadCSV(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return file
}

func sevenoaksCSV(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(sevenoaksFile)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestService_Import checks that a bad file is refused row by row, by line and column, with
// nothing written; that the admin may import the good rows alone; and that importing the same
// file twice adds nothing.
func TestImport(t *testing.T) {
	ctx := context.Background()
	good := sevenoaksCSV(t)
	lines := strings.Split(good, "\n")
	// Line 5 gets a date written in words, line 9 an unknown outcome.
	bad := append([]string(nil), lines...)
	bad[4] = strings.Replace(bad[4], "2017-04-03", "3rd April 2017", 1)
	bad[8] = strings.Replace(bad[8], ",invalid,", ",maybe,", 1)
	if bad[4] == lines[4] || bad[8] == lines[8] {
		t.Fatal("the test's edits did not apply: the acceptance file changed")
	}
	badFile := strings.Join(bad, "\n")

	count := func(t *testing.T, f *fixture) int {
		t.Helper()
		page, err := f.store.ListReceived(ctx, feedback.ReceivedQuery{From: time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Cases)
	}

	t.Run("a bad file is reported by line and column and nothing is written", func(t *testing.T) {
		f := sevenoaksFixture(t)
		res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, badFile), false)
		if err != nil {
			t.Fatal(err)
		}
		want := []casesimport.Problem{
			{Line: 5, Column: "received_date", Message: `"3rd April 2017" is not a date: write YYYY-MM-DD or DD/MM/YYYY, with a time of day if there is one (2019-03-31, 31/03/2019 23:30 or 2019-03-31T23:30:00+01:00).`},
			{Line: 9, Column: "stage1_outcome", Message: `"maybe" is not an outcome: write upheld, partly_upheld, not_upheld or invalid.`},
		}
		if diff := cmp.Diff(want, res.Problems); diff != "" || res.Written || res.Imported != 0 {
			t.Errorf("Import (-want +got):\n%s\n%+v", diff, res)
		}
		if n := count(t, f); n != 0 {
			t.Errorf("%d cases written from a bad file", n)
		}
	})
	t.Run("the good rows alone, when asked", func(t *testing.T) {
		f := sevenoaksFixture(t)
		res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, badFile), true)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Written || res.Imported != res.Rows-2 || res.Skipped != 2 || len(res.Problems) != 2 {
			t.Errorf("Import = %+v", res)
		}
	})
	t.Run("twice adds nothing, sends nothing", func(t *testing.T) {
		f := sevenoaksFixture(t)
		first, err := casesimport.Import(ctx, f.svc, ana, readImport(t, good), false)
		if err != nil {
			t.Fatal(err)
		}
		before := count(t, f)
		second, err := casesimport.Import(ctx, f.svc, ana, readImport(t, good), false)
		if err != nil {
			t.Fatal(err)
		}
		if first.Imported != 143 || second.Imported != 0 || second.AlreadyThere != 143 || count(t, f) != before || before != 143 {
			t.Errorf("first %+v, second %+v, cases %d then %d", first, second, before, count(t, f))
		}
		pending, err := f.store.ListPending(ctx)
		if err != nil || len(pending) != 0 {
			t.Errorf("ListPending = %d cases, %v: imported cases must have nothing to send", len(pending), err)
		}
		if n, err := f.svc.SweepReminders(ctx); err != nil || n != 0 {
			t.Errorf("SweepReminders sent %d, %v", n, err)
		}
		sent, err := f.outbox.List()
		if err != nil || len(sent) != 0 {
			t.Errorf("%d emails sent, %v", len(sent), err)
		}
		c, err := f.store.Get(ctx, "SDC-1718-010")
		if err != nil || c.ExpiresAt.IsZero() {
			t.Errorf("an imported closed case has no retention end: %v %v", c, err)
		}
	})
	t.Run("the file's shape", func(t *testing.T) {
		f := sevenoaksFixture(t)
		tests := []struct {
			name, file string
			want       []casesimport.Problem
		}{
			{"unknown column", "reference,kind,channel,received_date,colour\nA-1,comment,web,2019-01-02,red\n",
				[]casesimport.Problem{{Line: 1, Column: "colour", Message: `"colour" is not a column Intake knows. The columns are: ` + strings.Join(casesimport.Columns, ", ") + "."}}},
			{"missing column", "reference,kind,channel\nA-1,comment,web\n",
				[]casesimport.Problem{{Line: 1, Column: "received_date", Message: "The header must have this column."}}},
			{"statistics' retention over", "reference,kind,channel,received_date,closed_date\nA-1,comment,web,2008-01-02,2009-01-05\n",
				[]casesimport.Problem{{Line: 2, Column: "closed_date", Message: "This case's statistics were kept until 5 January 2019, so nothing of it may be kept: it is not imported."}}},
			{"unknown area", "reference,kind,channel,received_date,service_area\nA-1,comment,web,2019-01-02,Bins\n",
				[]casesimport.Problem{{Line: 2, Column: "service_area", Message: `"Bins" is not one of the council's service areas (` + strings.Join(sevenoaksAreas, ", ") + ")."}}},
			{"same reference twice", "reference,kind,channel,received_date\nA-1,comment,web,2019-01-02\nA-1,comment,web,2019-01-03\n",
				[]casesimport.Problem{{Line: 3, Column: "reference", Message: "A-1 is also on line 2: each case may appear once, or as a Stage 1 row followed by its Stage 2 row."}}},
			{"future date", "reference,kind,channel,received_date\nA-1,comment,web,2029-01-02\n",
				[]casesimport.Problem{{Line: 2, Column: "received_date", Message: "The date cannot be in the future."}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, tt.file), false)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, res.Problems); diff != "" || res.Written {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		if _, err := casesimport.Import(ctx, f.svc, bo, readImport(t, "reference,kind,channel,received_date\n"), false); feedback.ErrorCode(err) != feedback.EFORBIDDEN {
			t.Errorf("a manager's import: %v, want EFORBIDDEN", err)
		}
	})
}

// TestImport_Example imports the example file docs/api.md links to.
func TestImport_Example(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	f.svc.Routing.Areas = map[string]string{"planning": "planning@example.gov.uk", "housing": "housing@example.gov.uk"}
	b, err := os.ReadFile("../../testdata/import-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	res, err := casesimport.Import(context.Background(), f.svc, ana, readImport(t, string(b)), false)
	if err != nil || !res.Written || res.Imported != 4 {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	c, err := f.store.Get(context.Background(), "OLD-2025-0002")
	if err != nil {
		t.Fatal(err)
	}
	if c.Stage != feedback.Stage2 || c.Ombudsman.Decision != feedback.DecisionNotUpheld || c.Stages[1].Response.CompensationPence != 12000 ||
		!c.ExpiresAt.Equal(c.ClosedAt.AddDate(6, 0, 0)) || c.Stages[0].ExtendedBy != 5 {
		t.Errorf("imported case = %+v", c)
	}
}
