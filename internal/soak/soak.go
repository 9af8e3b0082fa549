// Package soak is what the soaks of both paths share: the local runner's (infra/local/soak)
// and the built functions' on moto (functions/soak_test.go). An Item is one thing a resident
// or monitor sent, with a token written into its words; a State is what a run left (the store's
// cases and restrictions, the reminders still scheduled, the letters sent); Audit holds the one
// to the other and says what was lost, duplicated, stuck or orphaned; Result is the run's one
// line.
package soak

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Item is one thing a resident or monitor sends, delivered 1–3 times; Token is written into its
// words, so that the audit finds its case however it came in.
type Item struct {
	N       int
	Channel string
	Token   string

	// refs are the references its accepted deliveries were answered with: one, or none if it
	// was never accepted (or came by a path that answers with no reference, as SMTP does).
	mu       sync.Mutex
	refs     map[string]bool
	accepted bool
}

// NewItem is item n of a run, sent through channel.
func NewItem(n int, channel string) *Item {
	return &Item{N: n, Channel: channel, Token: fmt.Sprintf("soak-item-%06d", n), refs: map[string]bool{}}
}

// Answered records that a delivery of the item was accepted, as ref ("" when the answer names
// none).
func (it *Item) Answered(ref string) {
	it.mu.Lock()
	defer it.mu.Unlock()
	it.accepted = true
	if ref != "" {
		it.refs[ref] = true
	}
}

// tokenRE finds an item's token in a case's words.
var tokenRE = regexp.MustCompile(`soak-item-\d{6}`)

// Result is what a soak did and what its audit found.
type Result struct {
	Deliveries, Redeliveries, Kills int64
	Faults                          float64
	Stored                          int
	Lost, Duplicated, Stuck         []string
	Orphaned                        []string
	// Resent are letters sent twice because the record of the first sending was lost to a
	// fault in the window between the send and its record (SES takes no idempotency key, so
	// no system can close it); each names the fault. Reported, and not a failure.
	Resent []string
	P99    time.Duration
}

// Line is the one line a machine reads. resent= appears only on a path that can resend.
func (r *Result) Line() string {
	line := fmt.Sprintf("soak: deliveries=%d redeliveries=%d kills=%d faults=%g%% stored=%d lost=%d duplicated=%d stuck=%d orphaned=%d p99_ms=%d",
		r.Deliveries, r.Redeliveries, r.Kills, r.Faults*100, r.Stored, len(r.Lost), len(r.Duplicated), len(r.Stuck), len(r.Orphaned), r.P99.Milliseconds())
	if len(r.Resent) > 0 {
		line += fmt.Sprintf(" resent=%d", len(r.Resent))
	}
	return line
}

// OK reports whether nothing was lost, duplicated, stuck or orphaned.
func (r *Result) OK() bool {
	return len(r.Lost)+len(r.Duplicated)+len(r.Stuck)+len(r.Orphaned) == 0
}

// Findings lists each thing found that fails the run, one a line.
func (r *Result) Findings() []string {
	var out []string
	for _, f := range []struct {
		what string
		list []string
	}{{"lost", r.Lost}, {"duplicated", r.Duplicated}, {"stuck", r.Stuck}, {"orphaned", r.Orphaned}} {
		for _, s := range f.list {
			out = append(out, f.what+": "+s)
		}
	}
	return out
}

// Merge adds what a later audit of the same run found to r, each finding once. What is stuck
// is the later audit's alone: what was pending earlier may have settled since.
func (r *Result) Merge(later *Result) {
	r.Lost = Dedupe(append(r.Lost, later.Lost...))
	r.Duplicated = Dedupe(append(r.Duplicated, later.Duplicated...))
	r.Orphaned = Dedupe(append(r.Orphaned, later.Orphaned...))
	r.Resent = Dedupe(append(r.Resent, later.Resent...))
	r.Stuck, r.Stored = later.Stuck, later.Stored
}

// Dedupe sorts ss and drops repeats.
func Dedupe(ss []string) []string {
	sort.Strings(ss)
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// P99 is the 99th percentile of ls (which it sorts), or 0.
func P99(ls []time.Duration) time.Duration {
	if len(ls) == 0 {
		return 0
	}
	sort.Slice(ls, func(i, j int) bool { return ls[i] < ls[j] })
	return ls[len(ls)*99/100]
}

// ParseRate reads a share of calls as 20% or 0.2.
func ParseRate(s string) (float64, error) {
	var v float64
	pct := strings.HasSuffix(s, "%")
	if _, err := fmt.Sscan(strings.TrimSuffix(s, "%"), &v); err != nil {
		return 0, fmt.Errorf("soak: -faults %q: give a share such as 20%% or 0.2", s)
	}
	if pct {
		v /= 100
	}
	if v < 0 || v > 1 {
		return 0, fmt.Errorf("soak: -faults %q: between 0 and 100%%", s)
	}
	return v, nil
}
