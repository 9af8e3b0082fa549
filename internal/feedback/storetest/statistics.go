package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// StatisticsStore is what the statistics suite needs of a store: the records, and the
// destruction log they are written with.
type StatisticsStore interface {
	feedback.StatisticsStore
	ListDestructions(ctx context.Context, from, to time.Time) ([]feedback.Destruction, error)
}

// NewStatisticsStore returns a fresh, empty store that reads time from clk.
type NewStatisticsStore func(t *testing.T, clk feedback.Clock) StatisticsStore

// RunStatistics runs the conformance suite for feedback.StatisticsStore.
func RunStatistics(t *testing.T, newStore NewStatisticsStore) {
	for _, tt := range []struct {
		name string
		test func(t *testing.T, s StatisticsStore, clk *clock.Fixed)
	}{
		{"KeepStatistic_Once", testKeepStatisticOnce},
		{"ListStatistics", testListStatistics},
		{"ListStatistics_Retention", testStatisticsRetention},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clk := clock.NewFixed(Start)
			tt.test(t, newStore(t, clk), clk)
		})
	}
}

var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		panic(err)
	}
	return loc
}()

// civil is a day at midnight in Europe/London, as statistical records hold their dates.
func civil(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, london) }

// NewStatistic returns a complaint's full record, every field set, received on the day.
func NewStatistic(id string, received time.Time) feedback.Statistic {
	return feedback.Statistic{ID: id, Kind: feedback.KindComplaint, Channel: feedback.ChannelEmail, ServiceArea: "planning",
		ReceivedOn: received, AcknowledgeBy: received.AddDate(0, 0, 1), AcknowledgedOn: received, ClosedOn: received.AddDate(0, 3, 0),
		Stages: []feedback.StatisticStage{
			{Stage: feedback.Stage1, OpenedOn: received, RespondBy: received.AddDate(0, 0, 14), ExtendedBy: 5,
				RespondedOn: received.AddDate(0, 0, 20), Outcome: feedback.OutcomePartlyUpheld, CompensationPence: 5000,
				Lessons: "Check the file before replying.", WorkingDays: 14},
			{Stage: feedback.Stage2, OpenedOn: received.AddDate(0, 1, 0), RespondBy: received.AddDate(0, 2, 0)},
		},
		Ombudsman: feedback.StatisticOmbudsman{Which: feedback.OmbudsmanLGSCO, ReferredOn: received.AddDate(0, 2, 0),
			Decision: feedback.DecisionSettled, DecidedOn: received.AddDate(0, 3, 0), CompensationPence: 25000},
		KeepUntil: received.AddDate(10, 3, 0)}
}

var cmpStatistics = cmp.Options{cmpopts.EquateApproxTime(0), cmpopts.EquateEmpty()}

func destructionOf(ref string, expired time.Time) feedback.Destruction {
	return feedback.Destruction{Ref: ref, Kind: feedback.KindComplaint, Channel: feedback.ChannelEmail, ReceivedAt: expired.AddDate(-2, -1, 0),
		ExpiredAt: expired, DestroyedAt: expired, Reason: feedback.ReasonRetentionEnded, KeepUntil: expired.AddDate(6, 0, 0)}
}

// testKeepStatisticOnce: the record is written with its destruction log line, and a second
// try for the same reference (a retried destruction, with a freshly minted id) writes nothing.
func testKeepStatisticOnce(t *testing.T, s StatisticsStore, clk *clock.Fixed) {
	ctx := context.Background()
	received := civil(2026, 6, 1)
	d := destructionOf("FB-2026-000001", Start)
	first := NewStatistic("a1", received)
	for i, st := range []feedback.Statistic{first, NewStatistic("b2", received), NewStatistic("c3", received)} {
		kept, err := s.KeepStatistic(ctx, d, st)
		if err != nil || kept != (i == 0) {
			t.Fatalf("KeepStatistic (try %d) = %v, %v; want %v", i+1, kept, err, i == 0)
		}
	}
	got, err := s.ListStatistics(ctx, civil(2026, 4, 1), civil(2027, 4, 1))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]feedback.Statistic{first}, got, cmpStatistics); diff != "" {
		t.Errorf("ListStatistics after three tries (-want +got):\n%s", diff)
	}
	log, err := s.ListDestructions(ctx, Start, Start.Add(time.Second))
	if err != nil || len(log) != 1 || log[0].Ref != d.Ref {
		t.Errorf("ListDestructions = %+v, %v; want the one line for %s", log, err, d.Ref)
	}
	// Another case's destruction is another record.
	if kept, err := s.KeepStatistic(ctx, destructionOf("FB-2026-000002", Start), NewStatistic("d4", received)); !kept || err != nil {
		t.Errorf("KeepStatistic for another case = %v, %v; want true", kept, err)
	}
}

// testListStatistics: by day received, from inclusive, to exclusive, across months and years,
// with the days at a London midnight in summer time (the previous day in UTC).
func testListStatistics(t *testing.T, s StatisticsStore, clk *clock.Fixed) {
	ctx := context.Background()
	days := []time.Time{civil(2026, 3, 31), civil(2026, 4, 1), civil(2026, 4, 1), civil(2026, 11, 30), civil(2027, 1, 15), civil(2027, 4, 1)}
	var all []feedback.Statistic
	for i, day := range days {
		st := NewStatistic(fmt.Sprintf("id%02d", len(days)-i), day) // ids sort against the order written
		if i%2 == 1 {
			st.Stages, st.Ombudsman, st.ClosedOn, st.AcknowledgedOn = nil, feedback.StatisticOmbudsman{}, time.Time{}, time.Time{}
			st.Kind, st.ServiceArea, st.Channel = feedback.KindCompliment, "", feedback.ChannelWeb
		}
		if _, err := s.KeepStatistic(ctx, destructionOf(fmt.Sprintf("FB-2026-%06d", i+1), Start), st); err != nil {
			t.Fatal(err)
		}
		all = append(all, st)
	}
	all[1], all[2] = all[2], all[1] // the same day: by id
	tests := []struct {
		name     string
		from, to time.Time
		want     []feedback.Statistic
	}{
		{"a financial year", civil(2026, 4, 1), civil(2027, 4, 1), all[1:5]},
		{"one day", civil(2026, 4, 1), civil(2026, 4, 2), all[1:3]},
		{"everything", civil(2020, 1, 1), civil(2030, 1, 1), all},
		{"none", civil(2025, 1, 1), civil(2026, 1, 1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListStatistics(ctx, tt.from, tt.to)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmpStatistics); diff != "" {
				t.Errorf("ListStatistics (-want +got):\n%s", diff)
			}
		})
	}
}

// testStatisticsRetention: a record past its own retention end is never listed.
func testStatisticsRetention(t *testing.T, s StatisticsStore, clk *clock.Fixed) {
	ctx := context.Background()
	short, long := NewStatistic("short", civil(2026, 6, 1)), NewStatistic("long", civil(2026, 6, 2))
	short.KeepUntil = Start.Add(time.Hour)
	for i, st := range []feedback.Statistic{short, long} {
		if _, err := s.KeepStatistic(ctx, destructionOf(fmt.Sprintf("FB-2026-%06d", i+1), Start), st); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(2 * time.Hour)
	got, err := s.ListStatistics(ctx, civil(2026, 1, 1), civil(2027, 1, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != "long" {
		t.Errorf("ListStatistics after one record's retention = %+v; want only the other", got)
	}
}
