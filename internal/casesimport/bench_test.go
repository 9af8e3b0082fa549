package casesimport_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// bigFile is the acceptance file's rows repeated to n data rows, each copy's references made
// unique ("SDC-1718-001-7"): a file the size of the largest import.
func bigFile(t testing.TB, n int) []byte {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(sevenoaksCSV(t)), "\n")
	var b bytes.Buffer
	b.WriteString(lines[0] + "\n")
	for i := 0; i < n; i++ {
		line := lines[1+i%(len(lines)-1)]
		ref, rest, _ := strings.Cut(line, ",")
		fmt.Fprintf(&b, "%s-%d,%s\n", ref, i/(len(lines)-1), rest)
	}
	return b.Bytes()
}

// benchImport imports a file of rows rows through the runner (read from blobs, checked,
// written workers chunks at once, progress recorded on the job) into svc's store, b.N times,
// each into a fresh store from fresh, and reports rows/s.
func benchImport(b *testing.B, rows, workers int, fresh func(b *testing.B) (*feedback.Service, feedback.ImportJobStore, feedback.Blobs)) {
	ctx := context.Background()
	file := bigFile(b, rows)
	var total time.Duration
	for b.Loop() {
		b.StopTimer()
		svc, jobs, blobs := fresh(b)
		j, err := casesimport.Start(ctx, svc, jobs, ana, "", false)
		if err != nil {
			b.Fatal(err)
		}
		if err := blobs.Put(ctx, j.File, file, "text/csv"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		if err := (&casesimport.Runner{Service: svc, Jobs: jobs, Files: blobs, Workers: workers}).Run(ctx, j.ID); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		b.StopTimer()
		if got, _ := jobs.GetImportJob(ctx, j.ID); got.State != feedback.ImportDone || got.Done != rows {
			b.Fatalf("job %s done %d of %d: %s", got.State, got.Done, rows, got.Failure)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(rows*b.N)/total.Seconds(), "rows/s")
}

// BenchmarkImport_Embedded: 50,000 rows into the embedded store (bbolt), as the local runner
// imports them.
func BenchmarkImport_Embedded(b *testing.B) {
	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("rows=50000/workers=%d", workers), func(b *testing.B) {
			benchImport(b, 50000, workers, func(b *testing.B) (*feedback.Service, feedback.ImportJobStore, feedback.Blobs) {
				f := sevenoaksFixture(b)
				return f.svc, f.store, f.blobs
			})
		})
	}
}

// BenchmarkImport_Moto: rows into DynamoDB on moto_server, one TransactWriteItems per case as in
// AWS. moto answers one request at a time, so this measures the work per row and how workers
// overlap the round trips, not DynamoDB's own speed (see docs/performance.md).
func BenchmarkImport_Moto(b *testing.B) {
	url := mototest.Endpoint(b)
	db := dynamodb.NewFromConfig(mototest.Config(), func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
	n := 0
	for _, workers := range []int{1, 8} {
		b.Run(fmt.Sprintf("rows=200/workers=%d", workers), func(b *testing.B) {
			benchImport(b, 200, workers, func(b *testing.B) (*feedback.Service, feedback.ImportJobStore, feedback.Blobs) {
				f := sevenoaksFixture(b)
				n++
				table := fmt.Sprintf("bench-import-%d-%d", time.Now().UnixNano(), n)
				if err := dynamo.CreateTable(context.Background(), db, table); err != nil {
					b.Fatal(err)
				}
				svc := *f.svc
				store := dynamo.New(db, table, f.svc.Clock)
				svc.Store, svc.Log = store, slog.New(slog.DiscardHandler)
				return &svc, store, f.blobs
			})
		})
	}
}
