package feedback_test

import (
	"context"
	"fmt"
	"testing"
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
