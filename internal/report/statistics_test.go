package report_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/report"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestAnnualReport_SevenoaksAtPaperDate imports the acceptance file on the day of Sevenoaks'
// paper (14 June 2019) with the default retention, when the 2017/18 complaints closed before
// mid-June 2017 are past their two years: those rows are kept as statistical records, and the
// report is the one TestAnnualReport_Sevenoaks checks figure by figure (imported in April, when
// every row was a live case).
func TestAnnualReport_SevenoaksAtPaperDate(t *testing.T) {
	ctx := context.Background()
	april := sevenoaksFixture(t)
	if _, err := casesimport.Import(ctx, april.svc, ana, readImport(t, sevenoaksCSV(t)), false); err != nil {
		t.Fatal(err)
	}
	want, err := report.Annual(ctx, april.svc, ana, 2018)
	if err != nil {
		t.Fatal(err)
	}

	june := sevenoaksFixture(t)
	june.clock.Set(time.Date(2019, 6, 14, 9, 0, 0, 0, time.UTC))
	res, err := casesimport.Import(ctx, june.svc, ana, readImport(t, sevenoaksCSV(t)), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) > 0 || !res.Written || res.StatisticsOnly == 0 || res.Imported+res.StatisticsOnly != res.Rows {
		t.Fatalf("Import on 14 June 2019 = %+v; want every row taken, some as statistics only", res)
	}
	got, err := report.Annual(ctx, june.svc, ana, 2018)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreUnexported(report.Table{})); diff != "" {
		t.Errorf("the report on 14 June 2019 (-April +June):\n%s", diff)
	}
	// The charts' figures are unexported: the pages drawn from both must be the same.
	var wantHTML, gotHTML bytes.Buffer
	if err := report.WriteHTML(&wantHTML, want, report.Page{}); err != nil {
		t.Fatal(err)
	}
	if err := report.WriteHTML(&gotHTML, got, report.Page{}); err != nil {
		t.Fatal(err)
	}
	if wantHTML.String() != gotHTML.String() {
		t.Errorf("the HTML report on 14 June 2019 differs from April's")
	}
}
