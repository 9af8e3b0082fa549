package feedback

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// The figures that outlive the records. When a case is destroyed at the end of its retention
// period (or imported already past it), Intake keeps an anonymous statistical record: what the
// annual report counts and nothing else, so that a year's report reads the same after its
// cases have gone as before, and a council can compare years long after it has destroyed them.

// Statistic is the anonymous statistical record of one case. It is its own type, not a case
// with parts removed: it has no field for a name, contact, address, message, correspondence,
// reference, officer, idempotency key or file, so none can be copied into it by mistake. Its
// dates are civil dates (midnight in Europe/London), not instants: the report needs no more,
// and an instant to the second could be matched against a mail log.
//
// The one piece of wording it keeps is a stage's lessons learned: staff write them for the
// annual report, which publishes them (Sevenoaks' paper, seed 002, reports its lessons learned),
// and the report's lessons table must read the same after the case has gone.
type Statistic struct {
	// ID names the record and nothing else: random, minted when the record is made, never
	// stored on the case, so that nothing leads from a case or its reference to its figures.
	ID          string    `json:"id"`
	Kind        Kind      `json:"kind"`
	Channel     Channel   `json:"channel,omitempty"`
	ServiceArea string    `json:"service_area,omitempty"`
	ReceivedOn  time.Time `json:"received_on"`
	// AcknowledgeBy is the date the acknowledgement was due; AcknowledgedOn when it was sent
	// (zero: none recorded).
	AcknowledgeBy  time.Time `json:"acknowledge_by,omitzero"`
	AcknowledgedOn time.Time `json:"acknowledged_on,omitzero"`
	ClosedOn       time.Time `json:"closed_on,omitzero"`
	// Stages are a complaint's stages, oldest first; Ombudsman its referral, if any.
	Stages    []StatisticStage   `json:"stages,omitempty"`
	Ombudsman StatisticOmbudsman `json:"ombudsman,omitzero"`
	// KeepUntil is when the record itself is destroyed (Policy.StatisticsYears after closure).
	KeepUntil time.Time `json:"keep_until"`
}

// StatisticStage is one stage of a complaint, as the report counts it.
type StatisticStage struct {
	Stage     Stage     `json:"stage"`
	OpenedOn  time.Time `json:"opened_on"`
	RespondBy time.Time `json:"respond_by,omitzero"`
	// ExtendedBy is the extension in working days (0: not extended).
	ExtendedBy int `json:"extended_by,omitempty"`
	// RespondedOn is the day of the response (zero: none); Outcome, CompensationPence and
	// Lessons are the response's.
	RespondedOn       time.Time `json:"responded_on,omitzero"`
	Outcome           Outcome   `json:"outcome,omitempty"`
	CompensationPence int64     `json:"compensation_pence,omitempty"`
	Lessons           string    `json:"lessons,omitempty"`
	// WorkingDays is how many working days the response took (after the day the stage opened,
	// up to and including the day of the response); 0 when there was none.
	WorkingDays int `json:"working_days,omitempty"`
}

// StatisticOmbudsman is a complaint's referral to an Ombudsman and its decision, without the
// remedy's wording.
type StatisticOmbudsman struct {
	Which             Ombudsman `json:"which,omitempty"`
	ReferredOn        time.Time `json:"referred_on,omitzero"`
	Decision          Decision  `json:"decision,omitempty"`
	DecidedOn         time.Time `json:"decided_on,omitzero"`
	CompensationPence int64     `json:"compensation_pence,omitempty"`
}

// StatisticsStore keeps the anonymous statistical records. Implementations: internal/boltstore
// and internal/dynamo, both held to storetest.RunStatistics.
type StatisticsStore interface {
	// KeepStatistic writes the destruction log line d and the statistical record st together
	// (both or neither), once: if the log has a line for d.Ref already, it writes nothing and
	// returns false. That is what makes a retried destruction keep one record, not two (see
	// Service.keepStatistic).
	KeepStatistic(ctx context.Context, d Destruction, st Statistic) (bool, error)
	// ListStatistics returns the records of items received in [from, to) whose own retention
	// has not ended, by day received then ID.
	ListStatistics(ctx context.Context, from, to time.Time) ([]Statistic, error)
}

