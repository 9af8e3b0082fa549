// Package embeddedtest opens Intake's embedded stack for tests: the service over the embedded
// adapters in a temporary data directory, at a fixed instant, under the policy the settings
// give by default. It is the one way a test builds the stack, so that no test keeps its own
// copy of the wiring or of the defaults.
package embeddedtest

import (
	"log/slog"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/embedded"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/workdays"
)

// Options describe the council a test's stack serves. Every field may be left out.
type Options struct {
	// Now is where the fixed clock starts.
	Now     time.Time
	Council feedback.Council
	Routing feedback.Routing
	Staff   feedback.Directory
	// Policy, when set, replaces the settings' defaults (DefaultPolicy).
	Policy    *feedback.Policy
	Mailboxes map[string]feedback.Kind
	AckLimit  int
	// Log, when set, is the service's log; else it is discarded.
	Log *slog.Logger
}

// Service is the service the options describe on clk, before its adapters: what Open opens the
// embedded stack with, and what a test of a cloud adapter builds its own stack from. The
// calendar is Europe/London's with no extra holidays.
func (o Options) Service(t testing.TB, clk feedback.Clock) feedback.Service {
	t.Helper()
	loc, err := workdays.London()
	if err != nil {
		t.Fatal(err)
	}
	policy := DefaultPolicy(t)
	if o.Policy != nil {
		policy = *o.Policy
	}
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return feedback.Service{Clock: clk, Calendar: workdays.New(loc), Policy: policy, Council: o.Council, Routing: o.Routing,
		Staff: o.Staff, Mailboxes: o.Mailboxes, AckLimit: o.AckLimit, Log: log}
}

// Stack is the embedded stack with the fixed clock it runs on.
type Stack struct {
	*embedded.Stack
	Clock *clock.Fixed
}

// Open opens the embedded stack the options describe in a temporary directory, closed when the
// test ends.
func Open(t testing.TB, o Options) *Stack {
	t.Helper()
	clk := clock.NewFixed(o.Now)
	st, err := embedded.Open(t.TempDir(), o.Service(t, clk))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return &Stack{Stack: st, Clock: clk}
}

// DefaultPolicy is the policy when no setting changes it: config's, loaded from an empty
// environment, the one source of the defaults (the councils' own numbers).
func DefaultPolicy(t testing.TB) feedback.Policy {
	t.Helper()
	cfg, err := config.Load(config.Map(nil))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Policy()
}
