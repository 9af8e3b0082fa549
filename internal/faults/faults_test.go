package faults_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/council/intake/internal/boltstore"
	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/faults"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/blobtest"
	"github.com/council/intake/internal/feedback/mailtest"
	"github.com/council/intake/internal/feedback/storetest"
	"github.com/council/intake/internal/fileblobs"
	"github.com/council/intake/internal/outbox"
)

func openStore(t *testing.T, clk feedback.Clock) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(t.TempDir(), clk)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func openOutbox(t *testing.T) *outbox.Outbox {
	t.Helper()
	o, err := outbox.Open(t.TempDir(), clock.NewFixed(storetest.Start))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.Close() })
	return o
}

// At rate 0 the decorators are the ports they wrap: the same conformance suites pass.
func TestWrap_RateZeroConforms(t *testing.T) {
	off := faults.New(0, 1)
	t.Run("Store", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T, clk feedback.Clock) feedback.Store { return faults.WrapStore(openStore(t, clk), off) })
	})
	t.Run("Mailer", func(t *testing.T) {
		mailtest.Run(t, func(t *testing.T) (feedback.Mailer, mailtest.Sent) {
			o := openOutbox(t)
			return &faults.Mailer{Mailer: o, In: off}, func(t *testing.T) []feedback.Message {
				all, err := o.List()
				if err != nil {
					t.Fatal(err)
				}
				out := make([]feedback.Message, len(all))
				for i, s := range all {
					out[i] = s.Message
				}
				return out
			}
		})
	})
	t.Run("Blobs", func(t *testing.T) {
		blobtest.Run(t, func(t *testing.T) feedback.Blobs {
			d, err := fileblobs.New(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { d.Close() })
			return &faults.Blobs{Blobs: d, In: off}
		})
	})
	if off.Total() != 0 {
		t.Errorf("rate 0 injected %d faults", off.Total())
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		spec    string
		rate    float64
		wantErr bool
	}{
		{"0.2,42", 0.2, false},
		{"20%,42", 0.2, false},
		{" 5% , 7 ", 0.05, false},
		{"0.3", 0.3, false},
		{"0", 0, false},
		{"120%,1", 0, true},
		{"-0.1,1", 0, true},
		{"lots,1", 0, true},
		{"0.2,seed", 0, true},
		{"20%,7,3", 0.2, false},
		{"20%,7,x", 0, true},
	}
	for _, tt := range tests {
		in, err := faults.Parse(tt.spec)
		if (err != nil) != tt.wantErr {
			t.Errorf("Parse(%q) error = %v; want error %v", tt.spec, err, tt.wantErr)
			continue
		}
		if err == nil && in.Rate() != tt.rate {
			t.Errorf("Parse(%q).Rate() = %v; want %v", tt.spec, in.Rate(), tt.rate)
		}
	}
}

