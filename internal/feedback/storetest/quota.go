package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
)

func testTakeQuota(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	take := func(key, use string) bool {
		t.Helper()
		ok, err := s.TakeQuota(ctx, key, use, 3, 24*time.Hour)
		if err != nil {
			t.Fatalf("TakeQuota(%s, %s): %v", key, use, err)
		}
		return ok
	}
	steps := []struct {
		advance  time.Duration
		key, use string
		want     bool
	}{
		{0, "ack:a", "FB-1", true},
		{time.Hour, "ack:a", "FB-2", true},
		{0, "ack:a", "FB-1", true}, // the same use again is not a second use
		{time.Hour, "ack:a", "FB-3", true},
		{0, "ack:a", "FB-4", false},                         // the fourth within 24 hours
		{0, "ack:b", "FB-4", true},                          // another key has its own quota
		{0, "ack:a", "FB-2", true},                          // a use already recorded is still allowed
		{22*time.Hour + time.Minute, "ack:a", "FB-5", true}, // FB-1 is more than 24 hours old
		{0, "ack:a", "FB-6", false},
	}
	for i, st := range steps {
		clk.Advance(st.advance)
		if got := take(st.key, st.use); got != st.want {
			t.Errorf("step %d: TakeQuota(%s, %s) = %v, want %v", i+1, st.key, st.use, got, st.want)
		}
	}
}

func testTakeQuotaConcurrent(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ok, err := s.TakeQuota(ctx, "ack:c", fmt.Sprintf("FB-%d", i), 3, 24*time.Hour)
			if err != nil {
				t.Errorf("TakeQuota %d: %v", i, err)
			}
			if ok {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		}(i)
	}
	wg.Wait()
	if allowed != 3 {
		t.Errorf("%d of 8 concurrent uses were allowed; the limit is 3", allowed)
	}
}
