package boltstore

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

// searchBenchCases is how many cases BenchmarkStore_Search stores before it searches.
const searchBenchCases = 100_000

// BenchmarkStore_Search stores 100,000 cases in the embedded store (written straight into the
// file with their index entries, as Create writes them, a few thousand to a transaction) and
// measures one search through the service: by a telephone number written differently from how
// it was stored (one case), by a common first name (a page of 25 of about 1,000), and by two
// words of the messages (a page of the cases carrying both). The target is under 50 ms each.
func BenchmarkStore_Search(b *testing.B) {
	clk := clock.NewFixed(time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC))
	s, err := Open(b.TempDir(), clk)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	loadSearchCases(b, s)
	svc := &feedback.Service{Store: s, Clock: clk, Policy: feedback.Policy{ReferenceFormat: "FB-{year}-{seq:6}"}}
	who := feedback.StaffMember{Email: "complaints@example.gov.uk", Role: feedback.RoleAdmin}
	for _, bm := range []struct{ name, q string }{
		{"phone", "+44 (7700) 000-042"},
		{"name", "zoe"},
		{"words", "streetlight larkspur"},
		{"reference", "fb-2026-4242"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			found := 0
			for b.Loop() {
				page, err := svc.Search(context.Background(), who, bm.q, feedback.CaseQuery{})
				if err != nil {
					b.Fatal(err)
				}
				found = len(page.Cases)
			}
			if found == 0 {
				b.Fatalf("search %q found nothing", bm.q)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/search")
			b.ReportMetric(float64(found), "cases")
		})
	}
}

// loadSearchCases writes searchBenchCases cases, with names, phones and words drawn from small
// lists so that each search has something to find.
func loadSearchCases(b *testing.B, s *Store) {
	b.Helper()
	first := []string{"Zoë", "Ada", "Sam", "Priya", "Tom", "Mo", "Li", "Ewan", "Grace", "Omar"}
	last := []string{"Brontë", "Okafor", "Smith", "Patel", "Jones", "Nowak", "Evans", "Khan", "Murphy", "Ali"}
	words := []string{"bin", "missed", "streetlight", "pothole", "larkspur", "road", "noise", "parking", "planning", "housing",
		"repair", "damp", "fence", "tree", "graffiti", "flytipping", "council", "tax", "letter", "library", "school", "bus"}
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	const perTx = 5_000
	for start := 0; start < searchBenchCases; start += perTx {
		err := s.db.Update(func(tx *bolt.Tx) error {
			for i := start; i < start+perTx; i++ {
				c := feedback.Case{Ref: fmt.Sprintf("FB-2026-%06d", i+1), Kind: feedback.KindComplaint, Channel: feedback.ChannelWeb,
					Status: feedback.StatusOpen, ServiceArea: "planning", AssignedTo: "planning@example.gov.uk",
					ReceivedAt: at.Add(time.Duration(i) * time.Minute), CreatedAt: at, UpdatedAt: at, Version: 1,
					Contact: feedback.Contact{Name: first[i%10] + " " + last[(i/10)%10], Email: fmt.Sprintf("resident%d@example.com", i),
						Phone: fmt.Sprintf("07700 %06d", i)}}
				c.Subject = words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))]
				for range 40 {
					c.Message += words[rng.IntN(len(words))] + " "
				}
				v, err := json.Marshal(&c)
				if err != nil {
					return err
				}
				if err := tx.Bucket(bucketCases).Put([]byte(c.Ref), v); err != nil {
					return err
				}
				if err := moveIndexes(tx, nil, indexKeys(&c)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}
