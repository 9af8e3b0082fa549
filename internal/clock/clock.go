// Package clock provides the clocks Intake runs on: the system clock, and a fixed clock that
// stands still until it is moved (for tests and for trying deadlines locally).
package clock

import (
	"sync"
	"time"
)

// System reads the real time.
type System struct{}

// Now returns the current time.
func (System) Now() time.Time { return time.Now() }

// Fixed is a clock that stands at one instant until Set or Advance moves it. It is safe for
// concurrent use.
type Fixed struct {
	mu  sync.Mutex
	now time.Time
}

// NewFixed returns a clock standing at t.
func NewFixed(t time.Time) *Fixed { return &Fixed{now: t} }

// Now returns the clock's instant.
func (f *Fixed) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Set moves the clock to t.
func (f *Fixed) Set(t time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = t
}

// Advance moves the clock forward by d.
func (f *Fixed) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// MoveForward moves the clock to t unless t is before the clock's instant, and reports
// whether it moved. Time that has passed for stored cases cannot be taken back.
func (f *Fixed) MoveForward(t time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t.Before(f.now) {
		return false
	}
	f.now = t
	return true
}
