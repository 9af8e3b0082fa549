package mailparse_test

import (
	"bytes"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/mailparse"
)

// BenchmarkParse_1MB and BenchmarkParse_40MB parse a message of that size (a short text and one
// base64 attachment). Besides ns/op they report two memory figures as multiples of the message
// size:
//
//   - alloc-x-msg-size: bytes allocated per parse (runtime.MemStats.TotalAlloc) ÷ message size.
//     Exact, but it counts garbage collected during the parse too, so it overstates the peak.
//   - peak-heap-x-msg-size: the highest live heap seen above the heap before the parse, sampled
//     every 100µs from runtime/metrics, ÷ message size. It includes Parse's own copy of the input
//     and the decoded attachment it returns; being sampled, it can miss a short spike, so it is a
//     lower bound on the true peak.
//
// The attachment limit is raised to 30 MB so that the 40 MB message's attachment (29 MB decoded)
// is kept and the whole path is measured.
func BenchmarkParse_1MB(b *testing.B)  { benchmarkParse(b, 1<<20) }
func BenchmarkParse_40MB(b *testing.B) { benchmarkParse(b, 40<<20-4096) }

func benchmarkParse(b *testing.B, size int) {
	msg := withAttachment(size)
	b.SetBytes(int64(len(msg)))
	var before, after runtime.MemStats
	var peak, allocated uint64
	runs := 0
	limits := mailparse.Limits{MaxAttachmentBytes: 30 << 20}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		base := liveHeap()
		stop := sampleHeap(&peak, base)
		runtime.ReadMemStats(&before)
		b.StartTimer()

		m, err := mailparse.Parse(bytes.NewReader(msg), limits)

		b.StopTimer()
		runtime.ReadMemStats(&after)
		stop()
		if err != nil || len(m.Attachments) != 1 || len(m.Problems) > 0 {
			b.Fatalf("Parse: %v, %d attachments, problems %q", err, len(m.Attachments), m.Problems)
		}
		allocated += after.TotalAlloc - before.TotalAlloc
		runs++
		b.StartTimer()
	}
	b.ReportMetric(float64(allocated)/float64(runs)/float64(len(msg)), "alloc-x-msg-size")
	b.ReportMetric(float64(peak)/float64(len(msg)), "peak-heap-x-msg-size")
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap records in peak the largest live heap above base until stop is called.
func sampleHeap(peak *uint64, base uint64) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Microsecond)
		defer t.Stop()
		for {
			if h := liveHeap(); h > base && h-base > *peak {
				*peak = h - base
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}