// newStatisticID returns a random record id: 128 bits, hex.
func newStatisticID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("statistic id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// StatisticOf makes the anonymous statistical record of c, with a fresh id.
func (s *Service) StatisticOf(c *Case) (Statistic, error) {
	id, err := newStatisticID()
	if err != nil {
		return Statistic{}, err
	}
	day := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return s.Calendar.Date(t)
	}
	st := Statistic{ID: id, Kind: c.Kind, Channel: c.Channel, ServiceArea: c.ServiceArea,
		ReceivedOn: day(c.ReceivedAt), AcknowledgeBy: day(c.AcknowledgeBy), AcknowledgedOn: day(c.AcknowledgedAt()),
		ClosedOn: day(c.ClosedAt),
		Ombudsman: StatisticOmbudsman{Which: c.Ombudsman.Which, ReferredOn: day(c.Ombudsman.ReferredOn),
			Decision: c.Ombudsman.Decision, DecidedOn: day(c.Ombudsman.DecidedOn), CompensationPence: c.Ombudsman.CompensationPence}}
	for _, r := range c.Stages {
		sr := StatisticStage{Stage: r.Stage, OpenedOn: day(r.OpenedAt), RespondBy: day(r.RespondBy), ExtendedBy: r.ExtendedBy}
		if r.Responded() {
			sr.RespondedOn, sr.Outcome = day(r.Response.At), r.Response.Outcome
			sr.CompensationPence, sr.Lessons = r.Response.CompensationPence, r.Response.Lessons
			sr.WorkingDays = s.workingDaysBetween(r.OpenedAt, r.Response.At)
		}
		st.Stages = append(st.Stages, sr)
	}
	from := c.ClosedAt
	if from.IsZero() {
		from = c.ReceivedAt
	}
	st.KeepUntil = s.Policy.StatisticsEnd(day(from))
	return st, nil
}

// workingDaysBetween counts the working days after from's date up to and including to's.
func (s *Service) workingDaysBetween(from, to time.Time) int {
	d, end := s.Calendar.Date(from), s.Calendar.Date(to)
	n := 0
	for d.Before(end) {
		d = d.AddDate(0, 0, 1)
		if s.Calendar.IsWorkingDay(d) {
			n++
		}
	}
	return n
}

// Case is the record as the annual report reads it: a case holding the figures and nothing
// else (no reference), so that the report counts cases and records alike.
func (st Statistic) Case() *Case {
	c := &Case{Kind: st.Kind, Channel: st.Channel, ServiceArea: st.ServiceArea, Status: StatusClosed,
		ReceivedAt: st.ReceivedOn, AcknowledgeBy: st.AcknowledgeBy, ClosedAt: st.ClosedOn,
		Ombudsman: OmbudsmanRecord{Which: st.Ombudsman.Which, ReferredOn: st.Ombudsman.ReferredOn, Decision: st.Ombudsman.Decision,
			DecidedOn: st.Ombudsman.DecidedOn, CompensationPence: st.Ombudsman.CompensationPence}}
	if st.ClosedOn.IsZero() {
		c.Status = StatusOpen
	}
	if !st.AcknowledgedOn.IsZero() {
		c.Effects = Effects{EffectAcknowledgement: {State: EffectDone, At: st.AcknowledgedOn}}
	}
	for _, r := range st.Stages {
		sr := StageRecord{Stage: r.Stage, OpenedAt: r.OpenedOn, RespondBy: r.RespondBy, ExtendedBy: r.ExtendedBy,
			Response: Response{Outcome: r.Outcome, CompensationPence: r.CompensationPence, Lessons: r.Lessons, At: r.RespondedOn}}
		c.Stages = append(c.Stages, sr)
		c.Stage = r.Stage
	}
	return c
}

// keepStatistic writes c's destruction log line d together with its statistical record.
//
// Exactly once, however often the destruction is retried (a redelivered stream record, a purge
// interrupted before the case was deleted): the record cannot be keyed by anything derived
// from the case, because a key derived from the reference (even a one-way hash of it) would let
// anyone holding an old letter find the figures of that person's complaint. So the record's id
// is random, and the write is made conditional on the case's destruction instead: the store
// writes the record in the same write as the destruction log line, and only if the log has no
// line for the reference yet. A retry finds the line and writes nothing. The log line holds the
// reference for the log's own retention (RetainDestructionLogYears), as it always has, but not
// the record's id, so the two cannot be joined by key.
func (s *Service) keepStatistic(ctx context.Context, c *Case, d Destruction) error {
	st, err := s.StatisticOf(c)
	if err != nil {
		return err
	}
	if _, err := s.Store.KeepStatistic(ctx, d, st); err != nil {
		return fmt.Errorf("keep statistic: %w", err)
	}
	return nil
}

// ReportStatistics reads the statistical records of items received in [from, to) that who may
// see: the complaints team all, a manager those of their areas.
func (s *Service) ReportStatistics(ctx context.Context, who StaffMember, from, to time.Time) ([]Statistic, error) {
	if err := MayReadReport(who); err != nil {
		return nil, err
	}
	all, err := s.Store.ListStatistics(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("list statistics: %w", err)
	}
	var out []Statistic
	for _, st := range all {
		if who.CanSee(st.Case()) {
			out = append(out, st)
		}
	}
	return out, nil
}
