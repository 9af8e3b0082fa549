package boltstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/council/intake/internal/boltstore"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/sessiontest"
	"github.com/council/intake/internal/feedback/storetest"
	bolt "go.etcd.io/bbolt"
)

func open(t *testing.T, dir string, clk feedback.Clock) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStore_Conformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, clk feedback.Clock) feedback.Store { return open(t, t.TempDir(), clk) })
}

func TestStore_SurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := clock.NewFixed(storetest.Start)
	s, err := boltstore.Open(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, storetest.NewCase("FB-2026-000001", storetest.Start)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.NextSequence(ctx, "ref-2026"); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, dir, clk)
	if _, err := s.Get(ctx, "FB-2026-000001"); err != nil {
		t.Errorf("case lost across reopen: %v", err)
	}
	if n, _ := s.NextSequence(ctx, "ref-2026"); n != 2 {
		t.Errorf("sequence after reopen = %d, want 2 (a number once given is never reused)", n)
	}
}

func TestOpen_InUse(t *testing.T) {
	dir := t.TempDir()
	open(t, dir, clock.System{})
	if _, err := boltstore.Open(dir, clock.System{}); err == nil {
		t.Fatal("a second Open of the same directory succeeded; want an error saying it is in use")
	}
}

func TestStore_SessionsConformance(t *testing.T) {
	sessiontest.Run(t, func(t *testing.T, clk feedback.Clock) feedback.Sessions { return open(t, t.TempDir(), clk) })
}

