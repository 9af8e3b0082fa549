package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/storetest"
)

// TestStore_ListReceived_ReadUnits_Moto reads a month of cases, each carrying a long message and
// history, through the month index and checks the read units it cost against the items read:
// the index's projection leaves the bulk behind, so the units are well under one per item (the
// issue's bound is 1.1 × the items).
func TestStore_ListReceived_ReadUnits_Moto(t *testing.T) {
	db := motoClient(t)
	ctx := context.Background()
	clk := clock.NewFixed(storetest.Start)
	s := dynamo.New(noScan{API: db, t: t, pages: new(atomic.Int64)}, motoTable(t, db), clk)
	var units float64
	var items, pages int
	dynamo.OnReadUnits(s, func(u float64, n int) { units += u; items += n; pages++ })
	const n = 60
	start := time.Date(2018, 6, 1, 9, 0, 0, 0, time.UTC)
	for i := range n {
		c := storetest.NewCase(fmt.Sprintf("FB-2018-%06d", i+1), start.Add(time.Duration(i)*time.Hour))
		c.Message = strings.Repeat("The bin was missed again and nobody called back. ", 60) // about 3 KB
		for j := range 10 {
			c.Record(c.ReceivedAt, "officer@council.example", "note", fmt.Sprintf("Called the resident, attempt %d.", j), "")
		}
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	q := feedback.ReceivedQuery{From: start, To: start.AddDate(0, 1, 0), Limit: 1000}
	page, err := s.ListReceived(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != n || items != n {
		t.Fatalf("ListReceived = %d cases (%d items reported), want %d", len(page.Cases), items, n)
	}
	if units == 0 {
		t.Skip("SKIPPING: this DynamoDB reports no consumed capacity, so the read units cannot be checked")
	}
	t.Logf("read units for %d cases: %.1f (%.3f per item) over %d pages", items, units, units/float64(items), pages)
	if units > 1.1*float64(items) {
		t.Errorf("read units %.1f exceed 1.1 × %d items", units, items)
	}
}
