package feedback

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// digestReach is how late a digest may run for the day it was scheduled for: EventBridge
// Scheduler retries for six hours, and a person may invoke a dead letter again days later; a
// digest for a day longer ago than this is stale and goes to nobody.
const digestReach = 7 * 24 * time.Hour

// digestSkew is how far a digest's scheduled time may be ahead of the function's clock: the
// scheduler's and Lambda's clocks differ by a little. A time further ahead is not believed.
const digestSkew = time.Minute

// digestWindow is how long a manager's daily digest is remembered as sent, keyed by its day:
// longer than the day itself and digestReach after it, so that neither a sweep just after
// midnight nor a late retry of the day's schedule can send the day's digest twice.
const digestWindow = digestReach + 48*time.Hour

// SendDigests sends each manager and each of the complaints team, once a working day at the
// reminder hour or later, one email listing what needs them: a manager's areas' open cases that
// are overdue or due within WarningWorkingDays, and the restriction reviews that are overdue or
// due within the review warning (reviewWarningWorkingDays): all of them for the complaints
// team, whose register it is, and a manager's own decisions for a manager. Nobody with nothing
// listed gets an email. Whoever has had the day's digest gets nothing more, however often it is
// called (the daily schedule, its retries, the local runner's sweep). It returns how many it
// sent and the first error after trying everyone.
//
// scheduled is the time the daily schedule fired for (EventBridge Scheduler's
// <aws.scheduler.scheduled-time>), or zero for now: the day, the hour and what is due are judged
// at that time, so that a schedule firing at the reminder hour is never judged early by a clock
// a moment behind, nor a retry hours later judged on another day.
func (s *Service) SendDigests(ctx context.Context, scheduled time.Time) (int, error) {
	at, ok := s.digestTime(ctx, scheduled)
	if !ok || !s.Calendar.IsWorkingDay(at) || at.Before(s.reminderAt(at)) {
		return 0, nil
	}
	today := s.Calendar.Date(at)
	horizon := s.Calendar.AddWorkingDays(at, s.Policy.WarningWorkingDays)
	due, err := s.Store.ListDue(ctx, horizon)
	if err != nil {
		return 0, fmt.Errorf("digests: %w", err)
	}
	reviews, err := s.reviewsDue(ctx, at)
	if err != nil {
		return 0, fmt.Errorf("digests: %w", err)
	}
	var readers []StaffMember
	for _, m := range s.Staff {
		if m.Role == RoleManager || m.Role == RoleAdmin {
			readers = append(readers, m)
		}
	}
	sort.Slice(readers, func(i, j int) bool { return readers[i].Email < readers[j].Email })
	sent := 0
	var first error
	for _, m := range readers {
		var d digestFor
		for _, c := range due {
			if m.Role != RoleManager || !slices.Contains(m.Areas, c.ServiceArea) || c.RespondBy.IsZero() {
				continue
			}
			if s.Calendar.Date(c.RespondBy).Before(today) {
				d.overdue = append(d.overdue, c)
			} else {
				d.soon = append(d.soon, c)
			}
		}
		for _, r := range reviews {
			if m.Role != RoleAdmin && !strings.EqualFold(r.DecidedBy, m.Email) {
				continue
			}
			if s.Calendar.Date(r.ReviewBy).Before(today) {
				d.reviewsOverdue = append(d.reviewsOverdue, r)
			} else {
				d.reviewsSoon = append(d.reviewsSoon, r)
			}
		}
		if d.empty() {
			continue
		}
		// The day's one use of the quota goes to the first call that takes it: a use named for
		// this call, since the quota lets the same use be taken again. The digest is sent at
		// most once a day: one whose sending fails is not sent again that day (the reminders
		// themselves still go), rather than every manager's again at each retry.
		day := today.Format(time.DateOnly)
		ok, err := s.Store.TakeQuota(ctx, "digest:"+digest(m.Email)+":"+day, s.owner(), 1, digestWindow)
		if err == nil && ok {
			msg := s.digestEmail(m, d, today)
			msg.Key = "digest/" + digest(m.Email) + "/" + day
			_, err = s.Mailer.Send(ctx, msg)
			if err == nil {
				sent++
			}
		}
		if err != nil {
			s.log().ErrorContext(ctx, "daily digest failed", "err", err)
			if first == nil {
				first = fmt.Errorf("digests: %w", err)
			}
		}
	}
	return sent, first
}

