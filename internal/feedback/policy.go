package feedback

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Policy holds the council's rules: timescales in working days, retention periods and the
// reference format. Every field is a setting; internal/config holds the defaults, the councils'
// own numbers.
type Policy struct {
	// AcknowledgeWorkingDays: the customer standard is one working day (the Code allows five).
	AcknowledgeWorkingDays int
	// Stage1WorkingDays counts from acknowledgement; some councils use 15 instead of 10.
	Stage1WorkingDays int
	// Stage2WorkingDays counts from the escalation's acknowledgement.
	Stage2WorkingDays int
	// WarningWorkingDays is how long before a due date the officer is warned.
	WarningWorkingDays int
	// EscalateWorkingDays is how long after a Stage 1 response the resident may ask for Stage 2;
	// the response letter gives the date.
	EscalateWorkingDays int
	// HousingAreas are the service areas whose complaints go to the Housing Ombudsman rather
	// than the Local Government and Social Care Ombudsman.
	HousingAreas []string
	// ReminderHour is the hour of the day (Europe/London) at which reminders fire.
	ReminderHour int

	// Retention after closure, in years.
	RetainComplaintYears   int // Stage 1 and Stage 2 complaints: 2
	RetainOmbudsmanYears   int // complaints that went to the Ombudsman: 6
	RetainOtherYears       int // compliments, comments, service requests, out of scope: 1
	RetainRestrictionYears int // after a restriction ends: 3
	// RetainDestructionLogYears is how long a destruction log line is kept: 6.
	RetainDestructionLogYears int
	// StatisticsYears is how long the anonymous statistical record of a destroyed case is kept
	// after the case closed (or, if it never closed, was received): 10, so that the annual
	// report can compare years long after the cases themselves are gone.
	StatisticsYears int
	// RestrictionReviewMonths is how long after a decision a restriction is reviewed: at most
	// maxReviewMonths (6).
	RestrictionReviewMonths int
	// MarkerYears is how long a staff-safety marker is kept after the decision: at most
	// maxMarkerYears (3).
	MarkerYears int

	// ReferenceFormat is the shape of a reference: {year} and {seq} (or {seq:N}, zero-padded to
	// N digits) are replaced. The sequence restarts each year, so {year} is required.
	ReferenceFormat string
}

var refToken = lazyRegexp(`\{(year|seq)(?::(\d))?\}`)

