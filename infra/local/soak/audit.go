package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/council/intake/internal/boltstore"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/localsched"
	"github.com/council/intake/internal/outbox"
)

// Result is what a soak did and what its audit found.
type Result struct {
	Deliveries, Redeliveries, Kills int64
	Faults                          float64
	Stored                          int
	Lost, Duplicated, Stuck         []string
	Orphaned                        []string
	P99                             time.Duration
}

// Line is the one line a machine reads.
func (r *Result) Line() string {
	return fmt.Sprintf("soak: deliveries=%d redeliveries=%d kills=%d faults=%g%% stored=%d lost=%d duplicated=%d stuck=%d orphaned=%d p99_ms=%d",
		r.Deliveries, r.Redeliveries, r.Kills, r.Faults*100, r.Stored, len(r.Lost), len(r.Duplicated), len(r.Stuck), len(r.Orphaned), r.P99.Milliseconds())
}

// OK reports whether nothing was lost, duplicated, stuck or orphaned.
func (r *Result) OK() bool {
	return len(r.Lost)+len(r.Duplicated)+len(r.Stuck)+len(r.Orphaned) == 0
}

// Findings lists each thing found, one a line.
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

// finish lets the runner catch up and audits; then moves the clock on past every deadline and
// restriction review date and audits again, so that the reminders are audited too.
func (d *driver) finish() (*Result, error) {
	rng := rand.New(rand.NewPCG(d.cfg.Seed, 25))
	res := &Result{Faults: d.cfg.Faults}
	if err := d.settle(rng); err != nil {
		return nil, err
	}
	d.r.stop()
	if err := d.audit(res); err != nil {
		return nil, err
	}
	if err := d.r.start(d.clockNow()); err != nil {
		return nil, err
	}
	for range 15 {
		if err := d.advance(rng, 14*24*time.Hour); err != nil {
			return nil, err
		}
	}
	if err := d.settle(rng); err != nil {
		return nil, err
	}
	d.r.stop()
	final := &Result{Faults: d.cfg.Faults}
	if err := d.audit(final); err != nil {
		return nil, err
	}
	final.Orphaned = dedupe(append(res.Orphaned, final.Orphaned...))
	final.Lost = dedupe(append(res.Lost, final.Lost...))
	final.Duplicated = dedupe(append(res.Duplicated, final.Duplicated...))
	final.Stuck = append(final.Stuck, d.unsettled...)
	final.Deliveries, final.Redeliveries, final.Kills = d.deliveries.Load(), d.redeliveries.Load(), d.kills.Load()
	final.P99 = d.p99()
	return final, nil
}

