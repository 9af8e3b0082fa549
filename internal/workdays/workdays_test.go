package workdays_test

import (
	"testing"
	"time"

	"github.com/council/intake/internal/workdays"
)

func london(t *testing.T) *time.Location {
	t.Helper()
	loc, err := workdays.London()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func date(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(workdays.DateLayout, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestCalendar_IsWorkingDay(t *testing.T) {
	loc := london(t)
	c := workdays.New(loc, date(t, "2022-09-19"))
	tests := []struct {
		day  string
		want bool
		why  string
	}{
		{"2026-12-21", true, "ordinary Monday"},
		{"2026-12-25", false, "Christmas Day, Friday"},
		{"2026-12-26", false, "Saturday"},
		{"2026-12-28", false, "Boxing Day substitute, Monday"},
		{"2026-12-29", true, "Tuesday after Boxing Day substitute"},
		{"2027-01-01", false, "New Year's Day, Friday"},
		{"2027-12-27", false, "Christmas Day (Saturday) substitute, Monday"},
		{"2027-12-28", false, "Boxing Day (Sunday) substitute, Tuesday"},
		{"2022-12-26", false, "Boxing Day, Monday, 2022"},
		{"2022-12-27", false, "Christmas Day (Sunday) substitute, Tuesday, 2022"},
		{"2022-01-03", false, "New Year's Day (Saturday) substitute, Monday"},
		{"2026-04-03", false, "Good Friday 2026"},
		{"2026-04-06", false, "Easter Monday 2026"},
		{"2026-04-07", true, "Tuesday after Easter"},
		{"2027-03-26", false, "Good Friday 2027"},
		{"2027-03-29", false, "Easter Monday 2027"},
		{"2026-05-04", false, "Early May bank holiday"},
		{"2026-05-25", false, "Spring bank holiday"},
		{"2026-08-31", false, "Summer bank holiday (England and Wales, not Scotland's first Monday)"},
		{"2026-08-03", true, "Scotland's summer holiday is a working day in England"},
		{"2022-09-19", false, "state funeral, a one-off holiday from configuration"},
		{"2023-05-08", false, "Coronation"},
		{"2026-11-22", false, "Sunday"},
	}
	for _, tt := range tests {
		t.Run(tt.day+" "+tt.why, func(t *testing.T) {
			if got := c.IsWorkingDay(date(t, tt.day)); got != tt.want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
}

func TestCalendar_AddWorkingDays(t *testing.T) {
	loc := london(t)
	c := workdays.New(loc)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	tests := []struct {
		name  string
		start time.Time
		n     int
		want  string
	}{
		{"across Christmas and New Year 2026", at("2026-12-21T10:00:00Z"), 10, "2027-01-07"},
		{"one day from Christmas Eve", at("2026-12-24T16:00:00Z"), 1, "2026-12-29"},
		{"across Easter 2026", at("2026-04-01T09:00:00Z"), 3, "2026-04-08"},
		{"from Good Friday", at("2026-04-03T09:00:00Z"), 1, "2026-04-07"},
		{"from a Saturday", at("2026-11-21T09:00:00Z"), 1, "2026-11-23"},
		{"across the 2027 substitute days", at("2027-12-24T09:00:00Z"), 1, "2027-12-29"},
		{"late evening BST is already the next day in London", at("2026-06-30T23:30:00Z"), 1, "2026-07-02"},
		{"zero from a working day is that day", at("2026-12-21T10:00:00Z"), 0, "2026-12-21"},
		{"zero from a holiday is the next working day", at("2026-12-25T10:00:00Z"), 0, "2026-12-29"},
		{"twenty days for Stage 2", at("2026-12-01T10:00:00Z"), 20, "2026-12-31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.AddWorkingDays(tt.start, tt.n).Format(workdays.DateLayout)
			if got != tt.want {
				t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tt.start, tt.n, got, tt.want)
			}
		})
	}
}

func TestCalendar_SubtractWorkingDays(t *testing.T) {
	c := workdays.New(london(t))
	tests := []struct {
		from string
		n    int
		want string
	}{
		{"2027-01-07", 2, "2027-01-05"},
		{"2027-01-05", 2, "2026-12-31"},
		{"2026-12-29", 1, "2026-12-24"},
	}
	for _, tt := range tests {
		t.Run(tt.from, func(t *testing.T) {
			got := c.SubtractWorkingDays(date(t, tt.from), tt.n).Format(workdays.DateLayout)
			if got != tt.want {
				t.Errorf("SubtractWorkingDays(%s, %d) = %s, want %s", tt.from, tt.n, got, tt.want)
			}
		})
	}
}

func TestCalendar_WorkingDaysBetween(t *testing.T) {
	c := workdays.New(london(t))
	tests := []struct {
		from, to string
		want     int
	}{
		{"2027-01-05", "2027-01-05", 0},
		{"2027-01-05", "2027-01-07", 2},
		{"2027-01-07", "2027-01-05", -2},
		{"2027-01-08", "2027-01-11", 1},  // over a weekend
		{"2026-12-24", "2026-12-29", 1},  // Christmas and Boxing Day (observed on the 28th)
		{"2026-12-29", "2026-12-24", -1}, // overdue over Christmas
		{"2027-01-09", "2027-01-10", 0},  // Saturday to Sunday
		{"2026-12-31", "2027-01-04", 1},  // New Year's Day
	}
	for _, tt := range tests {
		t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
			if got := c.WorkingDaysBetween(date(t, tt.from), date(t, tt.to)); got != tt.want {
				t.Errorf("WorkingDaysBetween(%s, %s) = %d, want %d", tt.from, tt.to, got, tt.want)
			}
		})
	}
}

func TestParseDates(t *testing.T) {
	got, err := workdays.ParseDates(" 2022-09-19, ,2023-05-08")
	if err != nil || len(got) != 2 {
		t.Fatalf("ParseDates = %v, %v; want two dates", got, err)
	}
	if _, err := workdays.ParseDates("19/09/2022"); err == nil {
		t.Error("ParseDates accepted 19/09/2022; want an error naming the form YYYY-MM-DD")
	}
}

// BenchmarkCalendar_AddWorkingDays measures the Stage 2 deadline (20 working days) across
// Christmas, the longest common count.
func BenchmarkCalendar_AddWorkingDays(b *testing.B) {
	loc, _ := workdays.London()
	c := workdays.New(loc)
	start := time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		c.AddWorkingDays(start, 20)
	}
}
