package report_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/boltstore"
	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/outbox"
	"github.com/council/intake/internal/report"
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
	return &fixture{svc: stack.Service, clock: stack.Clock, store: stack.Store, outbox: stack.Outbox}
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
// (while the 2017/18 cases are still within their two years' retention), configured as a
// council would: each area with a key and its display name in INTAKE_ROUTING, and its report
// listing every area, zeros included, as the paper's appendices do.
func sevenoaksFixture(t testing.TB) *fixture {
	t.Helper()
	f := newFixture(t, time.Date(2019, 4, 8, 9, 0, 0, 0, time.UTC))
	var entries []string
	for _, a := range sevenoaksAreas {
		entries = append(entries, areaKey(a)+"=complaints@sevenoaks.example.gov.uk;"+a)
	}
	cfg, err := config.Load(config.Map(map[string]string{"INTAKE_ROUTING": strings.Join(entries, ","),
		"INTAKE_TRIAGE_MAILBOX": "complaints@sevenoaks.example.gov.uk", "INTAKE_REPORT_EMPTY_AREAS": "show"}))
	if err != nil {
		t.Fatal(err)
	}
	if f.svc.Routing, err = cfg.RoutingTable(); err != nil {
		t.Fatal(err)
	}
	f.svc.Council.ReportEmptyAreas = cfg.Council().ReportEmptyAreas
	return f
}

// areaKey is the key a council might give an area: "Communities & Business" is
// communities-business.
func areaKey(name string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return r == ' ' || r == '&' }), "-")
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

// cells returns a table's rows as label -> cells, the total row under "Total".
func cells(t *testing.T, r *report.AnnualReport, id string) map[string][]string {
	t.Helper()
	tab, ok := r.Table(id)
	if !ok {
		t.Fatalf("the report has no table %q", id)
	}
	out := map[string][]string{}
	for _, row := range tab.Rows {
		out[row.Label] = row.Cells
	}
	if tab.Total != nil {
		out["Total"] = tab.Total.Cells
	}
	return out
}