// digestTime is the time a digest is judged at: scheduled, when given and believable, or now.
// A scheduled time further ahead than digestSkew, or older than digestReach, is not: ok is
// false, and the digest goes to nobody.
func (s *Service) digestTime(ctx context.Context, scheduled time.Time) (time.Time, bool) {
	now := s.Clock.Now()
	if scheduled.IsZero() {
		return now, true
	}
	if scheduled.After(now.Add(digestSkew)) || now.Sub(scheduled) > digestReach {
		s.log().WarnContext(ctx, "daily digest not sent: its scheduled time is too far from now",
			"scheduled_at", scheduled.UTC().Format(time.RFC3339), "now", now.UTC().Format(time.RFC3339))
		return time.Time{}, false
	}
	return scheduled, true
}

// reviewsDue returns the active restrictions whose review is overdue or due within the review
// warning, soonest first; none when there is no register.
func (s *Service) reviewsDue(ctx context.Context, now time.Time) ([]*Restriction, error) {
	if s.Restrictions == nil {
		return nil, nil
	}
	all, err := s.Restrictions.ListRestrictions(ctx)
	if err != nil {
		return nil, fmt.Errorf("restriction reviews: %w", err)
	}
	horizon := s.Calendar.Date(s.Calendar.AddWorkingDays(now, reviewWarningWorkingDays))
	var out []*Restriction
	for _, r := range all {
		if r.Status == RestrictionActive && !s.Calendar.Date(r.ReviewBy).After(horizon) {
			out = append(out, r)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ReviewBy.Before(out[j].ReviewBy) })
	return out, nil
}

// digestFor is what one person's digest lists.
type digestFor struct {
	overdue, soon               []*Case
	reviewsOverdue, reviewsSoon []*Restriction
}

func (d digestFor) empty() bool {
	return len(d.overdue)+len(d.soon)+len(d.reviewsOverdue)+len(d.reviewsSoon) == 0
}

type digestLetter struct {
	Council       Council
	Date          string
	Overdue, Soon []digestLine
	// ReviewsOverdue and ReviewsSoon are restriction reviews: Ref is the restriction's id,
	// Kind what it restricts.
	ReviewsOverdue, ReviewsSoon []digestLine
}

// lead opens the digest: the complaints team's, when it lists only reviews, says so.
func (l digestLetter) lead() string {
	if len(l.Overdue)+len(l.Soon) == 0 {
		return "Restriction reviews to record, "
	}
	return "Complaints in your areas, "
}

type digestLine struct {
	Ref, Kind, Area, Stage, Due, URL string
}

