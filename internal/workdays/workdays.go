// Package workdays owns the working-day calendar: Monday to Friday in Europe/London, less the
// England and Wales bank holidays (with their substitute days) and any one-off holidays the
// council adds by configuration, such as a state funeral.
package workdays

import (
	"fmt"
	"sort"
	"strings"
	"time"
	// Embedded so that Europe/London never depends on the zone files of the machine or the
	// Lambda runtime image.
	_ "time/tzdata"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/gb"
)

// DateLayout is the layout of a calendar date in settings and responses.
const DateLayout = "2006-01-02"

// Calendar answers working-day questions. Dates are civil dates in the calendar's location:
// a time.Time passed in is first converted to that location, so 23:30 UTC on a summer evening
// counts as the next day in London.
type Calendar struct {
	loc   *time.Location
	bank  *cal.Calendar
	extra map[string]bool
}

// New returns a calendar for England and Wales in loc, with the extra one-off holidays given.
func New(loc *time.Location, extra ...time.Time) *Calendar {
	c := &Calendar{loc: loc, bank: &cal.Calendar{}, extra: map[string]bool{}}
	c.bank.AddHoliday(gb.NewYear, gb.GoodFriday, gb.EasterMonday, gb.EarlyMay, gb.VEDay,
		gb.CoronationDay, gb.SpringHoliday, gb.SpringHoliday2022, gb.PlatinumJubilee,
		gb.SummerHoliday, gb.ChristmasDay, gb.BoxingDay)
	for _, d := range extra {
		c.extra[d.Format(DateLayout)] = true
	}
	return c
}

// London loads Europe/London, which every council calendar uses.
func London() (*time.Location, error) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, fmt.Errorf("workdays: load Europe/London : %w", err)
	}
	return loc, nil
}

// ParseDates reads a comma-separated list of YYYY-MM-DD dates, as the extra-holidays setting
// holds them. Blank entries are ignored.
func ParseDates(s string) ([]time.Time, error) {
	var out []time.Time
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		d, err := time.Parse(DateLayout, f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date in the form YYYY-MM-DD", f)
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out, nil
}

// Location is the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// Date returns the civil date of t in the calendar's location, at midnight there.
func (c *Calendar) Date(t time.Time) time.Time {
	t = t.In(c.loc)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, c.loc)
}

// IsWorkingDay reports whether the civil date of t is a working day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	d := c.Date(t)
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	if c.extra[d.Format(DateLayout)] {
		return false
	}
	// rickar/cal compares in the time's own location; a noon instant avoids any edge.
	_, observed, _ := c.bank.IsHoliday(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, time.UTC))
	return !observed
}

// AddWorkingDays returns the civil date n working days after the date of t (n >= 0). The start
// date itself is never counted, so "within 10 working days of the 21st" counts from the 22nd;
// with n == 0 it returns the date of t, or the next working day if that is not one.
func (c *Calendar) AddWorkingDays(t time.Time, n int) time.Time {
	d := c.Date(t)
	if n <= 0 {
		for !c.IsWorkingDay(d) {
			d = d.AddDate(0, 0, 1)
		}
		return d
	}
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// SubtractWorkingDays returns the civil date n working days before the date of t (n >= 0).
func (c *Calendar) SubtractWorkingDays(t time.Time, n int) time.Time {
	d := c.Date(t)
	for n > 0 {
		d = d.AddDate(0, 0, -1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// NextWorkingDay returns the first working day after the date of t.
func (c *Calendar) NextWorkingDay(t time.Time) time.Time { return c.AddWorkingDays(t, 1) }

// WorkingDaysBetween counts the working days after the date of from up to and including the
// date of to: 0 on the same day, negative when to is before from (the working days after to up
// to and including from). It is AddWorkingDays read backwards: from + WorkingDaysBetween(from,
// to) working days is to, when to is a working day.
func (c *Calendar) WorkingDaysBetween(from, to time.Time) int {
	a, b, sign := c.Date(from), c.Date(to), 1
	if b.Before(a) {
		a, b, sign = b, a, -1
	}
	n := 0
	for d := a.AddDate(0, 0, 1); !d.After(b); d = d.AddDate(0, 0, 1) {
		if c.IsWorkingDay(d) {
			n++
		}
	}
	return sign * n
}
