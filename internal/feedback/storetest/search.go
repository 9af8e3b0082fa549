package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
)

// searchService searches s as the complaints team, who see every case.
func searchService(s feedback.Store, clk *clock.Fixed) (*feedback.Service, feedback.StaffMember) {
	return &feedback.Service{Store: s, Clock: clk, Policy: feedback.Policy{ReferenceFormat: "FB-{year}-{seq:6}"}},
		feedback.StaffMember{Email: "complaints@example.gov.uk", Role: feedback.RoleAdmin}
}

// seedSearch stores the cases testSearch looks for: received an hour apart, 42 first.
func seedSearch(t *testing.T, s feedback.Store) {
	t.Helper()
	ctx := context.Background()
	zoe := NewCase("FB-2026-000042", Start)
	zoe.Contact = feedback.Contact{Name: "Zoë Brontë", Email: "Zoe.Bronte@Example.com", Phone: "07700 900123"}
	zoe.Subject, zoe.Message = "Overflowing recycling", "The recycling bin on Larkspur Road overflowed again."
	ada := NewCase("FB-2026-000043", Start.Add(time.Hour))
	ada.Channel, ada.Status, ada.Stage = feedback.ChannelSocial, feedback.StatusClosed, ""
	ada.ClosedAt, ada.ExpiresAt = Start.Add(2*time.Hour), Start.AddDate(2, 0, 0)
	ada.Contact = feedback.Contact{Handle: "x:ada_resident"}
	ada.Subject, ada.Message = "Potholes", "A pothole near the library."
	smith := NewCase("FB-2026-000044", Start.Add(2*time.Hour))
	smith.Contact = feedback.Contact{Name: "Zoe Smith", Email: "smith@example.org", Phone: "+44 1632 960002"}
	smith.Subject, smith.Message = "Noise on Larkspur Road", "Loud music every night."
	gone := NewCase("FB-2026-000045", Start.Add(3*time.Hour))
	gone.Status, gone.ClosedAt, gone.ExpiresAt = feedback.StatusClosed, Start.Add(-time.Hour), Start.Add(-time.Minute)
	gone.Contact.Name, gone.Subject = "Zoe Gone", "Larkspur Road"
	for _, c := range []*feedback.Case{zoe, ada, smith, gone} {
		if err := s.Create(ctx, c); err != nil {
			t.Fatalf("Create %s: %v", c.Ref, err)
		}
	}
}

func testSearch(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	seedSearch(t, s)
	svc, who := searchService(s, clk)
	ctx := context.Background()
	tests := []struct {
		q    string
		f    feedback.CaseQuery
		want []string
	}{
		{q: "FB-2026-000042", want: []string{"42"}},
		{q: "fb-2026-42", want: []string{"42"}},
		{q: "Fb-2026-0043", want: []string{"43"}},
		{q: "FB-2026-000099", want: []string{}},
		{q: "zoe.bronte@example.com", want: []string{"42"}},
		{q: " ZOE.BRONTE@EXAMPLE.COM ", want: []string{"42"}},
		{q: "07700 900123", want: []string{"42"}},
		{q: "+44 7700 900123", want: []string{"42"}},
		{q: "(07700) 900-123", want: []string{"42"}},
		{q: "+44 (0)7700 900123", want: []string{"42"}},
		{q: "01632 960002", want: []string{"44"}},
		{q: "@ada_resident", want: []string{"43"}},
		{q: "ADA_RESIDENT", want: []string{"43"}},
		{q: "x:@ada_resident", want: []string{"43"}},
		{q: "Zoe", want: []string{"44", "42"}},
		{q: "zoë BRONTË", want: []string{"42"}},
		{q: "Bronte", want: []string{"42"}},
		{q: "pothole library", want: []string{"43"}},
		{q: "the Larkspur road", want: []string{"44", "42"}},
		{q: "larkspur music", want: []string{"44"}},
		{q: "nothing matches", want: []string{}},
		{q: "Zoe", f: feedback.CaseQuery{Status: feedback.StatusClosed}, want: []string{}},
		{q: "pothole", f: feedback.CaseQuery{Status: feedback.StatusClosed}, want: []string{"43"}},
		{q: "larkspur", f: feedback.CaseQuery{Kind: feedback.KindComplaint, Channel: feedback.ChannelWeb}, want: []string{"44", "42"}},
		{q: "fb-2026-42", f: feedback.CaseQuery{Status: feedback.StatusClosed}, want: []string{}},
	}
	for _, tt := range tests {
		for _, limit := range []int{0, 1} {
			f := tt.f
			f.Limit = limit
			got := allPages(t, limit, "FB-2026-0000", func(cursor string) (feedback.CasePage, error) {
				f.Cursor = cursor
				return svc.Search(ctx, who, tt.q, f)
			})
			if got == nil {
				got = []string{}
			}
			if !cmp.Equal(got, tt.want) {
				t.Errorf("Search(%q, %+v) = %v; want %v", tt.q, tt.f, got, tt.want)
			}
		}
	}
	checkSearchMoves(t, s, svc, who)
}

// checkSearchMoves changes and purges a case and holds the search to what it is now.
func checkSearchMoves(t *testing.T, s feedback.Store, svc *feedback.Service, who feedback.StaffMember) {
	t.Helper()
	ctx := context.Background()
	find := func(q string) []string {
		t.Helper()
		page, err := svc.Search(ctx, who, q, feedback.CaseQuery{})
		if err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		return refsOf(page.Cases)
	}
	_, err := s.Update(ctx, "FB-2026-000042", func(c *feedback.Case) error {
		c.Contact.Email = "zoe@new.example"
		c.Messages = append(c.Messages, feedback.Correspondence{At: Start.Add(time.Hour), Channel: feedback.ChannelEmail, Text: "Now there is graffiti."})
		c.Status, c.ClosedAt, c.ExpiresAt = feedback.StatusClosed, Start.Add(time.Hour), Start.AddDate(1, 0, 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string][]string{
		"graffiti": {"FB-2026-000042"}, "zoe@new.example": {"FB-2026-000042"}, "zoe.bronte@example.com": {},
		"bronte": {"FB-2026-000042"},
	} {
		if got := find(q); !cmp.Equal(got, want) {
			t.Errorf("after Update, Search(%q) = %v; want %v", q, got, want)
		}
	}
	if err := s.Purge(ctx, "FB-2026-000042"); err != nil {
		t.Fatal(err)
	}
	if got := find("bronte"); len(got) != 0 {
		t.Errorf("after Purge, Search(bronte) = %v; want none", got)
	}
}
