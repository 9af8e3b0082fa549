package feedback

import (
	"context"
	"fmt"
	"net/mail"
	"net/textproto"
	"time"
)

// Clock tells the time. Everything with a date takes one, so tests run at fixed instants.
type Clock interface {
	Now() time.Time
}

// Store keeps cases. Implementations: internal/boltstore (embedded) and internal/dynamo (AWS),
// both held to internal/feedback/storetest.
type Store interface {
	// NextSequence atomically increments the named counter and returns its new value (from 1).
	// A value once returned is never returned again, even if the caller then fails.
	NextSequence(ctx context.Context, name string) (int64, error)
	// Create writes a new case together with its idempotency key (if any), or nothing at all.
	// It returns ECONFLICT if the reference or the idempotency key is already taken.
	Create(ctx context.Context, c *Case) error
	// Get returns the case, or ENOTFOUND if there is none or it has passed its retention end.
	Get(ctx context.Context, ref string) (*Case, error)
	// GetByIdempotencyKey returns the case created with key, or ENOTFOUND.
	GetByIdempotencyKey(ctx context.Context, key string) (*Case, error)
	// Update reads the case, applies fn and writes it back if nobody else wrote in between,
	// retrying fn on a lost race. If fn returns an error nothing is written. A case's
	// reference and idempotency key never change: fn changing either is refused with EINVALID.
	Update(ctx context.Context, ref string, fn func(*Case) error) (*Case, error)
	// UpdateFrom is Update starting from c, the case as the caller last saw it (a stream's
	// image, or what an earlier Update returned), so that a store whose reads cost need not
	// read it again: fn is applied to a copy of c, which is written only if the stored case is
	// still at c's version; otherwise the store reads the case and goes on as Update does. c
	// itself is left unchanged.
	UpdateFrom(ctx context.Context, c *Case, fn func(*Case) error) (*Case, error)
	// ListPending returns the cases whose intake side effects are not all done, oldest first.
	ListPending(ctx context.Context) ([]*Case, error)
	// ListDue returns the open cases with a response date on or before the given date, soonest
	// first: the daily sweep's safety net behind the one-time reminders.
	ListDue(ctx context.Context, onOrBefore time.Time) ([]*Case, error)
	// ListAssigned returns the open cases assigned to a mailbox, oldest first.
	ListAssigned(ctx context.Context, mailbox string) ([]*Case, error)
	// ListCases returns up to q.Limit cases matching q's filters (Status, AssignedTo,
	// ServiceArea, Kind, Stage, Channel, DueBefore), soonest due first (the response date, or
	// for items without one the acknowledgement date; ties by reference), starting after
	// q.Cursor. Next is the cursor of the page after, "" when there is none. Expired cases are
	// never listed.
	ListCases(ctx context.Context, q CaseQuery) (CasePage, error)
	// Search returns up to q.Limit live cases that carry every one of q.Keys (SearchKeys, as
	// the case stands now), open and closed, newest received first (ReceivedKey order,
	// descending), starting after q.Cursor; Next is the cursor of the page after, "" when there
	// is none. A store may read its index by q.Keys[0] alone and check the rest on the case.
	Search(ctx context.Context, q SearchQuery) (CasePage, error)
	// ListReceived returns up to q.Limit cases received in [q.From, q.To), in ReceivedKey
	// order (by instant of receipt, ties by reference), starting after q.Cursor; Next is the
	// cursor of the page after, "" when there is none. Expired cases are never listed. It is
	// for reports, and the cases hold what a report reads (ReportFields) and may lack the rest:
	// the resident's words and contact details, correspondence, letters, flags, history, and
	// every side effect but the acknowledgement's.
	ListReceived(ctx context.Context, q ReceivedQuery) (CasePage, error)
	// TakeQuota records one use, named use, of the quota called key, unless limit uses are
	// recorded within the window before now already; it reports whether the use was allowed.
	// Taking the same use again is allowed and counts once, so that a retried side effect is
	// not refused by its own first try. Old uses are forgotten (and expire from the store).
	TakeQuota(ctx context.Context, key, use string, limit int, window time.Duration) (bool, error)

	// ListByContact returns the live cases whose ContactKey is identity (a NormalizeContact
	// result), oldest received first: a person's cases, for subject access and erasure.
	ListByContact(ctx context.Context, identity string) ([]*Case, error)

	// ListExpired returns up to limit cases whose retention end is at or before before, soonest
	// expired first, for the embedded store's purge. A store whose records are destroyed by the
	// database itself (DynamoDB's TTL, whose stream drives Service.Destroy) may return none; it
	// never returns a live case.
	ListExpired(ctx context.Context, before time.Time, limit int) ([]*Case, error)
	// Purge deletes the case's record and its idempotency key for good; purging a case that is
	// not there is not an error.
	Purge(ctx context.Context, ref string) error
	// LogDestruction writes d to the destruction log, which keeps it until d.KeepUntil; writing
	// the same reference again replaces its line. ListDestructions returns the lines for cases
	// whose retention ended within [from, to), oldest first.
	LogDestruction(ctx context.Context, d Destruction) error
	ListDestructions(ctx context.Context, from, to time.Time) ([]Destruction, error)

	// StatisticsStore keeps the anonymous statistical records of destroyed cases.
	StatisticsStore
}