// submitted stores a complaint about planning and carries out its side effects.
func submitted(t *testing.T, f *fixture) *feedback.Case {
	t.Helper()
	c, _, err := f.svc.Submit(context.Background(), feedback.Submission{Kind: "complaint", Name: "Ada Resident", Email: "Ada@Example.com",
		ServiceArea: "planning", Message: "The planning portal lost my objection.", Channel: feedback.ChannelWeb})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Process(context.Background(), c.Ref); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAnnualReport_Sevenoaks imports seed 002's own figures for 2017/18 and 2018/19 and checks
// every number and percentage in the paper's tables for 2018/19.
func TestAnnualReport_Sevenoaks(t *testing.T) {
	ctx := context.Background()
	f := sevenoaksFixture(t)
	res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, sevenoaksCSV(t)), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 || !res.Written || res.Imported != res.Rows {
		t.Fatalf("Import = %+v", res)
	}
	rep, err := report.Annual(ctx, f.svc, ana, 2018)
	if err != nil {
		t.Fatal(err)
	}
	if rep.This != "2018/19" || rep.Previous != "2017/18" {
		t.Errorf("years = %s beside %s", rep.This, rep.Previous)
	}

	t.Run("complaints received at each stage (paras 4, 5, 14, 16)", func(t *testing.T) {
		got := cells(t, rep, "received_by_stage")
		// The 2017/18 Ombudsman figure is not in the paper (only "81, an increase of 5"
		// implies six); the file has no 2017/18 referrals, so last year's total is 70.
		want := map[string][]string{"Stage 1": {"68", "72"}, "Stage 2": {"2", "3"}, "Ombudsman": {"0", "6"}, "Total": {"70", "81"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-paper +report):\n%s", diff)
		}
	})

	t.Run("Appendix A: Stage 1 complaints by service area", func(t *testing.T) {
		got := cells(t, rep, "stage1_by_area")
		// The paper's rows: 2017/18 count and %, 2018/19 count and %.
		paper := map[string][]string{
			"Audit": {"0", "0", "0", "0"}, "Benefits": {"11", "16", "8", "11.1"}, "Building Control": {"0", "0", "0", "0"},
			"Communications": {"0", "0", "0", "0"}, "Communities & Business": {"3", "4.5", "0", "0"},
			"Customer Services": {"0", "0", "0", "0"}, "Democratic Services": {"0", "0", "0", "0"},
			"Development Services": {"18", "26.5", "17", "23.7"}, "Direct Services": {"10", "14.7", "6", "8.3"},
			"Electoral Services": {"0", "0", "0", "0"}, "Environmental Health": {"3", "4.5", "6", "8.3"},
			"Facilities Management": {"0", "0", "1", "1.4"}, "Housing Advice": {"4", "5.8", "10", "13.9"},
			"IT Services": {"1", "1.5", "0", "0"}, "Land Charges": {"0", "0", "1", "1.4"}, "Legal": {"0", "0", "0", "0"},
			"Licensing": {"1", "1.5", "0", "0"}, "Local Tax": {"9", "13.2", "11", "15.2"},
			"Parking Services": {"7", "10.3", "12", "16.7"}, "Planning Policy": {"0", "0", "0", "0"}, "Print": {"0", "0", "0", "0"},
			"Private Sector Housing": {"1", "1.5", "0", "0"}, "Property": {"0", "0", "0", "0"},
			"Total": {"68", "100", "72", "100"},
		}
		// Six of the paper's percentages are not its counts' shares to one decimal place:
		// 11/68 is 16.18%, 3/68 4.41%, 4/68 5.88%, 17/72 23.61%, 11/72 15.28%. The report
		// prints the arithmetic; each such cell is within 0.2 of the paper's.
		corrected := map[string][2]string{ // area and column -> paper, report
			"Benefits/1": {"16", "16.2"}, "Communities & Business/1": {"4.5", "4.4"},
			"Environmental Health/1": {"4.5", "4.4"}, "Housing Advice/1": {"5.8", "5.9"},
			"Development Services/3": {"23.7", "23.6"}, "Local Tax/3": {"15.2", "15.3"},
		}
		for area, want := range paper {
			want = append([]string(nil), want...)
			for col := range want {
				if c, ok := corrected[area+"/"+string(rune('0'+col))]; ok {
					want[col] = c[1]
				}
			}
			if diff := cmp.Diff(want, got[area]); diff != "" {
				t.Errorf("%s (-paper +report):\n%s", area, diff)
			}
		}
		for _, extra := range []string{"Housing Standards", "Revenues"} { // Appendices B and C's areas
			if diff := cmp.Diff([]string{"0", "0", "0", "0"}, got[extra]); diff != "" {
				t.Errorf("%s (-want +report):\n%s", extra, diff)
			}
		}
		if len(got) != len(sevenoaksAreas)+1 {
			t.Errorf("%d rows, want every one of the %d areas and the total", len(got), len(sevenoaksAreas))
		}
	})

	t.Run("Appendix B: Stage 2 complaints by service area", func(t *testing.T) {
		got := cells(t, rep, "stage2_by_area")
		want := map[string][]string{"Total": {"2", "100", "3", "100"}}
		for _, a := range sevenoaksAreas {
			want[a] = []string{"0", "0", "0", "0"}
		}
		want["Environmental Health"] = []string{"1", "50", "0", "0"}
		want["Parking Services"] = []string{"1", "50", "0", "0"}
		want["Benefits"] = []string{"0", "0", "1", "33.3"}
		want["Communities & Business"] = []string{"0", "0", "1", "33.3"}
		want["Housing Advice"] = []string{"0", "0", "1", "33.3"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-paper +report):\n%s", diff)
		}
	})

	t.Run("outcomes at Stage 1 and Stage 2 (paras 8 and 15)", func(t *testing.T) {
		for _, tt := range []struct {
			id   string
			want map[string][]string
		}{
			{"stage1_outcomes", map[string][]string{"Complaint invalid": {"39", "52"}, "Complaint upheld": {"29", "20"}, "Total": {"68", "72"}}},
			{"stage2_outcomes", map[string][]string{"Complaint invalid": {"1", "2"}, "Complaint upheld": {"1", "1"}, "Total": {"2", "3"}}},
		} {
			got := cells(t, rep, tt.id)
			for _, zero := range []string{"Complaint partly upheld", "Complaint not upheld", "Awaiting a response"} {
				tt.want[zero] = []string{"0", "0"}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-paper +report):\n%s", tt.id, diff)
			}
		}
		// Para 7: "72% were found to be invalid".
		if got := report.Percent(52, 72); got != "72.2" {
			t.Errorf("share invalid = %s%%", got)
		}
	})

	t.Run("Appendix C: Ombudsman complaints by service area", func(t *testing.T) {
		got := cells(t, rep, "ombudsman_by_area")
		want := map[string]string{"Development Services": "1", "Housing Advice": "1", "Environmental Health": "1",
			"Legal": "1", "Revenues": "2", "Total": "6"}
		for _, a := range append(sevenoaksAreas, "Total") {
			if w := want[a]; got[a][2] != w && (w != "" || got[a][2] != "0") {
				t.Errorf("%s: 2018/19 = %s, paper %s", a, got[a][2], w)
			}
		}
	})

	t.Run("Ombudsman decisions by decision and service area (para 16)", func(t *testing.T) {
		tab, _ := rep.Table("ombudsman_decisions")
		var got [][]string
		for _, r := range tab.Rows {
			got = append(got, append([]string{r.Label}, r.Cells...))
		}
		closed := "Closed after initial enquiries - no further action"
		// The paper calls the Development Services complaint of Appendix C "Planning" here.
		want := [][]string{{closed, "Development Services", "1"}, {closed, "Legal", "1"}, {closed, "Revenues", "2"}}
		if diff := cmp.Diff(want, got); diff != "" || tab.Total.Cells[1] != "4" {
			t.Errorf("(-paper +report):\n%s total %v", diff, tab.Total.Cells)
		}
	})

	t.Run("compensation paid (£)", func(t *testing.T) {
		want := map[string][]string{"Stage 1": {"990.50", "0"}, "Stage 2": {"0", "0"}, "Ombudsman": {"0", "0"}, "Total": {"990.50", "0"}}
		if diff := cmp.Diff(want, cells(t, rep, "compensation")); diff != "" {
			t.Errorf("(-paper +report):\n%s", diff)
		}
	})

	t.Run("lessons learned: 15 occasions (para 11)", func(t *testing.T) {
		if got := cells(t, rep, "lessons")["Total"][0]; got != "15" {
			t.Errorf("lessons = %s, paper 15", got)
		}
	})

	t.Run("the Code's figures", func(t *testing.T) {
		ack := cells(t, rep, "acknowledged")
		if diff := cmp.Diff([]string{"68", "100", "72", "100"}, ack["Within target"]); diff != "" {
			t.Errorf("acknowledged within target (-want +got):\n%s", diff)
		}
		st1 := cells(t, rep, "stage1_timeliness")
		want := map[string][]string{
			"Within timescale":    {"68", "100", "63", "87.5"},
			"Within an extension": {"0", "0", "6", "8.3"},
			"Late":                {"0", "0", "3", "4.2"},
			"Total":               {"68", "100", "72", "100"},
			"Extensions used":     {"0", "", "6", ""},
			"Awaiting a response": {"0", "", "0", ""},
		}
		for k, w := range want {
			if diff := cmp.Diff(w, st1[k]); diff != "" {
				t.Errorf("Stage 1 %s (-want +got):\n%s", k, diff)
			}
		}
		ch := cells(t, rep, "complaints_by_channel")
		if ch["Total"][2] != "72" {
			t.Errorf("complaints by channel total = %v", ch["Total"])
		}
	})
}

