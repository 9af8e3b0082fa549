package feedback_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// BenchmarkService_Submit measures validating and storing one complaint in the embedded store
// (one bbolt transaction for the reference, one for the case and its key).
func BenchmarkService_Submit(b *testing.B) {
	f := newFixture(b, monday)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		s := complaint()
		s.IdempotencyKey = fmt.Sprintf("web:%d", i)
		i++
		if _, _, err := f.svc.Submit(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkService_Process measures the side effects of one complaint: two emails into the
// outbox, three reminders and three stamps on the case.
func BenchmarkService_Process(b *testing.B) {
	f := newFixture(b, monday)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		c, _, err := f.svc.Submit(ctx, complaint())
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := f.svc.Process(ctx, c.Ref); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkService_AnnualReport measures the annual report of a year of 20,000 cases (and
// 20,000 the year before, and 20,000 the year before that, which it also reads) in the
// embedded store: the read through ListReceived and the tables. It prints the time per report.
func BenchmarkService_AnnualReport(b *testing.B) {
	f := sevenoaksFixture(b)
	ctx := context.Background()
	header := strings.Join(feedback.ImportColumns, ",") + "\n"
	outcomes := []string{"upheld", "invalid", "not_upheld", "partly_upheld"}
	perYear := benchCasesPerYear()
	for _, year := range []int{2016, 2017, 2018} {
		var sb strings.Builder
		sb.WriteString(header)
		start := time.Date(year, 4, 3, 0, 0, 0, 0, time.UTC)
		for i := range perYear {
			rec := start.AddDate(0, 0, i*360/perYear)
			row := make([]string, len(feedback.ImportColumns))
			set := func(col, v string) { row[slices.Index(feedback.ImportColumns, col)] = v }
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
		res, err := f.svc.Import(ctx, ana, readImport(b, sb.String()), false)
		if err != nil || !res.Written || res.Imported != perYear {
			b.Fatalf("import %d: %+v %v", year, res.Problems[:min(3, len(res.Problems))], err)
		}
	}
	b.ResetTimer()
	var rep *feedback.AnnualReport
	for b.Loop() {
		var err error
		if rep, err = f.svc.AnnualReportFor(ctx, ana, 2018); err != nil {
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

func cells2(rep *feedback.AnnualReport, id string) string {
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
