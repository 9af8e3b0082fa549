package feedback

import (
	"crypto/rand"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Workers: how a process names itself in the claims it writes on the side-effect ledger, how
// long a claim holds, and the handoff of a new case's claims from Submit to Process.

// WorkerSettings are how this process claims side effects.
type WorkerSettings struct {
	// Worker names this process in the claims it writes on cases (default: a random name per
	// process). Lease is how long a claim holds before another worker may take the effect over
	// (default DefaultLease).
	Worker string
	Lease  time.Duration
	// SoleProcess says that no other process uses the store (the embedded store locks its
	// file), so a claim written by another process is left over from one that died and is
	// taken over at once instead of after its lease.
	SoleProcess bool
	// Handoff, when set, has Submit claim a new case's intake effects in the write that stores
	// it, for the Process call that follows in this process (the local runner makes that call
	// at once), instead of Process claiming them in a write of its own. Nil in Lambda, where the
	// notifier claims them when the stream delivers the case.
	Handoff *Handoff
}

// DefaultLease is how long a claim on a side effect holds: longer than any send or schedule
// call takes (the functions time out well before it), short enough that the sweep soon takes
// over the work of a worker that died.
const DefaultLease = 2 * time.Minute

// claims numbers the claims this process makes, so that two goroutines of one process never
// mistake each other's claim for their own.
var claims atomic.Int64

// worker is this worker's name: Worker, or else the process's own.
func (s *Service) worker() string {
	if s.Workers.Worker != "" {
		return s.Workers.Worker
	}
	return processID()
}

// owner returns a fresh claim owner: the worker's name and a number unique within the process.
func (s *Service) owner() string {
	return s.worker() + "#" + strconv.FormatInt(claims.Add(1), 10)
}

// ownedHere reports whether a claim owner belongs to this worker.
func (s *Service) ownedHere(owner string) bool {
	return strings.HasPrefix(owner, s.worker()+"#")
}

func (s *Service) lease() time.Duration {
	if s.Workers.Lease > 0 {
		return s.Workers.Lease
	}
	return DefaultLease
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

// processID identifies this process as a worker when the service is given no name. It is
// made on first use, not at package init, so that a function's cold start does not wait on it.
var processID = sync.OnceValue(func() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "worker-" + hex.EncodeToString(b)
})