// TestService_AnnualReportFor checks who may see the report and that a manager sees their areas.
func TestAnnual(t *testing.T) {
	ctx := context.Background()
	f := sevenoaksFixture(t)
	if _, err := casesimport.Import(ctx, f.svc, ana, readImport(t, sevenoaksCSV(t)), false); err != nil {
		t.Fatal(err)
	}
	parking := feedback.StaffMember{Email: "pm@sevenoaks.example.gov.uk", Role: feedback.RoleManager, Areas: []string{"parking-services"}}
	rep, err := report.Annual(ctx, f.svc, parking, 2018)
	if err != nil {
		t.Fatal(err)
	}
	got := cells(t, rep, "stage1_by_area")
	if diff := cmp.Diff(map[string][]string{"Parking Services": {"7", "100", "12", "100"}, "Total": {"7", "100", "12", "100"}}, got); diff != "" {
		t.Errorf("a manager's Stage 1 table (-want +got):\n%s", diff)
	}
	if rep.Scope != "the service areas Parking Services" {
		t.Errorf("a manager's scope = %q", rep.Scope)
	}
	// By default, an area with nothing to report in either year is left out.
	f.svc.Council.ReportEmptyAreas = false
	if rep, err = report.Annual(ctx, f.svc, ana, 2018); err != nil {
		t.Fatal(err)
	}
	var areas []string
	for label := range cells(t, rep, "stage2_by_area") {
		areas = append(areas, label)
	}
	slices.Sort(areas)
	if diff := cmp.Diff([]string{"Benefits", "Communities & Business", "Environmental Health", "Housing Advice", "Parking Services", "Total"}, areas); diff != "" {
		t.Errorf("Stage 2 by area, empty areas left out (-want +got):\n%s", diff)
	}
	if got := cells(t, rep, "lessons"); len(got) >= len(sevenoaksAreas) {
		t.Errorf("lessons list %d rows: every area, not only those with lessons", len(got))
	}
	for _, who := range []feedback.StaffMember{cy, mo} {
		if _, err := report.Annual(ctx, f.svc, who, 2018); feedback.ErrorCode(err) != feedback.EFORBIDDEN {
			t.Errorf("%s: %v, want EFORBIDDEN", who.Role, err)
		}
	}
	if _, err := report.Annual(ctx, f.svc, ana, 2031); feedback.ErrorCode(err) != feedback.EINVALID {
		t.Errorf("a year not yet begun: %v, want EINVALID", err)
	}
}