// TestOpen_IndexesAnOlderFile opens a file written before the indexes existed: the lists find
// its cases, from the indexes built at Open.
func TestOpen_IndexesAnOlderFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := clock.NewFixed(storetest.Start)
	s, err := boltstore.Open(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	c := storetest.NewCase("FB-2026-000001", storetest.Start)
	c.RespondBy = storetest.Start.AddDate(0, 0, 14)
	if err := s.Create(ctx, c); err != nil {
		t.Fatal(err)
	}
	closed := storetest.NewCase("FB-2026-000002", storetest.Start)
	closed.Status, closed.ClosedAt, closed.ExpiresAt = feedback.StatusClosed, storetest.Start, storetest.Start.Add(time.Hour)
	closed.Effects = nil
	if err := s.Create(ctx, closed); err != nil {
		t.Fatal(err)
	}
	// Take the file back to how an older Intake left it: cases, and no indexes.
	err = s.DB().Update(func(tx *bolt.Tx) error {
		for _, b := range []string{"index-pending", "index-due", "index-assigned", "index-expiry", "meta"} {
			if err := tx.DeleteBucket([]byte(b)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, dir, clk)
	lists := map[string]func() ([]*feedback.Case, error){
		"ListPending":  func() ([]*feedback.Case, error) { return s.ListPending(ctx) },
		"ListDue":      func() ([]*feedback.Case, error) { return s.ListDue(ctx, c.RespondBy) },
		"ListAssigned": func() ([]*feedback.Case, error) { return s.ListAssigned(ctx, c.AssignedTo) },
		"ListExpired":  func() ([]*feedback.Case, error) { return s.ListExpired(ctx, closed.ExpiresAt, 0) },
	}
	want := map[string]string{"ListExpired": closed.Ref}
	for name, list := range lists {
		t.Run(name, func(t *testing.T) {
			got, err := list()
			if err != nil {
				t.Fatal(err)
			}
			ref := c.Ref
			if w, ok := want[name]; ok {
				ref = w
			}
			if len(got) != 1 || got[0].Ref != ref {
				t.Errorf("%s on a reopened older file = %d cases; want %s", name, len(got), ref)
			}
		})
	}
}

func TestStore_RestrictionsConformance(t *testing.T) {
	storetest.RunRestrictions(t, func(t *testing.T, clk feedback.Clock) feedback.RestrictionStore { return open(t, t.TempDir(), clk) })
}

func TestStore_MarkersConformance(t *testing.T) {
	storetest.RunMarkers(t, func(t *testing.T, clk feedback.Clock) feedback.MarkerStore { return open(t, t.TempDir(), clk) })
}

func TestStore_StatisticsConformance(t *testing.T) {
	storetest.RunStatistics(t, func(t *testing.T, clk feedback.Clock) storetest.StatisticsStore { return open(t, t.TempDir(), clk) })
}

// TestStore_CreateNumbered names new cases from the counter in the case's own transaction: the
// numbers follow on from NextSequence's and back, one refused for a used idempotency key is
// used up, and the counter survives a reopen.
func TestStore_CreateNumbered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := clock.NewFixed(storetest.Start)
	s, err := boltstore.Open(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	ref := func(n int64) string { return fmt.Sprintf("FB-2026-%06d", n) }
	create := func(s *boltstore.Store, key string) (string, error) {
		c := storetest.NewCase("", storetest.Start)
		c.IdempotencyKey = key
		err := s.CreateNumbered(ctx, "ref-2026", c, ref)
		return c.Ref, err
	}
	if got, err := create(s, "web:a"); err != nil || got != "FB-2026-000001" {
		t.Fatalf("first CreateNumbered = %s, %v; want FB-2026-000001", got, err)
	}
	if n, err := s.NextSequence(ctx, "ref-2026"); err != nil || n != 2 {
		t.Fatalf("NextSequence after it = %d, %v; want 2", n, err)
	}
	if got, err := create(s, "web:a"); feedback.ErrorCode(err) != feedback.ECONFLICT {
		t.Fatalf("CreateNumbered with a used key = %s, %v; want ECONFLICT", got, err)
	}
	if _, err := s.Get(ctx, "FB-2026-000003"); feedback.ErrorCode(err) != feedback.ENOTFOUND {
		t.Errorf("the refused case was stored: Get = %v", err)
	}
	if got, err := create(s, "web:b"); err != nil || got != "FB-2026-000004" {
		t.Fatalf("CreateNumbered after a refusal = %s, %v; want FB-2026-000004 (3 is used up)", got, err)
	}
	s.Close()

	s = open(t, dir, clk)
	if got, err := create(s, "web:c"); err != nil || got != "FB-2026-000005" {
		t.Errorf("CreateNumbered after reopen = %s, %v; want FB-2026-000005", got, err)
	}
	if c, err := s.Get(ctx, "FB-2026-000004"); err != nil || c.IdempotencyKey != "web:b" {
		t.Errorf("Get(FB-2026-000004) after reopen = %v, %v", c, err)
	}
}

// Cases arrive in the order of their times, so the received records and the indexes keyed by
// them only ever grow at their end; their pages must still be packed (appendFill), not left half
// empty by bbolt's default split, which doubles the pages and deepens the trees every commit
// rewrites.
func TestStore_AppendedBucketsArePacked(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir(), clock.NewFixed(storetest.Start))
	s.DB().NoSync = true // the layout of the pages is the point, not their durability
	for i := range 1000 {
		at := storetest.Start.Add(time.Duration(i) * time.Minute)
		if err := s.Create(ctx, storetest.NewCase(fmt.Sprintf("FB-2026-%06d", i+1), at)); err != nil {
			t.Fatal(err)
		}
	}
	pageSize := s.DB().Info().PageSize
	err := s.DB().View(func(tx *bolt.Tx) error {
		for _, name := range []string{"received", "index-pending", "index-due", "index-assigned"} {
			st := tx.Bucket([]byte(name)).Stats()
			if st.KeyN != 1000 {
				t.Errorf("%s holds %d keys, want 1000", name, st.KeyN)
				continue
			}
			pages := st.LeafPageN + st.LeafOverflowN
			if fill := float64(st.LeafInuse) / float64(pages*pageSize); fill < 0.8 {
				t.Errorf("%s: %d leaf pages %.0f%% full, want at least 80%%", name, pages, 100*fill)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestStore_ImportJobsConformance(t *testing.T) {
	storetest.RunImportJobs(t, func(t *testing.T, clk feedback.Clock) feedback.ImportJobStore { return open(t, t.TempDir(), clk) })
}