// The outcomes of a sequence of calls depend on the seed alone; ambiguous failures have done
// what was asked; each kind comes at about its share of the rate.
func TestMailer_Faults(t *testing.T) {
	ctx := context.Background()
	const calls = 1000
	run := func(seed uint64) (codes []string, in *faults.Injector, sent int) {
		in = faults.New(0.2, seed)
		o := openOutbox(t)
		m := &faults.Mailer{Mailer: o, In: in}
		for i := range calls {
			msg := mailtest.Example()
			msg.To = []string{fmt.Sprintf("resident-%d@example.com", i)}
			msg.Key = fmt.Sprintf("FB-2026-%06d/acknowledgement", i)
			_, err := m.Send(ctx, msg)
			codes = append(codes, feedback.ErrorCode(err))
		}
		all, _ := o.List()
		return codes, in, len(all)
	}
	a, in, sent := run(42)
	b, _, _ := run(42)
	c, _, _ := run(43)
	same := func(x, y []string) bool {
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	if !same(a, b) {
		t.Error("the same seed gave different faults")
	}
	if same(a, c) {
		t.Error("different seeds gave the same faults")
	}
	n := map[string]int{}
	for _, code := range a {
		n[code]++
	}
	ok := n[""]
	// Every success and every ambiguous failure reached the outbox; nothing else did.
	if want := ok + int(in.Count(faults.Ambiguous)); sent != want {
		t.Errorf("%d letters in the outbox; want %d (successes and ambiguous failures)", sent, want)
	}
	if got := n[feedback.EUNAVAILABLE]; int64(got) != in.Count(faults.Transient)+in.Count(faults.Ambiguous) {
		t.Errorf("%d EUNAVAILABLE; the injector counts %d transient and %d ambiguous", got, in.Count(faults.Transient), in.Count(faults.Ambiguous))
	}
	if got := n[feedback.EINVALID]; int64(got) != in.Count(faults.Permanent) || got == 0 {
		t.Errorf("%d EINVALID; the injector counts %d permanent", got, in.Count(faults.Permanent))
	}
	if failed := calls - ok; failed < calls*15/100 || failed > calls*25/100 {
		t.Errorf("%d of %d calls failed at a rate of 20%%", failed, calls)
	}
}

// Every letter to an address refused for good is refused, on every try, whatever else fails
// for now; a staff address is never refused for good.
func TestMailer_PermanentSticksToTheAddress(t *testing.T) {
	ctx := context.Background()
	in := faults.New(0.5, 9)
	m := &faults.Mailer{Mailer: openOutbox(t), In: in, Staff: map[string]bool{"officer@example.gov.uk": true}}
	send := func(to string, n int) string {
		msg := mailtest.Example()
		msg.To = []string{to}
		msg.Key = fmt.Sprintf("%s/letter:%d", to, n)
		for range 30 {
			_, err := m.Send(ctx, msg)
			if code := feedback.ErrorCode(err); code != feedback.EUNAVAILABLE {
				return code
			}
		}
		return feedback.EUNAVAILABLE
	}
	var refused, passed int
	for i := range 200 {
		to := fmt.Sprintf("resident-%d@example.com", i)
		first := send(to, 1)
		for n := 2; n <= 4; n++ {
			if again := send(to, n); again != first {
				t.Errorf("%s: the first letter got %q, letter %d %q", to, first, n, again)
			}
		}
		switch first {
		case feedback.EINVALID:
			refused++
		case "":
			passed++
		default:
			t.Errorf("%s: %q", to, first)
		}
	}
	if refused == 0 || passed == 0 {
		t.Errorf("%d addresses refused for good, %d passed; want some of each", refused, passed)
	}
	for n := range 100 {
		if code := send("Officer@example.gov.uk", n); code != "" {
			t.Fatalf("a letter to a staff address ended %q; want sent", code)
		}
	}
}

// An ambiguous store write lands: the case is there although Create failed.
func TestStore_AmbiguousWriteLands(t *testing.T) {
	ctx := context.Background()
	clk := clock.NewFixed(storetest.Start)
	inner := openStore(t, clk)
	in := faults.New(1, 3)
	st := faults.WrapStore(inner, in)
	var landed, notLanded int
	for i := range 60 {
		c := &feedback.Case{Ref: "FB-2026-" + string(rune('0'+i/10)) + string(rune('0'+i%10)) + "0000", Kind: feedback.KindComment,
			Channel: feedback.ChannelWeb, Status: feedback.StatusOpen, ReceivedAt: clk.Now(), CreatedAt: clk.Now(), UpdatedAt: clk.Now()}
		err := st.Create(ctx, c)
		if err == nil {
			t.Fatal("at rate 1 a write succeeded")
		}
		_, gerr := inner.Get(ctx, c.Ref)
		switch feedback.ErrorCode(err) {
		case feedback.EUNAVAILABLE:
			if gerr == nil {
				landed++
			} else {
				notLanded++
			}
		case feedback.EINTERNAL:
			if gerr == nil {
				t.Errorf("a permanent failure wrote case %s", c.Ref)
			}
		default:
			t.Errorf("Create = %v", err)
		}
	}
	if in.Count(faults.Ambiguous) != int64(landed) || in.Count(faults.Transient) != int64(notLanded) {
		t.Errorf("%d landed and %d did not; the injector counts %d ambiguous and %d transient",
			landed, notLanded, in.Count(faults.Ambiguous), in.Count(faults.Transient))
	}
	if _, ok := st.(interface {
		CreateNumbered(context.Context, string, *feedback.Case, func(int64) string) error
	}); !ok {
		t.Error("the wrapped embedded store lost CreateNumbered, so the domain would take another path")
	}
}