func dedupe(ss []string) []string {
	sort.Strings(ss)
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

var tokenRE = regexp.MustCompile(`soak-item-\d{6}`)

// audit reads the stopped runner's data directory itself: the store, its schedules and the
// outbox's file, line by line (the outbox answers a key it has sent with the first letter, so
// a second line for a key would be a second letter sent).
func (d *driver) audit(res *Result) error {
	ctx := context.Background()
	clk := clock.NewFixed(d.clockNow())
	st, err := boltstore.Open(d.cfg.Data, clk)
	if err != nil {
		return fmt.Errorf("soak: audit: %w", err)
	}
	defer st.Close()
	var cases []*feedback.Case
	for _, status := range []feedback.Status{feedback.StatusOpen, feedback.StatusClosed} {
		page, err := st.ListCases(ctx, feedback.CaseQuery{Status: status})
		if err != nil {
			return fmt.Errorf("soak: audit: list cases: %w", err)
		}
		cases = append(cases, page.Cases...)
	}
	res.Stored = len(cases)
	letters, err := outboxLines(d.cfg.Data)
	if err != nil {
		return err
	}
	d.auditItems(res, cases)
	byRef := map[string]*feedback.Case{}
	for _, c := range cases {
		byRef[c.Ref] = c
		auditLedger(res, c.Ref, moot(c), letters)
		if ack := c.Effects[feedback.EffectAcknowledgement]; ack.State == feedback.EffectFailed && !officerTold(c.Ref, letters) {
			res.Lost = append(res.Lost, c.Ref+": the acknowledgement failed for good and the officer was not told")
		}
		repeatedLetters(res, c.Ref, c.Letters)
	}
	restrictions, err := st.ListRestrictions(ctx)
	if err != nil {
		return fmt.Errorf("soak: audit: list restrictions: %w", err)
	}
	live := map[string]*feedback.Restriction{}
	perContact := map[string][]string{}
	for _, r := range restrictions {
		auditLedger(res, r.ID, mootReviews(r), letters)
		repeatedLetters(res, r.ID, r.Letters)
		if r.Status != feedback.RestrictionLifted {
			live[r.ID] = r
			perContact[r.Contacts[0]] = append(perContact[r.Contacts[0]], r.ID)
		}
	}
	for who, ids := range perContact {
		if len(ids) > 1 {
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%d live restrictions on one contact (%s): %v", len(ids), strings.SplitN(who, "@", 2)[0], ids))
		}
	}
	pending, err := st.ListPending(ctx)
	if err != nil {
		return err
	}
	for _, c := range pending {
		res.Stuck = append(res.Stuck, c.Ref+": side effects pending: "+strings.Join(c.Effects.Pending(), ", "))
	}
	sc, err := localsched.Open(st, clk)
	if err != nil {
		return err
	}
	for _, r := range sc.List() {
		if why := orphaned(r, byRef, live); why != "" {
			res.Orphaned = append(res.Orphaned, r.Name+": "+why)
		}
	}
	res.Stuck = dedupe(res.Stuck)
	return nil
}

// auditItems checks that every item accepted is stored, once.
func (d *driver) auditItems(res *Result, cases []*feedback.Case) {
	byToken := map[string][]string{}
	for _, c := range cases {
		for _, tok := range dedupe(tokenRE.FindAllString(c.Message, -1)) {
			byToken[tok] = append(byToken[tok], c.Ref)
		}
	}
	for _, it := range d.items {
		refs := byToken[it.token]
		switch {
		case len(refs) > 1:
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%s (%s) is stored as %d cases: %v", it.token, it.channel, len(refs), refs))
		case it.accepted && len(refs) == 0:
			res.Lost = append(res.Lost, fmt.Sprintf("%s (%s) was accepted as %v and is not stored", it.token, it.channel, keys(it.refs)))
		case len(it.refs) > 1:
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%s (%s) was answered with %d references: %v", it.token, it.channel, len(it.refs), keys(it.refs)))
		case len(it.refs) == 1 && !it.refs[refs[0]]:
			res.Lost = append(res.Lost, fmt.Sprintf("%s (%s) was answered with %v but stored as %s", it.token, it.channel, keys(it.refs), refs[0]))
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// moot returns the case's ledger without the reminders whose sending was claimed and never
// stamped (an answer lost) and that no longer matter: the case closed or moved to another stage
// or date, the acknowledgement was done, or a later reminder of the stage was settled. Nothing
// will deliver those again (their schedules are cancelled or fired) and nobody misses them.
func moot(c *feedback.Case) feedback.Effects {
	ackDone := c.Effects[feedback.EffectAcknowledgement].State == feedback.EffectDone
	return withoutMoot(c.Ref, c.Effects, c.Status != feedback.StatusOpen, string(c.Stage), c.RespondBy, ackDone)
}

// mootReviews is moot for a restriction's ledger: its review reminders no longer matter once it
// is lifted, its review date has moved, or a later reminder for the same date was settled.
func mootReviews(r *feedback.Restriction) feedback.Effects {
	return withoutMoot(r.ID, r.Effects, r.Status == feedback.RestrictionLifted, "", r.ReviewBy, false)
}

// withoutMoot is es without the unsettled reminders of ref that no longer matter: all of them
// when gone, else those for another stage or due date than stage and due, the acknowledgement
// check once ackDone, and any with a later reminder of its series settled.
func withoutMoot(ref string, es feedback.Effects, gone bool, stage string, due time.Time, ackDone bool) feedback.Effects {
	order := map[string]int{"warning": 0, "due": 1, "review": 1, "overdue": 2} // a restriction's series: warning, review
	out := feedback.Effects{}
	for name, e := range es {
		rest, isReminder := strings.CutPrefix(name, "reminder:"+ref+"-")
		if !isReminder || e.Settled() {
			out[name] = e
			continue
		}
		parts := strings.Split(rest, "-") // stage, purpose, due date; or "", "ack_check"
		moot := gone
		switch {
		case len(parts) == 2 && parts[1] == string(feedback.PurposeAckCheck):
			moot = moot || ackDone
		case len(parts) == 3:
			moot = moot || parts[0] != stage || parts[2] != due.Format("20060102")
			for later, n := range order {
				other := es["reminder:"+ref+"-"+parts[0]+"-"+later+"-"+parts[2]]
				moot = moot || n > order[parts[1]] && other.Settled()
			}
		}
		if !moot {
			out[name] = e
		}
	}
	return out
}

// officerTold reports whether the officer was told that a case's acknowledgement failed: in
// the assignment email, or in the notice sent when it failed after that had gone.
func officerTold(ref string, letters map[string][]outbox.Sent) bool {
	assign := letters[ref+"/"+feedback.EffectAssignment]
	return len(assign) == 1 && strings.Contains(strings.ToLower(assign[0].Text), "action needed") ||
		len(letters[ref+"/notice:undeliverable"]) == 1
}

// repeatedLetters finds a letter written twice onto a record (the same name), as an action
// recorded again on redelivery does: the outbox would hide the second by its key, SES would not.
func repeatedLetters(res *Result, owner string, ls []feedback.Letter) {
	seen := map[string]bool{}
	for _, l := range ls {
		if seen[l.Name] {
			res.Duplicated = append(res.Duplicated, owner+": the letter "+l.Name+" was written twice")
		}
		seen[l.Name] = true
	}
}

// mailEffect reports whether the named effect sends a letter (rather than making or cancelling
// schedules).
func mailEffect(name string) bool {
	head, _, _ := strings.Cut(name, ":")
	switch head {
	case feedback.EffectSchedules, "unschedule", "review-schedules", "review-unschedule":
		return false
	}
	return true
}

// auditLedger checks one ledger (a case's or a restriction's, under owner) against the outbox:
// each letter recorded as sent is in the outbox once; one recorded as not sent is not there,
// and says why; nothing is left unsettled.
func auditLedger(res *Result, owner string, es feedback.Effects, letters map[string][]outbox.Sent) {
	for name, e := range es {
		key := owner + "/" + name
		n := len(letters[key])
		switch {
		case !e.Settled():
			res.Stuck = append(res.Stuck, fmt.Sprintf("%s: %s is pending (%d attempts)", owner, name, e.Attempts))
		case !mailEffect(name):
		case e.State == feedback.EffectDone && n == 0:
			res.Lost = append(res.Lost, key+" is recorded as sent and is not in the outbox")
		case n > 1:
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%s was sent %d times", key, n))
		case e.State == feedback.EffectSkipped && strings.HasPrefix(name, "reminder:"):
			// A reminder sent whose stamp was lost, then skipped for a later one that came due:
			// the officer had it once; the ledger says skipped. Not a second letter.
		case e.State == feedback.EffectFailed && e.Attempts >= feedback.MaxAttempts && n == 1:
			// Given up after MaxAttempts passing failures, one of which sent it (its answer
			// lost): recorded as failed with its reason, as designed; sent once, not twice.
		case e.State != feedback.EffectDone && n > 0:
			res.Duplicated = append(res.Duplicated, fmt.Sprintf("%s is recorded as %s (%s) and was sent", key, e.State, e.Reason))
		case e.State != feedback.EffectDone && e.Reason == "":
			res.Lost = append(res.Lost, fmt.Sprintf("%s is recorded as %s with no reason", key, e.State))
		}
	}
}

// orphaned says why reminder r points at nothing that is still waiting for it, or "".
func orphaned(r feedback.Reminder, cases map[string]*feedback.Case, live map[string]*feedback.Restriction) string {
	if r.Of == feedback.ReminderOfRestriction || strings.HasPrefix(r.Ref, "RS-") {
		switch rs := live[r.Ref]; {
		case rs == nil:
			return "its restriction is lifted or gone"
		case !r.Due.IsZero() && r.Due.Format(time.DateOnly) != rs.ReviewBy.Format(time.DateOnly):
			return fmt.Sprintf("it is for a review date of %s; the restriction's is %s", r.Due.Format(time.DateOnly), rs.ReviewBy.Format(time.DateOnly))
		}
		return ""
	}
	c := cases[r.Ref]
	switch {
	case c == nil:
		return "its case is gone"
	case c.Status != feedback.StatusOpen:
		return "its case is closed"
	case r.Stage != feedback.StageNone && r.Stage != c.Stage:
		return fmt.Sprintf("its case has moved from %s to %s", r.Stage, c.Stage)
	case !r.Due.IsZero() && r.Due.Format(time.DateOnly) != c.RespondBy.Format(time.DateOnly):
		return fmt.Sprintf("it is for a response date of %s; the case's is %s", r.Due.Format(time.DateOnly), c.RespondBy.Format(time.DateOnly))
	}
	return ""
}

// outboxLines reads the outbox's file, each letter by its key.
func outboxLines(dir string) (map[string][]outbox.Sent, error) {
	f, err := os.Open(filepath.Join(dir, "outbox.jsonl"))
	if os.IsNotExist(err) {
		return map[string][]outbox.Sent{}, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string][]outbox.Sent{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var s outbox.Sent
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("soak: audit: outbox line: %w", err)
		}
		if s.Key != "" {
			out[s.Key] = append(out[s.Key], s)
		}
	}
	return out, sc.Err()
}

// parseRate reads a share of calls as 20% or 0.2.
func parseRate(s string) (float64, error) {
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
