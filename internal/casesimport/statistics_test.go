package casesimport_test

import (
	"context"
	"testing"
	"time"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/feedback"
)

// TestImport_PastRetention: a row past its retention end is not refused but kept as its
// anonymous statistical record, and the answer says so; importing it again adds nothing, and a
// row whose reference is a live case is not counted twice.
func TestImport_PastRetention(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Date(2019, 4, 8, 9, 0, 0, 0, time.UTC))
	file := "reference,kind,channel,service_area,received_date,stage_reached,stage1_outcome,stage1_response_date,stage1_compensation,lessons_learned,closed_date\n" +
		"OLD-1,complaint,web,planning,2016-05-02,stage1,upheld,2016-05-10,25.00,Answer the phone.,2016-05-12\n" + // ended May 2018
		"OLD-2,comment,letter,,2015-01-02,,,,,,2015-01-05\n" + // ended January 2016
		"NEW-1,complaint,email,planning,2018-05-02,stage1,not_upheld,2018-05-10,,,2018-05-12\n" + // ends May 2020
		"OLD-3,comment,web,,2008-01-02,,,,,,2009-01-05\n" // statistics ended January 2019
	res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, file), true)
	if err != nil {
		t.Fatal(err)
	}
	if res.Imported != 1 || res.StatisticsOnly != 2 || res.Refused != 1 || res.AlreadyThere != 0 || !res.Written {
		t.Errorf("Import = %+v; want 1 imported, 2 statistics only, 1 refused", res)
	}
	for ref, want := range map[string]string{"OLD-1": feedback.ENOTFOUND, "OLD-2": feedback.ENOTFOUND, "NEW-1": ""} {
		if _, err := f.store.Get(ctx, ref); feedback.ErrorCode(err) != want {
			t.Errorf("Get %s = %v; want %q", ref, err, want)
		}
	}
	stats, err := f.store.ListStatistics(ctx, time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(stats) != 2 {
		t.Fatalf("ListStatistics = %d records, %v; want 2", len(stats), err)
	}
	st := stats[1] // OLD-1, received later
	if st.Kind != feedback.KindComplaint || st.ServiceArea != "planning" || len(st.Stages) != 1 || st.Stages[0].Outcome != feedback.OutcomeUpheld ||
		st.Stages[0].CompensationPence != 2500 || st.Stages[0].WorkingDays != 6 || !st.KeepUntil.Equal(time.Date(2026, 5, 12, 0, 0, 0, 0, st.KeepUntil.Location())) {
		t.Errorf("OLD-1's record = %+v", st)
	}
	log, err := f.svc.Destructions(ctx, ana, time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(log) != 2 || log[0].Reason != feedback.ReasonImportedPastRetention {
		t.Errorf("destruction log = %+v, %v; want two lines, imported past retention", log, err)
	}

	again, err := casesimport.Import(ctx, f.svc, ana, readImport(t, file), true)
	if err != nil {
		t.Fatal(err)
	}
	if again.Imported != 0 || again.StatisticsOnly != 0 || again.AlreadyThere != 3 {
		t.Errorf("second Import = %+v; want the three rows already there", again)
	}
	if n, _ := f.store.ListStatistics(ctx, time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)); len(n) != 2 {
		t.Errorf("after the second import %d records; want 2", len(n))
	}

	// A live case imported again as if past retention (its closure back-dated) is not counted twice.
	back := "reference,kind,channel,received_date,closed_date\nNEW-1,comment,web,2015-01-02,2015-01-05\n"
	res, err = casesimport.Import(ctx, f.svc, ana, readImport(t, back), false)
	if err != nil || res.AlreadyThere != 1 || res.StatisticsOnly != 0 {
		t.Errorf("Import of a live reference past retention = %+v, %v; want it already there", res, err)
	}
}
