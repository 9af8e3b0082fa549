package outbox_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/mailtest"
	"github.com/council/intake/internal/feedback/storetest"
	"github.com/council/intake/internal/outbox"
)

func TestOutbox_Conformance(t *testing.T) {
	mailtest.Run(t, func(t *testing.T) (feedback.Mailer, mailtest.Sent) {
		o, err := outbox.Open(t.TempDir(), clock.NewFixed(storetest.Start))
		if err != nil {
			t.Fatal(err)
		}
		return o, func(t *testing.T) []feedback.Message {
			all, err := o.List()
			if err != nil {
				t.Fatal(err)
			}
			msgs := make([]feedback.Message, len(all))
			for i, s := range all {
				msgs[i] = s.Message
			}
			return msgs
		}
	})
}

func TestOutbox_KeepsMailAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFixed(storetest.Start)
	o, _ := outbox.Open(dir, clk)
	if _, err := o.Send(t.Context(), mailtest.Example()); err != nil {
		t.Fatal(err)
	}
	o, err := outbox.Open(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	id, err := o.Send(t.Context(), mailtest.Example())
	if err != nil {
		t.Fatal(err)
	}
	all, _ := o.List()
	if len(all) != 2 || id != "local-2" || !all[0].SentAt.Equal(storetest.Start) {
		t.Errorf("after reopen: %d messages, id %s; want 2 messages and id local-2", len(all), id)
	}
}

func TestOutbox_OneLetterPerKey(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFixed(storetest.Start)
	o, _ := outbox.Open(dir, clk)
	m := mailtest.Example()
	m.Key = "FB-2026-000001/acknowledgement"
	first, err := o.Send(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	// Asked again, even by a process started after a crash, it sends nothing new.
	o, _ = outbox.Open(dir, clk)
	again, err := o.Send(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	other := mailtest.Example()
	other.Key = "FB-2026-000001/assignment"
	if _, err := o.Send(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	unkeyed := mailtest.Example()
	o.Send(t.Context(), unkeyed)
	o.Send(t.Context(), unkeyed)
	all, _ := o.List()
	if again != first || len(all) != 4 {
		t.Errorf("ids %s then %s, %d letters; want the same id twice and 4 letters (one per key, every unkeyed one)", first, again, len(all))
	}
}

func TestOutbox_RepairsATornLastLine(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFixed(storetest.Start)
	o, _ := outbox.Open(dir, clk)
	m := mailtest.Example()
	m.Key = "FB-2026-000001/acknowledgement"
	if _, err := o.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	// A process killed while appending a second, long letter leaves part of a line.
	f, err := os.OpenFile(filepath.Join(dir, "outbox.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"id":"local-2","key":"FB-2026-000001/assignment","to":["plann`)
	f.Close()

	o, err = outbox.Open(dir, clk)
	if err != nil {
		t.Fatalf("Open after a torn write: %v", err)
	}
	m.Key = "FB-2026-000001/assignment"
	if _, err := o.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	all, err := o.List()
	if err != nil || len(all) != 2 || all[1].Key != m.Key {
		t.Errorf("after repair: %d letters, %v; want the first and the resent second", len(all), err)
	}
}

// TestOutbox_ConcurrentSends sends from many goroutines at once, each key twice: every letter
// is whole on disk once, and a reopened outbox finds them all.
func TestOutbox_ConcurrentSends(t *testing.T) {
	dir := t.TempDir()
	clk := clock.NewFixed(storetest.Start)
	o, err := outbox.Open(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	const letters = 50
	ids := make([][2]string, letters)
	var wg sync.WaitGroup
	for i := 0; i < letters; i++ {
		for j := 0; j < 2; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := mailtest.Example()
				m.Key = fmt.Sprintf("FB-2026-%06d/acknowledgement", i)
				id, err := o.Send(t.Context(), m)
				if err != nil {
					t.Error(err)
				}
				ids[i][j] = id
			}()
		}
	}
	wg.Wait()
	for i, pair := range ids {
		if pair[0] != pair[1] {
			t.Errorf("key %d sent as %s and %s; want one letter", i, pair[0], pair[1])
		}
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	reopened, err := outbox.Open(dir, clk)
	if err != nil {
		t.Fatal(err)
	}
	all, err := reopened.List()
	if err != nil || len(all) != letters {
		t.Errorf("reopened: %d letters, %v; want %d", len(all), err, letters)
	}
}
