package feedback

import (
	"context"
	"strings"
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
	// retrying fn on a lost race. If fn returns an error nothing is written.
	Update(ctx context.Context, ref string, fn func(*Case) error) (*Case, error)
	// ListPending returns the cases whose intake side effects are not all done, oldest first.
	ListPending(ctx context.Context) ([]*Case, error)
	// ListDue returns the open cases with a response date on or before the given date, soonest
	// first: the daily sweep's safety net behind the one-time reminders.
	ListDue(ctx context.Context, onOrBefore time.Time) ([]*Case, error)
	// ListAssigned returns the open cases assigned to a mailbox, oldest first.
	ListAssigned(ctx context.Context, mailbox string) ([]*Case, error)
}

// Message is an email Intake sends. Extra headers (Auto-Submitted and the like) go in Headers.
type Message struct {
	From    string            `json:"from"`
	To      []string          `json:"to"`
	ReplyTo string            `json:"reply_to,omitempty"`
	Subject string            `json:"subject"`
	Headers map[string]string `json:"headers"`
	Text    string            `json:"text"`
	HTML    string            `json:"html"`
}

// Mailer sends email. Implementations: internal/outbox (keeps every message locally) and
// internal/sesmail (SES v2), both held to internal/feedback/mailtest.
type Mailer interface {
	// Send sends m and returns the provider's message id.
	Send(ctx context.Context, m Message) (string, error)
}

// Purpose is why a reminder fires.
type Purpose string

// The reminder purposes: two working days before a stage's due date, on it, and the first
// working day after it; and the six-monthly review of a restriction.
const (
	PurposeWarning Purpose = "warning"
	PurposeDue     Purpose = "due"
	PurposeOverdue Purpose = "overdue"
	PurposeReview  Purpose = "review"
)

// Reminder is a one-time trigger at a given instant. Its Name is derived from the case, the
// stage and the purpose, so creating it twice is harmless.
type Reminder struct {
	Name    string    `json:"name"`
	At      time.Time `json:"at"`
	Ref     string    `json:"ref"`
	Stage   Stage     `json:"stage,omitempty"`
	Purpose Purpose   `json:"purpose"`
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

// Validate refuses a message that no mailer should send: no recipient, or a line break in any
// header, which would let text a resident wrote add headers or recipients.
func (m Message) Validate() error {
	if len(m.To) == 0 {
		return Errorf(EINVALID, "the message has no recipient")
	}
	fields := append([]string{m.From, m.ReplyTo, m.Subject}, m.To...)
	for k, v := range m.Headers {
		fields = append(fields, k, v)
	}
	for _, f := range fields {
		if strings.ContainsAny(f, "\r\n") {
			return Errorf(EINVALID, "a header of the message contains a line break")
		}
	}
	return nil
}