// ReceivedQuery selects cases by when they were received: From inclusive, To exclusive.
type ReceivedQuery struct {
	From, To time.Time
	Cursor   string
	// Limit bounds a page (0: DefaultReceivedPage).
	Limit int
}

// ReportFields is the part of a case that ListReceived must return as Get does: the stores'
// shared definition, which the conformance suite compares.
func ReportFields(c *Case) Case {
	r := Case{Ref: c.Ref, Kind: c.Kind, Channel: c.Channel, Status: c.Status, Stage: c.Stage, ServiceArea: c.ServiceArea,
		AssignedTo: c.AssignedTo, ReceivedAt: c.ReceivedAt, AcknowledgeBy: c.AcknowledgeBy, RespondBy: c.RespondBy,
		ClosedAt: c.ClosedAt, ExpiresAt: c.ExpiresAt, Ombudsman: c.Ombudsman, Version: c.Version}
	r.Ombudsman.Remedy = ""
	if at := c.AcknowledgedAt(); !at.IsZero() {
		r.Effects = Effects{EffectAcknowledgement: {State: EffectDone, At: at}}
	}
	for _, st := range c.Stages {
		r.Stages = append(r.Stages, StageRecord{Stage: st.Stage, OpenedAt: st.OpenedAt, RespondBy: st.RespondBy, ExtendedBy: st.ExtendedBy,
			Response: Response{Outcome: st.Response.Outcome, Lessons: st.Response.Lessons,
				CompensationPence: st.Response.CompensationPence, At: st.Response.At}})
	}
	return r
}

// DefaultReceivedPage is ListReceived's page size when the query gives none.
const DefaultReceivedPage = 500

// Message is an email Intake sends. Extra headers (Auto-Submitted and the like) go in Headers.
type Message struct {
	From    string            `json:"from"`
	To      []string          `json:"to"`
	ReplyTo string            `json:"reply_to,omitempty"`
	Subject string            `json:"subject"`
	Headers map[string]string `json:"headers"`
	Text    string            `json:"text"`
	HTML    string            `json:"html"`
	// MessageID, when set, is the Message-ID header to send (without angle brackets), so that
	// replies to the letter can be matched to its case; otherwise the mailer makes one up.
	MessageID string `json:"message_id,omitempty"`
	// Key identifies the letter (the case and the side effect it carries out). A mailer that
	// can deduplicate sends one letter per key, however often it is asked; SES cannot.
	Key string `json:"key,omitempty"`
}

// Mailer sends email. Implementations: internal/outbox (keeps every message locally) and
// internal/sesmail (SES v2), both held to internal/feedback/mailtest.
type Mailer interface {
	// Send sends m and returns the provider's message id.
	Send(ctx context.Context, m Message) (string, error)
}