// TestAnnualReport_LiveCases follows a complaint through the lifecycle (received, responded to
// late, escalated) and finds it in the right rows of the report for 2026/27.
func TestAnnualReport_LiveCases(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC))
	c := submitted(t, f) // received on 21 December 2026, Stage 1 due 7 January 2027
	f.clock.Set(time.Date(2027, 1, 12, 10, 0, 0, 0, time.UTC))
	if _, err := f.svc.Respond(ctx, cy, c.Ref, feedback.Response{Outcome: feedback.OutcomeNotUpheld,
		Summary: "We found no fault.", Lessons: "Answer sooner.", CompensationPence: 2500, SentBy: feedback.SentByEmail}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Escalate(ctx, cy, c.Ref, di.Email, "The resident is unhappy."); err != nil {
		t.Fatal(err)
	}
	rep, err := report.Annual(ctx, f.svc, ana, 2026)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		table, row string
		want       []string
	}{
		{"received_by_stage", "Stage 1", []string{"0", "1"}},
		{"received_by_stage", "Stage 2", []string{"0", "1"}},
		{"stage1_by_area", "Planning", []string{"0", "0", "1", "100"}},
		{"stage2_by_area", "Planning", []string{"0", "0", "1", "100"}},
		{"stage1_outcomes", "Complaint not upheld", []string{"0", "1"}},
		{"stage2_outcomes", "Awaiting a response", []string{"0", "1"}},
		{"stage1_timeliness", "Late", []string{"0", "0", "1", "100"}},
		{"stage1_timeliness", "Median working days to respond", []string{"-", "", "13", ""}},
		{"stage2_timeliness", "Awaiting a response", []string{"0", "", "1", ""}},
		{"stage1_outcomes", "Total", []string{"0", "1"}},
		{"acknowledged", "Within target", []string{"0", "0", "1", "100"}},
		{"complaints_by_channel", "Web form", []string{"0", "0", "1", "100"}},
		{"compensation", "Stage 1", []string{"0", "25.00"}},
		{"lessons", "Planning", []string{"1", "Answer sooner."}},
	}
	for _, tt := range tests {
		t.Run(tt.table+"/"+tt.row, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, cells(t, rep, tt.table)[tt.row]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnnualReport_Restrictions(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC))
	london, _ := time.LoadLocation("Europe/London")
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, london) }
	f.clock.Set(day(2026, 5, 1).Add(10 * time.Hour))
	a, err := f.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{"pat@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictWrittenOnly}, Reason: "r", DecidedOn: day(2026, 5, 1)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.Restrict(ctx, ana, feedback.NewRestriction{Contacts: []string{"sam@example.com"}, Types: []feedback.RestrictionType{feedback.RestrictWitness}, Reason: "r", DecidedOn: day(2026, 4, 10)})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(day(2026, 10, 20).Add(10 * time.Hour)) // a's review is due by 1 November: on time
	if _, err := f.svc.ReviewRestriction(ctx, ana, a.ID, "continue", "still needed", nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(day(2026, 11, 15).Add(10 * time.Hour)) // b's was due by 10 October: late, and lifted
	if _, err := f.svc.ReviewRestriction(ctx, ana, b.ID, "lift", "no longer needed", nil); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(day(2027, 4, 5).Add(10 * time.Hour))
	r, err := report.Annual(ctx, f.svc, ana, 2026)
	if err != nil {
		t.Fatal(err)
	}
	tbl, ok := r.Table("restrictions")
	if !ok {
		t.Fatal("the complaints team's report has no restrictions table")
	}
	want := map[string]string{"In force at the end of the year": "1", "Made": "2", "Lifted": "1", "Reviews done": "2", "Reviews done by their date": "1"}
	for _, row := range tbl.Rows {
		if row.Cells[1] != want[row.Label] || row.Cells[0] != "0" {
			t.Errorf("%s: %v; want 0 last year and %s this year", row.Label, row.Cells, want[row.Label])
		}
	}
	if mr, err := report.Annual(ctx, f.svc, bo, 2026); err != nil {
		t.Fatal(err)
	} else if _, ok := mr.Table("restrictions"); ok {
		t.Error("a manager's report shows the restrictions register")
	}
}

// BenchmarkService_AnnualReport measures the annual report of a year of 20,000 cases (and
// 20,000 the year before, and 20,000 the year before that, which it also reads) in the
// embedded store: the read through ListReceived and the tables. It prints the time per report.
func BenchmarkAnnual(b *testing.B) {
	f := sevenoaksFixture(b)
	ctx := context.Background()
	header := strings.Join(casesimport.Columns, ",") + "\n"
	outcomes := []string{"upheld", "invalid", "not_upheld", "partly_upheld"}
	perYear := benchCasesPerYear()
	for _, year := range []int{2016, 2017, 2018} {
		var sb strings.Builder
		sb.WriteString(header)
		start := time.Date(year, 4, 3, 0, 0, 0, 0, time.UTC)
		for i := range perYear {
			rec := start.AddDate(0, 0, i*360/perYear)
			row := make([]string, len(casesimport.Columns))
			set := func(col, v string) { row[slices.Index(casesimport.Columns, col)] = v }
			set("reference", fmt.Sprintf("B-%d-%05d", year, i))
			set("kind", []string{"complaint", "complaint", "complaint", "compliment", "comment"}[i%5])
			set("channel", []string{"web", "email", "phone", "letter", "social"}[i%5])
			set("service_area", sevenoaksAreas[i%len(sevenoaksAreas)])
			set("received_date", rec.Format(time.DateOnly))
			set("acknowledged_date", rec.AddDate(0, 0, 1).Format(time.DateOnly))
			if i%5 < 3 {
				set("stage_reached", "stage1")
				set("stage1_outcome", outcomes[i%4])
				set("stage1_response_date", rec.AddDate(0, 0, 9).Format(time.DateOnly))
				set("lessons_learned", "Tell people sooner.")
			}
			if year == 2016 {
				set("closed_date", "") // open: 2016/17 closures would be past their retention
			}
			sb.WriteString(strings.Join(row, ",") + "\n")
		}
		res, err := casesimport.Import(ctx, f.svc, ana, readImport(b, sb.String()), false)
		if err != nil || !res.Written || res.Imported != perYear {
			b.Fatalf("import %d: %+v %v", year, res.Problems[:min(3, len(res.Problems))], err)
		}
	}
	b.ResetTimer()
	var rep *report.AnnualReport
	for b.Loop() {
		var err error
		if rep, err = report.Annual(ctx, f.svc, ana, 2018); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	got := cells2(rep, "received_by_stage")
	if want := strconv.Itoa(perYear * 3 / 5); got != want {
		b.Fatalf("Stage 1 2018/19 = %s, want %s", got, want)
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
}

func cells2(rep *report.AnnualReport, id string) string {
	t, _ := rep.Table(id)
	return t.Rows[0].Cells[1]
}

// benchCasesPerYear is 20,000 unless INTAKE_BENCH_CASES says otherwise (for profiling).
func benchCasesPerYear() int {
	if n, err := strconv.Atoi(os.Getenv("INTAKE_BENCH_CASES")); err == nil && n > 0 {
		return n
	}
	return 20000
}

// TestAnnualReport_SummaryAndCharts: the words at the top of the report say what the tables
// do; charts cover three years where the data has them; counts and medians never share a chart.
func TestAnnualReport_SummaryAndCharts(t *testing.T) {
	ctx := context.Background()
	f := sevenoaksFixture(t)
	if _, err := casesimport.Import(ctx, f.svc, ana, readImport(t, sevenoaksCSV(t)), false); err != nil {
		t.Fatal(err)
	}
	rep, err := report.Annual(ctx, f.svc, ana, 2018)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"The council received 81 complaints in 2018/19 at all stages, against 70 in 2017/18.",
		"Stage 1 complaints rose by 4 to 72; 20 were upheld and 52 were found invalid.",
		"Stage 2 complaints rose by 1 to 3; 1 was upheld and 2 were found invalid.",
		"87.5% of Stage 1 responses were sent within the timescale and 8.3% within an extension; the median response took 8 working days.",
		"Complaints referred to the Ombudsman rose from none to 6; the Ombudsman decided 4 in the year.",
		"No compensation was paid, against £990.50 in 2017/18.",
		"Lessons were learned from complaints on 15 occasions.",
	}
	if diff := cmp.Diff(want, rep.Summary); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	byStage, _ := rep.Table("received_by_stage")
	if len(byStage.Charts) != 1 {
		t.Fatalf("received_by_stage has %d charts", len(byStage.Charts))
	}
	c := byStage.Charts[0]
	// The file's three 2016/17 complaints went to the Ombudsman in 2018/19: 2016/17 has data.
	if diff := cmp.Diff([]string{"2016/17", "2017/18", "2018/19"}, c.Years); diff != "" {
		t.Errorf("chart years (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(report.ChartGroup{Label: "Stage 1", Values: []string{"3", "68", "72"}}, c.Groups[0]); diff != "" {
		t.Errorf("Stage 1 across years (-want +got):\n%s", diff)
	}
	for _, tab := range rep.Tables {
		for _, ch := range tab.Charts {
			for _, g := range ch.Groups {
				median := strings.HasPrefix(g.Label, "Median")
				if median != (ch.Unit == "working days") || len(g.Values) != len(ch.Years) {
					t.Errorf("%s: chart %q (%s) draws %q over %v", tab.ID, ch.Title, ch.Unit, g.Label, ch.Years)
				}
			}
		}
	}
	st1, _ := rep.Table("stage1_timeliness")
	if len(st1.Charts) != 2 || st1.Charts[1].Unit != "working days" {
		t.Errorf("Stage 1 timeliness charts = %+v; want counts and medians apart", st1.Charts)
	}
}

// TestAnnual_DefaultYear: with no year asked for, the report is the last complete financial
// year that has cases, not an empty one.
func TestAnnual_DefaultYear(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Date(2019, 4, 8, 9, 0, 0, 0, time.UTC))
	file := "reference,kind,channel,service_area,received_date\nD-1,compliment,web,planning,2017-06-01\n"
	if res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, file), false); err != nil || res.Imported != 1 {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	for _, tt := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2020, 6, 1, 9, 0, 0, 0, time.UTC), "2017/18"}, // 2019/20 and 2018/19 have nothing
		{time.Date(2018, 4, 2, 9, 0, 0, 0, time.UTC), "2017/18"},
		{time.Date(2018, 3, 30, 9, 0, 0, 0, time.UTC), "2016/17"}, // 2017/18 has not ended: nothing earlier, so the last complete year
	} {
		f.clock.Set(tt.now)
		rep, err := report.Annual(ctx, f.svc, ana, 0)
		if err != nil || rep.This != tt.want {
			t.Errorf("at %s: the report is for %v (%v), want %s", tt.now.Format(time.DateOnly), rep.This, err, tt.want)
		}
	}
}