func (s *Service) digestEmail(m StaffMember, d digestFor, today time.Time) Message {
	lines := func(cs []*Case) []digestLine {
		var out []digestLine
		for _, c := range cs {
			out = append(out, digestLine{Ref: c.Ref, Kind: c.Kind.Label(), Area: AreaLabel(c.ServiceArea),
				Stage: c.Stage.Label(), Due: LongDate(c.RespondBy), URL: s.caseURL(c.Ref)})
		}
		return out
	}
	reviews := func(rs []*Restriction) []digestLine {
		var out []digestLine
		for _, r := range rs {
			out = append(out, digestLine{Ref: r.ID, Kind: r.describe(), Due: LongDate(r.ReviewBy)})
		}
		return out
	}
	l := digestLetter{Council: s.Council, Date: LongDate(today), Overdue: lines(d.overdue), Soon: lines(d.soon),
		ReviewsOverdue: reviews(d.reviewsOverdue), ReviewsSoon: reviews(d.reviewsSoon)}
	subject := fmt.Sprintf("Complaints digest for %s: %d overdue, %d due soon", LongDate(today), len(d.overdue), len(d.soon))
	if n := len(d.reviewsOverdue) + len(d.reviewsSoon); n > 0 {
		subject += fmt.Sprintf("; %d restriction review%s", n, map[bool]string{true: "", false: "s"}[n == 1])
	}
	return Message{
		From:    s.Council.From,
		To:      []string{m.Email},
		Subject: subject,
		Headers: map[string]string{"Auto-Submitted": autoGenerated, "X-Auto-Response-Suppress": "All"},
		Text:    render(digestText, l, false),
		HTML:    render(digestHTML, l, true),
	}
}

func digestText(p *page, l digestLetter) {
	p.Lit(l.lead()).Esc(l.Date).Lit(".\n")
	section := func(title, due string, lines []digestLine) {
		if len(lines) == 0 {
			return
		}
		p.Lit("\n", title, "\n")
		for _, d := range lines {
			p.Lit("- ").Esc(d.Ref).Lit(": ").Esc(d.Kind).Lit(", ").Esc(d.Area).Lit(", ").Esc(d.Stage).Lit(", ", due, " ").Esc(d.Due)
			if d.URL != "" {
				p.Lit("\n  ").Esc(d.URL)
			}
			p.Lit("\n")
		}
	}
	section("Overdue", "was due", l.Overdue)
	section("Due soon", "due", l.Soon)
	reviews := func(title, due string, lines []digestLine) {
		if len(lines) == 0 {
			return
		}
		p.Lit("\n", title, "\n")
		for _, d := range lines {
			p.Lit("- ").Esc(d.Ref).Lit(": ").Esc(d.Kind).Lit(", review ", due, " ").Esc(d.Due).Lit("\n")
		}
	}
	reviews("Restriction reviews overdue", "was due", l.ReviewsOverdue)
	reviews("Restriction reviews due soon", "due", l.ReviewsSoon)
	p.Lit("\n").Esc(l.Council.Name).Lit("\n")
}

func digestHTML(p *page, l digestLetter) {
	p.Lit(htmlHead, "<p>", l.lead()).Esc(l.Date).Lit(".</p>\n")
	section := func(title, due string, lines []digestLine) {
		if len(lines) > 0 {
			p.Lit(h2, title, "</h2><ul>")
			for _, d := range lines {
				p.Lit("<li>")
				if d.URL != "" {
					p.Lit(`<a href="`).Href(d.URL).Lit(`">`).Esc(d.Ref).Lit("</a>")
				} else {
					p.Esc(d.Ref)
				}
				p.Lit(": ").Esc(d.Kind).Lit(", ").Esc(d.Area).Lit(", ").Esc(d.Stage).Lit(", ", due, " ").Esc(d.Due).Lit("</li>")
			}
			p.Lit("</ul>")
		}
		p.Lit("\n")
	}
	section("Overdue", "was due", l.Overdue)
	section("Due soon", "due", l.Soon)
	reviews := func(title, due string, lines []digestLine) {
		if len(lines) > 0 {
			p.Lit(h2, title, "</h2><ul>")
			for _, d := range lines {
				p.Lit("<li>").Esc(d.Ref).Lit(": ").Esc(d.Kind).Lit(", review ", due, " ").Esc(d.Due).Lit("</li>")
			}
			p.Lit("</ul>\n")
		}
	}
	reviews("Restriction reviews overdue", "was due", l.ReviewsOverdue)
	reviews("Restriction reviews due soon", "due", l.ReviewsSoon)
	p.Lit("<p>").Esc(l.Council.Name).Lit("</p>\n", htmlFoot)
}
