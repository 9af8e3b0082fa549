// Package remind handles what EventBridge Scheduler invokes: a one-time deadline reminder, whose
// payload is a feedback.Reminder, or the daily sweep ({"sweep": true}), the safety net that
// carries out any side effects the stream left undone (of cases and of restrictions) and sends
// any reminder whose schedule was lost (sent to the dead-letter queue after its retries, or
// never created).
package remind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/council/intake/internal/feedback"
)

// Event is a schedule's payload.
type Event struct {
	feedback.Reminder
	Sweep bool `json:"sweep,omitempty"`
	// Digest asks for the managers' daily digests (the schedule at the reminder hour on
	// weekdays), judged at ScheduledAt: the time the schedule fired for, which EventBridge
	// Scheduler writes into the input in place of <aws.scheduler.scheduled-time>. Without it,
	// now.
	Digest      bool      `json:"digest,omitempty"`
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
}

// Result says what the invocation did.
type Result struct {
	Ref  string `json:"ref,omitempty"`
	Sent bool   `json:"sent"`
	// Swept is set by the daily sweep, with how many missed reminders it sent.
	Swept    bool `json:"swept,omitempty"`
	Reminded int  `json:"reminded,omitempty"`
	// Digested is set by the digest run, with how many managers' digests it sent.
	Digested bool `json:"digested,omitempty"`
	Digests  int  `json:"digests,omitempty"`
}

// Service is what the handler needs of the intake service.
type Service interface {
	Remind(ctx context.Context, r feedback.Reminder) (bool, error)
	ProcessPending(ctx context.Context) error
	ProcessRestrictions(ctx context.Context) error
	SweepReminders(ctx context.Context) (int, error)
	SendDigests(ctx context.Context, scheduled time.Time) (int, error)
}

// Handler handles schedule invocations.
type Handler struct {
	Service Service
	Log     *slog.Logger
}

// Handle fires a reminder or runs the sweep. An error makes the asynchronous invocation retry
// and, in the end, go to the on-failure destination.
func (h *Handler) Handle(ctx context.Context, ev Event) (Result, error) {
	if ev.Digest {
		n, err := h.Service.SendDigests(ctx, ev.ScheduledAt)
		if err != nil {
			return Result{Digested: true, Digests: n}, fmt.Errorf("digests: %w", err)
		}
		return Result{Digested: true, Digests: n}, nil
	}
	if ev.Sweep {
		// Each part runs whatever the others do: a failure in one never hides another's work.
		perr := h.Service.ProcessPending(ctx)
		xerr := h.Service.ProcessRestrictions(ctx)
		n, rerr := h.Service.SweepReminders(ctx)
		if err := errors.Join(perr, xerr, rerr); err != nil {
			return Result{Swept: true, Reminded: n}, fmt.Errorf("sweep: %w", err)
		}
		return Result{Swept: true, Reminded: n}, nil
	}
	if ev.Ref == "" || ev.Purpose == "" {
		// A payload that can never succeed: say so once rather than retrying it for ever.
		h.Log.ErrorContext(ctx, "reminder payload without ref or purpose; ignored", "name", ev.Name)
		return Result{}, nil
	}
	sent, err := h.Service.Remind(ctx, ev.Reminder)
	if err != nil {
		return Result{}, err
	}
	return Result{Ref: ev.Ref, Sent: sent}, nil
}