// Validate checks the policy once, at start-up, and says what to fix.
func (p Policy) Validate() error {
	var problems []string
	positive := map[string]int{
		"Stage1WorkingDays": p.Stage1WorkingDays, "Stage2WorkingDays": p.Stage2WorkingDays,
		"EscalateWorkingDays":  p.EscalateWorkingDays,
		"RetainComplaintYears": p.RetainComplaintYears, "RetainOmbudsmanYears": p.RetainOmbudsmanYears,
		"RetainOtherYears": p.RetainOtherYears, "RetainRestrictionYears": p.RetainRestrictionYears,
		"RetainDestructionLogYears": p.RetainDestructionLogYears, "StatisticsYears": p.StatisticsYears,
	}
	for name, v := range positive {
		if v <= 0 {
			problems = append(problems, fmt.Sprintf("%s must be at least 1, not %d", name, v))
		}
	}
	if p.AcknowledgeWorkingDays < 0 || p.WarningWorkingDays < 0 {
		problems = append(problems, "AcknowledgeWorkingDays and WarningWorkingDays cannot be negative")
	}
	if p.RestrictionReviewMonths < 1 || p.RestrictionReviewMonths > maxReviewMonths {
		problems = append(problems, fmt.Sprintf("RestrictionReviewMonths must be 1 to %d (restrictions are reviewed at least every six months), not %d", maxReviewMonths, p.RestrictionReviewMonths))
	}
	if p.MarkerYears < 1 || p.MarkerYears > maxMarkerYears {
		problems = append(problems, fmt.Sprintf("MarkerYears must be 1 to %d (staff-safety markers are kept at most three years), not %d", maxMarkerYears, p.MarkerYears))
	}
	if p.ReminderHour < 0 || p.ReminderHour > 23 {
		problems = append(problems, fmt.Sprintf("ReminderHour must be 0 to 23, not %d", p.ReminderHour))
	}
	tokens := map[string]bool{}
	for _, m := range refToken().FindAllStringSubmatch(p.ReferenceFormat, -1) {
		tokens[m[1]] = true
	}
	if !tokens["year"] || !tokens["seq"] {
		problems = append(problems, fmt.Sprintf("reference format %q must contain {year} and {seq} (or {seq:N})", p.ReferenceFormat))
	}
	if len(problems) > 0 {
		return fmt.Errorf("policy: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Reference formats the reference for the seq-th item of year.
func (p Policy) Reference(year int, seq int64) string {
	return refToken().ReplaceAllStringFunc(p.ReferenceFormat, func(tok string) string {
		m := refToken().FindStringSubmatch(tok)
		if m[1] == "year" {
			return strconv.Itoa(year)
		}
		width := 0
		if m[2] != "" {
			width, _ = strconv.Atoi(m[2])
		}
		return fmt.Sprintf("%0*d", width, seq)
	})
}

// referencePattern matches exactly the references Reference makes: the literal text as it is, a
// four-digit year, and a sequence of at least its padded width. Anchored, it matches a whole
// string; otherwise it finds a reference standing on its own within a text, in any letter case.
func (p Policy) referencePattern(anchored bool) *regexp.Regexp {
	var b strings.Builder
	if anchored {
		b.WriteString(`^(`)
	} else {
		b.WriteString(`(?i)(?:^|[^A-Za-z0-9])(`)
	}
	last := 0
	for _, m := range refToken().FindAllStringSubmatchIndex(p.ReferenceFormat, -1) {
		b.WriteString(regexp.QuoteMeta(p.ReferenceFormat[last:m[0]]))
		width := "1"
		if m[4] >= 0 && p.ReferenceFormat[m[4]:m[5]] != "0" {
			width = p.ReferenceFormat[m[4]:m[5]]
		}
		if p.ReferenceFormat[m[2]:m[3]] == "year" {
			b.WriteString(`(?P<year>[0-9]{4})`)
		} else {
			b.WriteString(`(?P<seq>[0-9]{` + width + `,})`)
		}
		last = m[1]
	}
	b.WriteString(regexp.QuoteMeta(p.ReferenceFormat[last:]))
	if anchored {
		b.WriteString(`)$`)
	} else {
		b.WriteString(`)(?:$|[^A-Za-z0-9])`)
	}
	return regexp.MustCompile(b.String())
}

// MatchesReference reports whether ref is a reference of the policy's format, exactly: a page
// that shows a reference from a link shows nothing else as one.
func (p Policy) MatchesReference(ref string) bool {
	return p.referencePattern(true).MatchString(ref)
}

// FindReference returns the first reference of the policy's format in text (whatever its
// letter case there), written as the policy writes it, or "".
func (p Policy) FindReference(text string) string {
	re := p.referencePattern(false)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return ""
	}
	var year int
	var seq int64
	for i, name := range re.SubexpNames() {
		switch name {
		case "year":
			year, _ = strconv.Atoi(m[i])
		case "seq":
			seq, _ = strconv.ParseInt(m[i], 10, 64)
		}
	}
	return p.Reference(year, seq)
}

// RetentionEnd returns when a case closed at closedAt must be destroyed.
func (p Policy) RetentionEnd(c *Case, closedAt time.Time, wentToOmbudsman bool) time.Time {
	years := p.RetainOtherYears
	switch {
	case c.Kind == KindComplaint && wentToOmbudsman:
		years = p.RetainOmbudsmanYears
	case c.Kind == KindComplaint:
		years = p.RetainComplaintYears
	}
	return closedAt.AddDate(years, 0, 0)
}

// lazyRegexp returns expr compiled on first use rather than when the program starts: a Lambda
// function waits for every package initialiser at each cold start, and most invocations use
// few of these expressions. The expressions are constants, so a bad one panics in the tests
// that use it, as MustCompile at start-up would.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// ombudsmanFor returns the Ombudsman a case's complaints go to: the Housing Ombudsman for the
// policy's housing areas, otherwise the Local Government and Social Care Ombudsman.
func (p Policy) ombudsmanFor(c *Case) Ombudsman {
	if c.ServiceArea != "" && slices.Contains(p.HousingAreas, c.ServiceArea) {
		return OmbudsmanHousing
	}
	return OmbudsmanLGSCO
}
