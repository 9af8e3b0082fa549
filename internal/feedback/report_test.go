package feedback_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
)

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

func readImport(t testing.TB, text string) feedback.ImportFile {
	t.Helper()
	file, err := feedback.ReadImportCSV(strings.NewReader(text))
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
func cells(t *testing.T, r *feedback.AnnualReport, id string) map[string][]string {
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

// TestAnnualReport_Sevenoaks imports seed 002's own figures for 2017/18 and 2018/19 and checks
// every number and percentage in the paper's tables for 2018/19.
func TestAnnualReport_Sevenoaks(t *testing.T) {
	ctx := context.Background()
	f := sevenoaksFixture(t)
	res, err := f.svc.Import(ctx, ana, readImport(t, sevenoaksCSV(t)), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 || !res.Written || res.Imported != res.Rows {
		t.Fatalf("Import = %+v", res)
	}
	rep, err := f.svc.AnnualReportFor(ctx, ana, 2018)
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
		if got := feedback.Percent(52, 72); got != "72.2" {
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
		want := map[string][]string{"Stage 1": {"990.50", "0"}, "Stage 2": {"0", "0"}, "LGO": {"0", "0"}, "Total": {"990.50", "0"}}
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

// TestService_Import checks that a bad file is refused row by row, by line and column, with
// nothing written; that the admin may import the good rows alone; and that importing the same
// file twice adds nothing.
func TestService_Import(t *testing.T) {
	ctx := context.Background()
	good := sevenoaksCSV(t)
	lines := strings.Split(good, "\n")
	// Line 5 gets a date in the wrong format, line 9 an unknown outcome.
	bad := append([]string(nil), lines...)
	bad[4] = strings.Replace(bad[4], "2017-04-03", "03/04/2017", 1)
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
		res, err := f.svc.Import(ctx, ana, readImport(t, badFile), false)
		if err != nil {
			t.Fatal(err)
		}
		want := []feedback.ImportProblem{
			{Line: 5, Column: "received_date", Message: `"03/04/2017" is not a date written as YYYY-MM-DD (for example 2019-03-31).`},
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
		res, err := f.svc.Import(ctx, ana, readImport(t, badFile), true)
		if err != nil {
			t.Fatal(err)
		}
		if !res.Written || res.Imported != res.Rows-2 || res.Skipped != 2 || len(res.Problems) != 2 {
			t.Errorf("Import = %+v", res)
		}
	})
	t.Run("twice adds nothing, sends nothing", func(t *testing.T) {
		f := sevenoaksFixture(t)
		first, err := f.svc.Import(ctx, ana, readImport(t, good), false)
		if err != nil {
			t.Fatal(err)
		}
		before := count(t, f)
		second, err := f.svc.Import(ctx, ana, readImport(t, good), false)
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
			want       []feedback.ImportProblem
		}{
			{"unknown column", "reference,kind,channel,received_date,colour\nA-1,comment,web,2019-01-02,red\n",
				[]feedback.ImportProblem{{Line: 1, Column: "colour", Message: `"colour" is not a column Intake knows. The columns are: ` + strings.Join(feedback.ImportColumns, ", ") + "."}}},
			{"missing column", "reference,kind,channel\nA-1,comment,web\n",
				[]feedback.ImportProblem{{Line: 1, Column: "received_date", Message: "The header must have this column."}}},
			{"retention over", "reference,kind,channel,received_date,closed_date\nA-1,comment,web,2015-01-02,2015-01-05\n",
				[]feedback.ImportProblem{{Line: 2, Column: "closed_date", Message: "This case's retention period ended on 5 January 2016, so it must not be kept: it is not imported."}}},
			{"unknown area", "reference,kind,channel,received_date,service_area\nA-1,comment,web,2019-01-02,Bins\n",
				[]feedback.ImportProblem{{Line: 2, Column: "service_area", Message: `"Bins" is not one of the council's service areas (` + strings.Join(sevenoaksAreas, ", ") + ")."}}},
			{"same reference twice", "reference,kind,channel,received_date\nA-1,comment,web,2019-01-02\nA-1,comment,web,2019-01-03\n",
				[]feedback.ImportProblem{{Line: 3, Column: "reference", Message: "A-1 is also on line 2: each case may appear once."}}},
			{"future date", "reference,kind,channel,received_date\nA-1,comment,web,2029-01-02\n",
				[]feedback.ImportProblem{{Line: 2, Column: "received_date", Message: "The date cannot be in the future."}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := f.svc.Import(ctx, ana, readImport(t, tt.file), false)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, res.Problems); diff != "" || res.Written {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		if _, err := f.svc.Import(ctx, bo, readImport(t, "reference,kind,channel,received_date\n"), false); feedback.ErrorCode(err) != feedback.EFORBIDDEN {
			t.Errorf("a manager's import: %v, want EFORBIDDEN", err)
		}
	})
}

// TestService_AnnualReportFor checks who may see the report and that a manager sees their areas.
func TestService_AnnualReportFor(t *testing.T) {
	ctx := context.Background()
	f := sevenoaksFixture(t)
	if _, err := f.svc.Import(ctx, ana, readImport(t, sevenoaksCSV(t)), false); err != nil {
		t.Fatal(err)
	}
	parking := feedback.StaffMember{Email: "pm@sevenoaks.example.gov.uk", Role: feedback.RoleManager, Areas: []string{"Parking Services"}}
	rep, err := f.svc.AnnualReportFor(ctx, parking, 2018)
	if err != nil {
		t.Fatal(err)
	}
	got := cells(t, rep, "stage1_by_area")
	if diff := cmp.Diff(map[string][]string{"Parking Services": {"7", "100", "12", "100"}, "Total": {"7", "100", "12", "100"}}, got); diff != "" {
		t.Errorf("a manager's Stage 1 table (-want +got):\n%s", diff)
	}
	for _, who := range []feedback.StaffMember{cy, mo} {
		if _, err := f.svc.AnnualReportFor(ctx, who, 2018); feedback.ErrorCode(err) != feedback.EFORBIDDEN {
			t.Errorf("%s: %v, want EFORBIDDEN", who.Role, err)
		}
	}
	if _, err := f.svc.AnnualReportFor(ctx, ana, 2031); feedback.ErrorCode(err) != feedback.EINVALID {
		t.Errorf("a year not yet begun: %v, want EINVALID", err)
	}
}

// TestService_Import_Example imports the example file docs/api.md links to.
func TestService_Import_Example(t *testing.T) {
	f := newFixture(t, time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC))
	f.svc.Routing.Areas = map[string]string{"planning": "planning@example.gov.uk", "housing": "housing@example.gov.uk"}
	b, err := os.ReadFile("../../testdata/import-example.csv")
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.svc.Import(context.Background(), ana, readImport(t, string(b)), false)
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

// TestAnnualReport_LiveCases follows a complaint through the lifecycle (received, responded to
// late, escalated) and finds it in the right rows of the report for 2026/27.
func TestAnnualReport_LiveCases(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	c := f.submitted(t) // received on 21 December 2026, Stage 1 due 7 January 2027
	f.clock.Set(time.Date(2027, 1, 12, 10, 0, 0, 0, time.UTC))
	if _, err := f.svc.Respond(ctx, cy, c.Ref, feedback.Response{Outcome: feedback.OutcomeNotUpheld,
		Summary: "We found no fault.", Lessons: "Answer sooner.", CompensationPence: 2500, SentBy: feedback.SentByEmail}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Escalate(ctx, cy, c.Ref, di.Email, "The resident is unhappy."); err != nil {
		t.Fatal(err)
	}
	rep, err := f.svc.AnnualReportFor(ctx, ana, 2026)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		table, row string
		want       []string
	}{
		{"received_by_stage", "Stage 1", []string{"0", "1"}},
		{"received_by_stage", "Stage 2", []string{"0", "1"}},
		{"stage1_by_area", "planning", []string{"0", "0", "1", "100"}},
		{"stage2_by_area", "planning", []string{"0", "0", "1", "100"}},
		{"stage1_outcomes", "Complaint not upheld", []string{"0", "1"}},
		{"stage2_outcomes", "Awaiting a response", []string{"0", "1"}},
		{"stage1_timeliness", "Late", []string{"0", "0", "1", "100"}},
		{"stage1_timeliness", "Median working days to respond", []string{"-", "", "13", ""}},
		{"stage2_timeliness", "Awaiting a response", []string{"0", "", "1", ""}},
		{"stage1_outcomes", "Total", []string{"0", "1"}},
		{"acknowledged", "Within target", []string{"0", "0", "1", "100"}},
		{"complaints_by_channel", "Web form", []string{"0", "0", "1", "100"}},
		{"compensation", "Stage 1", []string{"0", "25.00"}},
		{"lessons", "planning", []string{"1", "Answer sooner."}},
	}
	for _, tt := range tests {
		t.Run(tt.table+"/"+tt.row, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, cells(t, rep, tt.table)[tt.row]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
