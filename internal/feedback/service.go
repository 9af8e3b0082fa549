package feedback

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/council/intake/internal/workdays"
)

// Council is who Intake speaks for: the name and contact details residents see in every email,
// and the addresses mail goes from.
type Council struct {
	Name    string
	Phone   string
	Website string
	// From is the address acknowledgements and officer emails are sent from.
	From string
	// ReplyDomain receives replies: each case's Reply-To is reply+<ref>@ReplyDomain, so a reply
	// finds its case even if the resident edits the subject.
	ReplyDomain string
	// ConsoleURL is the officer console's base URL (e.g. https://intake.example.gov.uk); the
	// assignment and reminder emails link from it straight to the case. Empty: no link.
	ConsoleURL string
}

// Routing maps service areas to the officer or team mailbox that owns them; anything else goes
// to the triage mailbox.
type Routing struct {
	Areas  map[string]string
	Triage string
}

// AreaNames lists the service areas in alphabetical order.
func (r Routing) AreaNames() []string {
	names := make([]string, 0, len(r.Areas))
	for a := range r.Areas {
		names = append(names, a)
	}
	sort.Strings(names)
	return names
}

// Owner returns the mailbox for area, or the triage mailbox.
func (r Routing) Owner(area string) string {
	if m, ok := r.Areas[area]; ok && m != "" {
		return m
	}
	return r.Triage
}

