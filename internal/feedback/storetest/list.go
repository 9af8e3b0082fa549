package storetest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
)

func refsOf(cs []*feedback.Case) []string {
	refs := []string{}
	for _, c := range cs {
		refs = append(refs, c.Ref)
	}
	return refs
}

// allPages reads a list from its first page, following each page's Next, and returns the
// references of all its cases with prefix cut off. A page of more than limit cases (when limit
// is set) fails the test, and so does paging that never ends.
func allPages(t *testing.T, limit int, prefix string, read func(cursor string) (feedback.CasePage, error)) []string {
	t.Helper()
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 20 {
			t.Fatalf("limit %d: paging never ends", limit)
		}
		page, err := read(cursor)
		if err != nil {
			t.Fatal(err)
		}
		if limit > 0 && len(page.Cases) > limit {
			t.Errorf("limit %d: a page of %d", limit, len(page.Cases))
		}
		for _, c := range page.Cases {
			got = append(got, strings.TrimPrefix(c.Ref, prefix))
		}
		if page.Next == "" {
			return got
		}
		cursor = page.Next
	}
}

func testListPending(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	done := NewCase("FB-2026-000001", Start)
	done.Effects = settled(Start)
	pending1 := NewCase("FB-2026-000002", Start.Add(time.Minute))
	pending2 := NewCase("FB-2026-000003", Start.Add(2*time.Minute))
	for _, c := range []*feedback.Case{done, pending2, pending1} {
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListPending(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, c := range got {
		refs = append(refs, c.Ref)
	}
	if diff := cmp.Diff([]string{"FB-2026-000002", "FB-2026-000003"}, refs); diff != "" {
		t.Errorf("ListPending (-want +got):\n%s", diff)
	}
	// Finishing a case's side effects takes it off the list.
	if _, err := s.Update(ctx, pending1.Ref, func(c *feedback.Case) error {
		c.Effects = settled(Start)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListPending(ctx)
	if len(got) != 1 || got[0].Ref != pending2.Ref {
		t.Errorf("after finishing %s, ListPending = %v; want only %s", pending1.Ref, got, pending2.Ref)
	}
}

func testListDue(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2027, 1, d, 0, 0, 0, 0, time.UTC) }
	mk := func(ref string, due time.Time, edit func(*feedback.Case)) {
		c := NewCase(ref, Start)
		c.RespondBy = due
		if edit != nil {
			edit(c)
		}
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	mk("FB-2026-000001", day(8), nil)
	mk("FB-2026-000002", day(6), nil)
	mk("FB-2026-000003", day(7), nil)
	mk("FB-2026-000004", day(5), func(c *feedback.Case) { c.Status = feedback.StatusClosed })
	mk("FB-2026-000005", time.Time{}, func(c *feedback.Case) { c.Kind = feedback.KindCompliment; c.Stage = feedback.StageNone })
	// Answered at Stage 1: due by the last day to ask for Stage 2, or (answered before that
	// was recorded) by the day of the response.
	answered := func(escalateBy time.Time) func(*feedback.Case) {
		return func(c *feedback.Case) {
			c.Stages = []feedback.StageRecord{{Stage: feedback.Stage1, OpenedAt: Start, RespondBy: day(7),
				Response: feedback.Response{Outcome: feedback.OutcomeNotUpheld, Summary: "No.", At: day(2).Add(10 * time.Hour)}}}
			c.EscalateBy = escalateBy
		}
	}
	mk("FB-2026-000006", time.Time{}, answered(day(3)))
	mk("FB-2026-000007", time.Time{}, answered(time.Time{}))
	mk("FB-2026-000008", time.Time{}, answered(day(20)))
	mk("FB-2026-000009", time.Time{}, func(c *feedback.Case) { answered(day(4))(c); c.Status = feedback.StatusClosed })
	got, err := s.ListDue(ctx, day(7))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FB-2026-000007", "FB-2026-000006", "FB-2026-000002", "FB-2026-000003"}, refsOf(got)); diff != "" {
		t.Errorf("ListDue(7 Jan) (-want +got):\n%s", diff)
	}
	if by := got[1].EscalateBy; !by.Equal(day(3)) {
		t.Errorf("ListDue(7 Jan)[1].EscalateBy = %v; want %v", by, day(3))
	}
	// Closing a case takes it out of the index.
	if _, err := s.Update(ctx, "FB-2026-000002", func(c *feedback.Case) error { c.Status = feedback.StatusClosed; return nil }); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListDue(ctx, day(31))
	if diff := cmp.Diff([]string{"FB-2026-000007", "FB-2026-000006", "FB-2026-000003", "FB-2026-000001", "FB-2026-000008"}, refsOf(got)); diff != "" {
		t.Errorf("ListDue after closing one (-want +got):\n%s", diff)
	}
}

func testListAssigned(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	for i, officer := range []string{"waste@council.example", "planning@council.example", "waste@council.example"} {
		c := NewCase(fmt.Sprintf("FB-2026-%06d", i+1), Start.Add(time.Duration(i)*time.Minute))
		c.AssignedTo = officer
		if err := s.Create(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ListAssigned(ctx, "waste@council.example")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FB-2026-000001", "FB-2026-000003"}, refsOf(got)); diff != "" {
		t.Errorf("ListAssigned (-want +got):\n%s", diff)
	}
	// Reassigning moves the case between officers.
	if _, err := s.Update(ctx, "FB-2026-000001", func(c *feedback.Case) error { c.AssignedTo = "planning@council.example"; return nil }); err != nil {
		t.Fatal(err)
	}
	got, _ = s.ListAssigned(ctx, "planning@council.example")
	if diff := cmp.Diff([]string{"FB-2026-000001", "FB-2026-000002"}, refsOf(got)); diff != "" {
		t.Errorf("ListAssigned after reassigning (-want +got):\n%s", diff)
	}
}

func testListCases(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	seedCaseList(t, s)
	checkCaseFilters(t, s)
	t.Run("pages", func(t *testing.T) {
		for _, limit := range []int{1, 2, 3, 5} {
			got := allPages(t, limit, "FB-2026-", func(cursor string) (feedback.CasePage, error) {
				return s.ListCases(context.Background(), feedback.CaseQuery{Limit: limit, Cursor: cursor})
			})
			if diff := cmp.Diff([]string{"000005", "000002", "000007", "000003", "000001"}, got); diff != "" {
				t.Errorf("limit %d: all pages together (-want +got):\n%s", limit, diff)
			}
		}
	})
	checkCaseListMoves(t, s, clk)
}

// listDay is a day of January 2027, the month the case list's cases are due in.
func listDay(d int) time.Time { return time.Date(2027, 1, d, 0, 0, 0, 0, time.UTC) }

// seedCaseList creates the cases testListCases lists: FB-2026-000001 to 000007.
func seedCaseList(t *testing.T, s feedback.Store) {
	t.Helper()
	mk := func(n int, edit func(*feedback.Case)) {
		c := NewCase(fmt.Sprintf("FB-2026-%06d", n), Start)
		edit(c)
		if err := s.Create(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	mk(1, func(c *feedback.Case) { c.RespondBy = listDay(8) })
	mk(2, func(c *feedback.Case) {
		c.RespondBy = listDay(6)
		c.AssignedTo = "planning@council.example"
		c.ServiceArea = "planning"
	})
	mk(3, func(c *feedback.Case) { c.RespondBy = listDay(7); c.Stage = feedback.Stage2 })
	mk(4, func(c *feedback.Case) { c.RespondBy = listDay(5); c.Status = feedback.StatusClosed })
	mk(5, func(c *feedback.Case) { // due to be acknowledged on 22 December: sorts first
		c.Kind, c.Stage, c.RespondBy, c.Channel = feedback.KindCompliment, feedback.StageNone, time.Time{}, feedback.ChannelPhone
	})
	mk(6, func(c *feedback.Case) {
		c.RespondBy = listDay(4)
		c.Status = feedback.StatusClosed
		c.ExpiresAt = Start.Add(time.Hour)
	})
	mk(7, func(c *feedback.Case) { c.RespondBy = listDay(6) })
}

// checkCaseFilters lists the seeded cases by each of the query's filters, one page each.
func checkCaseFilters(t *testing.T, s feedback.Store) {
	tests := []struct {
		name string
		q    feedback.CaseQuery
		want []string
	}{
		{"open by default, soonest due first", feedback.CaseQuery{}, []string{"000005", "000002", "000007", "000003", "000001"}},
		{"closed", feedback.CaseQuery{Status: feedback.StatusClosed}, []string{"000006", "000004"}},
		{"assigned to", feedback.CaseQuery{AssignedTo: "planning@council.example"}, []string{"000002"}},
		{"service area", feedback.CaseQuery{ServiceArea: "waste"}, []string{"000005", "000007", "000003", "000001"}},
		{"kind", feedback.CaseQuery{Kind: feedback.KindCompliment}, []string{"000005"}},
		{"stage", feedback.CaseQuery{Stage: feedback.Stage2}, []string{"000003"}},
		{"channel", feedback.CaseQuery{Channel: feedback.ChannelWeb}, []string{"000002", "000007", "000003", "000001"}},
		{"due before 7 January", feedback.CaseQuery{DueBefore: listDay(7)}, []string{"000002", "000007"}},
		{"filters together", feedback.CaseQuery{Stage: feedback.Stage1, ServiceArea: "waste", DueBefore: listDay(9)}, []string{"000007", "000001"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.ListCases(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range page.Cases {
				got = append(got, strings.TrimPrefix(c.Ref, "FB-2026-"))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || page.Next != "" {
				t.Errorf("ListCases (-want +got):\n%s (next %q)", diff, page.Next)
			}
		})
	}
}

// checkCaseListMoves moves two seeded cases (one's due date, one closed) and lets one expire:
// each moves in, or leaves, the list.
func checkCaseListMoves(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	if _, err := s.Update(ctx, "FB-2026-000001", func(c *feedback.Case) error { c.RespondBy = listDay(1); return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, "FB-2026-000002", func(c *feedback.Case) error { c.Status = feedback.StatusClosed; return nil }); err != nil {
		t.Fatal(err)
	}
	page, err := s.ListCases(ctx, feedback.CaseQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FB-2026-000005", "FB-2026-000001", "FB-2026-000007", "FB-2026-000003"}, refsOf(page.Cases)); diff != "" {
		t.Errorf("after moving two cases (-want +got):\n%s", diff)
	}
	// An expired case is never listed.
	clk.Advance(2 * time.Hour)
	page, err = s.ListCases(ctx, feedback.CaseQuery{Status: feedback.StatusClosed})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"FB-2026-000004", "FB-2026-000002"}, refsOf(page.Cases)); diff != "" {
		t.Errorf("closed cases after one expired (-want +got):\n%s", diff)
	}
}

func testListReceived(t *testing.T, s feedback.Store, clk *clock.Fixed) {
	ctx := context.Background()
	at := londonTime(t)
	seedReceived(t, s, at)
	list := func(t *testing.T, q feedback.ReceivedQuery) []string {
		t.Helper()
		return allPages(t, q.Limit, "FB-2019-", func(cursor string) (feedback.CasePage, error) {
			q.Cursor = cursor
			return s.ListReceived(ctx, q)
		})
	}
	y2019 := feedback.ReceivedQuery{From: at(2019, 4, 1, 0, 0), To: at(2020, 4, 1, 0, 0)}
	y2018 := feedback.ReceivedQuery{From: at(2018, 4, 1, 0, 0), To: at(2019, 4, 1, 0, 0)}
	tests := []struct {
		name string
		q    feedback.ReceivedQuery
		want []string
	}{
		{"a financial year in London time, expired left out", y2019, []string{"000002", "000003", "000004", "000006"}},
		{"the year before", y2018, []string{"000008", "000001"}},
		{"one page at a time", feedback.ReceivedQuery{From: y2019.From, To: y2019.To, Limit: 1}, []string{"000002", "000003", "000004", "000006"}},
		{"pages of three", feedback.ReceivedQuery{From: y2019.From, To: y2019.To, Limit: 3}, []string{"000002", "000003", "000004", "000006"}},
		{"nothing received", feedback.ReceivedQuery{From: at(2021, 1, 1, 0, 0), To: at(2021, 2, 1, 0, 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, list(t, tt.q)); diff != "" {
				t.Errorf("ListReceived (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a report's fields come back", func(t *testing.T) { checkReportFields(t, s, y2019) })
	t.Run("a received date that moves moves in the list", func(t *testing.T) {
		if _, err := s.Update(ctx, "FB-2019-000008", func(c *feedback.Case) error {
			c.ReceivedAt = at(2019, 7, 1, 9, 0)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"000002", "000003", "000004", "000008", "000006"}, list(t, y2019)); diff != "" {
			t.Errorf("after the move (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"000001"}, list(t, y2018)); diff != "" {
			t.Errorf("the year it left (-want +got):\n%s", diff)
		}
	})
}

// londonTime returns a maker of wall-clock times in London, where a financial year starts.
func londonTime(t *testing.T) func(y int, m time.Month, d, h, min int) time.Time {
	t.Helper()
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	return func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, london) }
}

// seedReceived creates the cases testListReceived lists: FB-2019-000001 to 000008, about the
// edges of the financial year 2019/20.
func seedReceived(t *testing.T, s feedback.Store, at func(y int, m time.Month, d, h, min int) time.Time) {
	t.Helper()
	mk := func(n int, received time.Time, edit func(*feedback.Case)) {
		c := NewCase(fmt.Sprintf("FB-2019-%06d", n), received)
		if edit != nil {
			edit(c)
		}
		if err := s.Create(context.Background(), c); err != nil {
			t.Fatal(err)
		}
	}
	mk(1, at(2019, 3, 31, 23, 59), nil)                   // the last minute of 2018/19
	mk(2, at(2019, 4, 1, 0, 30), func(c *feedback.Case) { // 31 March 23:30 UTC: 2019/20 in London
		c.Status, c.ClosedAt = feedback.StatusClosed, at(2019, 5, 1, 9, 0)
		c.ExpiresAt = at(2029, 5, 1, 9, 0)
		c.Stages = []feedback.StageRecord{{Stage: feedback.Stage1, OpenedAt: c.ReceivedAt, ExtendedBy: 5,
			Response: feedback.Response{Outcome: feedback.OutcomeUpheld, Lessons: "Write sooner.", CompensationPence: 99050, At: at(2019, 4, 20, 10, 0)}}}
		c.Ombudsman = feedback.OmbudsmanRecord{Which: feedback.OmbudsmanLGSCO, ReferredOn: at(2019, 6, 1, 0, 0), Decision: feedback.DecisionNotInvestigated}
	})
	mk(3, at(2019, 6, 15, 12, 0), nil)
	mk(4, at(2019, 6, 15, 12, 0), nil) // same instant: by reference
	mk(5, at(2019, 9, 1, 8, 0), func(c *feedback.Case) { c.ExpiresAt = Start.Add(-time.Hour) })
	mk(6, at(2020, 3, 31, 23, 59), nil)
	mk(7, at(2020, 4, 1, 0, 0), nil) // the first instant of 2020/21: outside
	mk(8, at(2018, 12, 25, 9, 0), nil)
}

// checkReportFields compares the first case ListReceived gives for q with the case as Get
// gives it, in the fields a report reads.
func checkReportFields(t *testing.T, s feedback.Store, q feedback.ReceivedQuery) {
	ctx := context.Background()
	q.Limit = 1
	page, err := s.ListReceived(ctx, q)
	if err != nil || len(page.Cases) != 1 {
		t.Fatalf("ListReceived = %d cases, %v", len(page.Cases), err)
	}
	want, err := s.Get(ctx, "FB-2019-000002")
	if err != nil {
		t.Fatal(err)
	}
	got := page.Cases[0]
	if diff := cmp.Diff(feedback.ReportFields(want), feedback.ReportFields(got), cmpCase...); diff != "" {
		t.Errorf("ListReceived's case differs from Get's in a report's fields (-get +list):\n%s", diff)
	}
}