// Scheduler arranges for reminders to fire. Implementations: internal/localsched (fires them in
// process) and internal/schedule (EventBridge Scheduler), both held to
// internal/feedback/scheduletest.
type Scheduler interface {
	// Schedule creates the reminder; creating one that exists already, by name, is not an error.
	Schedule(ctx context.Context, r Reminder) error
	// Cancel deletes the named reminder; cancelling one that does not exist is not an error.
	Cancel(ctx context.Context, name string) error
}

// reservedHeaders are the headers a mailer writes itself from the Message's own fields and its
// MIME structure; Headers may not set them, or a letter could add a Bcc or a second From.
var reservedHeaders = map[string]bool{
	"Bcc": true, "Cc": true, "Content-Transfer-Encoding": true, "Content-Type": true,
	"Date": true, "From": true, "Message-Id": true, "Mime-Version": true, "Reply-To": true,
	"Return-Path": true, "Sender": true, "Subject": true, "To": true,
}

// Validate refuses a message that no mailer should send, whichever mailer it is: no recipient,
// an address that does not parse, a line break or NUL in any header (which would let text a
// resident wrote add headers or recipients), or an extra header that is malformed or one the
// mailer writes itself. Its messages never quote an address or a header value: they may be
// personal data.
func (m Message) Validate() error {
	if len(m.To) == 0 {
		return Errorf(EINVALID, "the message has no recipient")
	}
	addrs := map[string]string{"sender": m.From, "reply-to address": m.ReplyTo}
	for i, to := range m.To {
		addrs[fmt.Sprintf("recipient %d", i+1)] = to
	}
	for what, a := range addrs {
		if a == "" && what == "reply-to address" {
			continue
		}
		if hasBreak(a) {
			return Errorf(EINVALID, "the %s contains a line break", what)
		}
		parsed, err := mail.ParseAddress(a)
		if err != nil {
			return Errorf(EINVALID, "the %s is not a valid email address", what)
		}
		if !asciiMailbox(parsed.Address) || !asciiDomainPart(parsed.Address) {
			return Errorf(EINVALID, "the %s cannot receive email: it has characters outside ASCII (domains must be in their punycode form)", what)
		}
	}
	if hasBreak(m.Subject) {
		return Errorf(EINVALID, "the subject contains a line break")
	}
	if m.MessageID != "" && !validMessageID(m.MessageID) {
		return Errorf(EINVALID, "the message id must be local@domain in printable ASCII without brackets or spaces")
	}
	for k, v := range m.Headers {
		name := textproto.CanonicalMIMEHeaderKey(k)
		switch {
		case !validFieldName(k):
			return Errorf(EINVALID, "a header name is not a valid field name")
		case reservedHeaders[name]:
			return Errorf(EINVALID, "header %s is set by the mailer and may not be given", name)
		case hasBreak(v):
			return Errorf(EINVALID, "header %s contains a line break", name)
		}
	}
	return nil
}

// Metrics counts what Intake does, for dashboards and alarms: cases created, acknowledgements
// sent or not, reminders, side-effect failures, bounces. Implementation: internal/emf (CloudWatch
// Embedded Metric Format). Dimensions are a few fixed words, never personal data.
type Metrics interface {
	Add(ctx context.Context, name string, value float64, dims map[string]string)
}

// The metrics Intake emits.
const (
	MetricCasesCreated            = "CasesCreated"
	MetricAcknowledgementsSent    = "AcknowledgementsSent"
	MetricAcknowledgementsNotSent = "AcknowledgementsNotSent"
	MetricRemindersSent           = "RemindersSent"
	MetricSideEffectFailures      = "SideEffectFailures"
	MetricBounces                 = "Bounces"
	MetricAcknowledgementsOverdue = "AcknowledgementsOverdue"
)

// count records one of metric name, if the service has somewhere to record it.
func (s *Service) count(ctx context.Context, name string, dims map[string]string) {
	if s.Metrics != nil {
		s.Metrics.Add(ctx, name, 1, dims)
	}
}