// AreaLabel turns a service-area key such as "bins-and-recycling" into "Bins and recycling".
func AreaLabel(area string) string {
	if area == "" {
		return "Not sure"
	}
	s := strings.ReplaceAll(area, "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// Service is the intake and lifecycle service: it takes submissions in, stores them and then
// carries out their side effects.
type Service struct {
	Store     Store
	Mailer    Mailer
	Scheduler Scheduler
	Clock     Clock
	Calendar  *workdays.Calendar
	Policy    Policy
	Council   Council
	Routing   Routing
	// Staff is the directory of who may work cases, and in what role; managers in it receive
	// overdue reminders for their areas.
	Staff Directory
	Log   *slog.Logger
	// Metrics, when set, counts what the service does (CloudWatch, through internal/emf).
	Metrics Metrics
	// Blobs keeps raw inbound mail and attachments (the email channel).
	Blobs Blobs
	// Mailboxes maps the addresses Intake receives mail at to the kind of feedback sent there;
	// KindAuto lets the words decide.
	Mailboxes map[string]Kind

	// Worker names this process in the claims it writes on cases (default: a random name per
	// process). Lease is how long a claim holds before another worker may take the effect over
	// (default DefaultLease).
	Worker string
	Lease  time.Duration
	// SoleProcess says that no other process uses the store (the embedded store locks its
	// file), so a claim written by another process is left over from one that died and is
	// taken over at once instead of after its lease.
	SoleProcess bool
	// AckLimit is the most acknowledgements sent to one address in 24 hours (0: no limit);
	// further items from that address are stored and flagged, not acknowledged.
	AckLimit int
	// Restrictions is the restrictions register, against which every new message is screened.
	Restrictions RestrictionStore
	// Markers is the staff-safety list, shown with the cases of the people on it.
	Markers MarkerStore
	// Handoff, when set, has Submit claim a new case's intake effects in the write that stores
	// it, for the Process call that follows in this process (the local runner makes that call
	// at once), instead of Process claiming them in a write of its own. Nil in Lambda, where the
	// notifier claims them when the stream delivers the case.
	Handoff *Handoff
}

// Handoff passes the claims Submit makes as it stores a new case to the Process call that
// follows in the same process. Whichever Process call takes a case's claims first (the one its
// creator makes, or the sweep's) carries the effects out; any other finds them claimed and
// leaves them. Claims never taken, because the process stopped, are taken over as any claim of
// a dead worker is.
type Handoff struct {
	owners sync.Map // reference → the owner of the claims made when the case was stored
}

func (h *Handoff) give(ref, owner string) {
	if h != nil {
		h.owners.Store(ref, owner)
	}
}

func (h *Handoff) take(ref string) (string, bool) {
	if h == nil {
		return "", false
	}
	owner, ok := h.owners.LoadAndDelete(ref)
	if !ok {
		return "", false
	}
	return owner.(string), true
}

// Submit validates a submission and stores it as a new case. It is idempotent: a submission
// carrying an idempotency key that was seen before returns the first case and created == false.
// Side effects are not done here (store first): call Process with the case's reference.
func (s *Service) Submit(ctx context.Context, sub Submission) (c *Case, created bool, err error) {
	sub = sub.Normalize()
	if err := sub.Validate(s.Routing.AreaNames()); err != nil {
		return nil, false, err
	}
	fp := sub.Fingerprint()
	if sub.IdempotencyKey != "" {
		prior, err := s.Store.GetByIdempotencyKey(ctx, sub.IdempotencyKey)
		switch {
		case err == nil:
			return repeat(prior, fp)
		case ErrorCode(err) != ENOTFOUND:
			return nil, false, fmt.Errorf("submit: look up idempotency key: %w", err)
		}
	}

	now := s.Clock.Now()
	// The reference is allocated as the case is stored (see create): nothing before needs it.
	c = s.newCase(sub, fp, "", now)
	if !sub.ReceivedAt.IsZero() {
		s.receivedAt(c, sub.ReceivedAt)
	}
	if err := s.screen(ctx, c, now); err != nil {
		return nil, false, fmt.Errorf("submit: %w", err)
	}
	owner := ""
	if s.Handoff != nil {
		owner = s.owner()
		s.claimIn(c.Effects, intakeEffects(c), owner, now)
	}
	prior, err := s.createCase(ctx, c)
	switch {
	case err != nil:
		return nil, false, fmt.Errorf("submit: %w", err)
	case prior != nil:
		return repeat(prior, fp)
	}
	s.Handoff.give(c.Ref, owner)
	return c, true, nil
}

// nextRef allocates the next case reference of the year (in the council's time zone) of now.
func (s *Service) nextRef(ctx context.Context, now time.Time) (string, error) {
	year := now.In(s.Calendar.Location()).Year()
	seq, err := s.Store.NextSequence(ctx, SequenceName(year))
	if err != nil {
		return "", err
	}
	return s.Policy.Reference(year, seq), nil
}

// numberingStore is a Store that allocates a new case's reference and stores the case in one
// write, as the embedded store does in one transaction; with any other store the reference is
// allocated first (NextSequence) and the case created after (Create).
type numberingStore interface {
	// CreateNumbered takes the next value of the named counter, names c by ref of it and
	// creates c as Create does. The value is used up even if the case is refused.
	CreateNumbered(ctx context.Context, sequence string, c *Case, ref func(seq int64) string) error
}

// create stores the new case c. A case without a reference yet is given the next of the year
// (in the council's time zone) of its creation, in the same write where the store can.
func (s *Service) create(ctx context.Context, c *Case) error {
	if c.Ref != "" {
		return s.Store.Create(ctx, c)
	}
	if ns, ok := s.Store.(numberingStore); ok {
		year := c.CreatedAt.In(s.Calendar.Location()).Year()
		return ns.CreateNumbered(ctx, SequenceName(year), c, func(seq int64) string { return s.Policy.Reference(year, seq) })
	}
	ref, err := s.nextRef(ctx, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("allocate reference: %w", err)
	}
	c.Ref = ref
	return s.Store.Create(ctx, c)
}

// createCase stores a new case, logs and counts it; a case without a reference is given one
// (see create). If another delivery of the same item (the same idempotency key) won the race to
// store it, c is not stored and that case is returned as prior.
func (s *Service) createCase(ctx context.Context, c *Case, logAttrs ...any) (prior *Case, err error) {
	if err := s.create(ctx, c); err != nil {
		if ErrorCode(err) == ECONFLICT && c.IdempotencyKey != "" {
			if prior, gerr := s.Store.GetByIdempotencyKey(ctx, c.IdempotencyKey); gerr == nil {
				return prior, nil
			}
		}
		return nil, fmt.Errorf("create case %s: %w", c.Ref, err)
	}
	s.log().InfoContext(ctx, "case created", append([]any{"ref", c.Ref, "kind", c.Kind, "channel", c.Channel}, logAttrs...)...)
	s.count(ctx, MetricCasesCreated, map[string]string{"Channel": string(c.Channel), "Kind": string(c.Kind)})
	return nil, nil
}

func repeat(prior *Case, fingerprint string) (*Case, bool, error) {
	if prior.Fingerprint != "" && prior.Fingerprint != fingerprint {
		return nil, false, Errorf(ECONFLICT,
			"This idempotency key was already used for a different submission (%s). Use a new key for new feedback.", prior.Ref)
	}
	return prior, false, nil
}

func (s *Service) newCase(sub Submission, fingerprint, ref string, now time.Time) *Case {
	kind := Kind(sub.Kind)
	c := &Case{
		Ref:            ref,
		Kind:           kind,
		Channel:        sub.Channel,
		Status:         StatusOpen,
		ServiceArea:    sub.ServiceArea,
		Subject:        sub.Subject,
		Message:        sub.Message,
		Contact:        Contact{Name: sub.Name, Email: sub.Email, Phone: sub.Phone},
		AssignedTo:     s.Routing.Owner(sub.ServiceArea),
		ReceivedAt:     now,
		AcknowledgeBy:  s.Calendar.AddWorkingDays(now, s.Policy.AcknowledgeWorkingDays),
		IdempotencyKey: sub.IdempotencyKey,
		Fingerprint:    fingerprint,
		Effects:        Effects{EffectAcknowledgement: {}, EffectAssignment: {}},
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	if kind == KindComplaint {
		c.Stage = Stage1
		// The acknowledgement goes out automatically on the day of receipt, so Stage 1's
		// working days count from the date received.
		c.RespondBy = s.Calendar.AddWorkingDays(now, s.Policy.Stage1WorkingDays)
		c.Stages = []StageRecord{{Stage: Stage1, OpenedAt: now, RespondBy: c.RespondBy}}
		c.Effects[EffectSchedules] = Effect{}
	}
	if c.Contact.Email == "" {
		// Nothing will acknowledge the sender by email: the officer is asked to check.
		c.Effects[EffectSchedules] = Effect{}
	}
	return c
}

// receivedAt dates a case from when it reached the council rather than when it was entered,
// and recomputes its deadlines from that date.
func (s *Service) receivedAt(c *Case, at time.Time) {
	c.ReceivedAt = at
	c.AcknowledgeBy = s.Calendar.AddWorkingDays(at, s.Policy.AcknowledgeWorkingDays)
	if c.Kind == KindComplaint {
		c.RespondBy = s.Calendar.AddWorkingDays(at, s.Policy.Stage1WorkingDays)
		if st := c.current(); st != nil {
			st.RespondBy = c.RespondBy
		}
	}
}

// Reminders returns the reminders a case calls for now: for a complaint's open stage, a warning
// some working days before the due date, the due date, and the first working day after it; and,
// for an item with no email address to acknowledge, a check one working day after receipt. Each
// fires at the policy's reminder hour in Europe/London.
func (s *Service) Reminders(c *Case) []Reminder {
	var rs []Reminder
	if c.Status == StatusOpen && c.Contact.Email == "" && !c.AcknowledgeBy.IsZero() {
		rs = append(rs, Reminder{Purpose: PurposeAckCheck, Ref: c.Ref,
			At:   s.reminderAt(s.Calendar.NextWorkingDay(c.ReceivedAt)),
			Name: ReminderName(c.Ref, StageNone, PurposeAckCheck)})
	}
	if c.Kind != KindComplaint || c.RespondBy.IsZero() || c.Status != StatusOpen {
		return rs
	}
	return append(rs, s.stageReminders(c.Ref, c.Stage, c.RespondBy)...)
}

// stageReminders are the warning, due and overdue reminders of a stage due on due. Their names
// carry the due date, so that a moved date makes new reminders rather than finding the old.
func (s *Service) stageReminders(ref string, stage Stage, due time.Time) []Reminder {
	rs := []Reminder{
		{Purpose: PurposeWarning, At: s.reminderAt(s.Calendar.SubtractWorkingDays(due, s.Policy.WarningWorkingDays))},
		{Purpose: PurposeDue, At: s.reminderAt(due)},
		{Purpose: PurposeOverdue, At: s.reminderAt(s.Calendar.NextWorkingDay(due))},
	}
	for i := range rs {
		rs[i].Ref, rs[i].Stage, rs[i].Due = ref, stage, due
		rs[i].Name = ReminderName(ref, stage, rs[i].Purpose) + "-" + s.Calendar.Date(due).Format("20060102")
	}
	return rs
}

// reminderAt is the reminder hour, Europe/London, on the date of d.
func (s *Service) reminderAt(d time.Time) time.Time {
	d = s.Calendar.Date(d)
	return time.Date(d.Year(), d.Month(), d.Day(), s.Policy.ReminderHour, 0, 0, 0, s.Calendar.Location())
}

// ReminderName derives a reminder's name from its case, stage and purpose. EventBridge
// Scheduler names allow letters, digits and . - _ and at most 64 characters.
func ReminderName(ref string, stage Stage, p Purpose) string {
	name := strings.Join([]string{ref, string(stage), string(p)}, "-")
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, name)
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
