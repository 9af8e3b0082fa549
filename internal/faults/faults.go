// Package faults makes the domain's ports fail on purpose, for the soak (infra/local/soak) and
// for tests: decorators on feedback.Store, Mailer, Scheduler and Blobs that, at a set rate,
// fail a call in one of the three ways the cloud services do. Nothing here runs in production:
// the local runner wraps its ports only when INTAKE_FAULTS is set (docs/operations.md).
//
//   - transient: the call is not made and EUNAVAILABLE comes back, as throttling or a time-out
//     that outlasted the adapter's own retries does;
//   - ambiguous: the call is made, and then EUNAVAILABLE comes back anyway, as when the write
//     landed but the answer was lost;
//   - permanent: the call is not made and a refusal that will not change comes back. A mailer's
//     refusal is EINVALID and sticks to the recipient's address (SES refuses a suppressed
//     address every time), a scheduler's sticks to the reminder; the store's is EINTERNAL, a
//     bug-like failure of one call.
//
// The faults come from a seeded generator, so a run's sequence of decisions is the same for the
// same seed and the same sequence of calls; which letter or reminder is refused for good
// depends on the seed and its address or name alone.
package faults

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/council/intake/internal/feedback"
)

// Kind is what happens to one call.
type Kind int

// The kinds of fault. None lets the call through.
const (
	None Kind = iota
	Transient
	Ambiguous
	Permanent
)

func (k Kind) String() string {
	return [...]string{"none", "transient", "ambiguous", "permanent"}[k]
}

// The shares of the faulted calls: half transient, three tenths ambiguous, the rest permanent.
const (
	transientShare = 0.5
	ambiguousShare = 0.3
	permanentShare = 1 - transientShare - ambiguousShare
)

// Permanence is how a port fails for good, which decides what Next may return.
type Permanence int

const (
	// PerCall: any call may fail for good (the store's internal errors).
	PerCall Permanence = iota
	// ByKey: the permanent share is decided by Refused, per letter or reminder; Next faults
	// only the passing share of calls.
	ByKey
	// Never: the port never fails for good; the permanent share fails ambiguously instead.
	Never
)

// Injector decides which calls fail and how, and counts what it did. It is safe for concurrent
// use. A nil *Injector injects nothing.
type Injector struct {
	rate float64
	seed uint64

	mu  sync.Mutex
	rng *rand.Rand

	counts [4]atomic.Int64
}

// New returns an injector that faults a share rate (0 to 1) of calls, from seed.
func New(rate float64, seed uint64) *Injector { return newRun(rate, seed, 0) }

// newRun is New for one run of several over the same data (a process restarted): which
// addresses and reminders are refused for good depends on seed alone, so that it stays the same
// from run to run, as SES's suppression list does; the faults of single calls differ by run.
func newRun(rate float64, seed, run uint64) *Injector {
	return &Injector{rate: rate, seed: seed, rng: rand.New(rand.NewPCG(seed, 0x5eed+run))}
}

// Parse reads a spec "rate,seed[,run]" such as "0.2,42", "20%,42" or "20%,42,3" (the seed may
// be left out: 1; the run too: 0). A process restarted over the same data takes the same seed
// and a new run.
func Parse(spec string) (*Injector, error) {
	rateText, seedText, _ := strings.Cut(strings.TrimSpace(spec), ",")
	seedText, runText, _ := strings.Cut(seedText, ",")
	rateText = strings.TrimSpace(rateText)
	div := 1.0
	if strings.HasSuffix(rateText, "%") {
		rateText, div = strings.TrimSuffix(rateText, "%"), 100
	}
	rate, err := strconv.ParseFloat(rateText, 64)
	if err != nil || rate/div < 0 || rate/div > 1 {
		return nil, fmt.Errorf("faults: %q: the rate must be a share from 0 to 1 or a percentage, as in 0.2,42 or 20%%,42", spec)
	}
	seed := uint64(1)
	if s := strings.TrimSpace(seedText); s != "" {
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			return nil, fmt.Errorf("faults: %q: the seed must be a whole number", spec)
		}
	}
	run := uint64(0)
	if s := strings.TrimSpace(runText); s != "" {
		if run, err = strconv.ParseUint(s, 10, 64); err != nil {
			return nil, fmt.Errorf("faults: %q: the run must be a whole number", spec)
		}
	}
	return newRun(rate/div, seed, run), nil
}

// Rate is the share of calls faulted.
func (in *Injector) Rate() float64 {
	if in == nil {
		return 0
	}
	return in.rate
}

// Count returns how many faults of kind k were injected.
func (in *Injector) Count(k Kind) int64 {
	if in == nil {
		return 0
	}
	return in.counts[k].Load()
}

// Total returns how many faults of any kind were injected.
func (in *Injector) Total() int64 {
	return in.Count(Transient) + in.Count(Ambiguous) + in.Count(Permanent)
}

// Next decides the next call's fault, for a port that fails for good as p says.
func (in *Injector) Next(p Permanence) Kind {
	if in == nil || in.rate == 0 {
		return None
	}
	in.mu.Lock()
	u := in.rng.Float64()
	in.mu.Unlock()
	if u >= in.rate {
		return None
	}
	k := Permanent
	switch share := u / in.rate; {
	case share < transientShare:
		k = Transient
	case share < transientShare+ambiguousShare || p == Never:
		k = Ambiguous
	case p == ByKey:
		return None
	}
	in.counts[k].Add(1)
	return k
}

// Refused reports whether the thing named key is refused for good: a share of the permanent
// faults' share of keys, fixed by the seed and the key alone, so that every try of the same
// letter or reminder meets the same refusal.
func (in *Injector) Refused(key string) bool {
	if in == nil || in.rate == 0 {
		return false
	}
	sum := sha256.Sum256(fmt.Appendf(nil, "%d/%s", in.seed, key))
	share := float64(binary.BigEndian.Uint64(sum[:8])>>11) / (1 << 53)
	if share < in.rate*permanentShare {
		in.counts[Permanent].Add(1)
		return true
	}
	return false
}

// unavailable is the error of a transient or ambiguous fault on port.
func unavailable(port, op string, k Kind) error {
	return fmt.Errorf("faults: %s %s: injected %s failure: %w", port, op, k,
		feedback.Errorf(feedback.EUNAVAILABLE, "The %s is not answering. Please try again in a few seconds.", port))
}
