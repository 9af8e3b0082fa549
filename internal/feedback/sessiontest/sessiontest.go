// Package sessiontest is the conformance suite for feedback.Sessions: every implementation,
// embedded or cloud, must pass Run, so that signing in works the same locally and in AWS.
package sessiontest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/feedback"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Start is the instant at which every test's clock starts.
var Start = time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)

// NewSessions returns a fresh, empty implementation that reads time from clk. Cleanup is the
// caller's, via t.Cleanup.
type NewSessions func(t *testing.T, clk feedback.Clock) feedback.Sessions

// Run runs the whole suite against implementations made by newSessions.
func Run(t *testing.T, newSessions NewSessions) {
	t.Run("Put_Get", func(t *testing.T) { testPutGet(t, newSessions) })
	t.Run("Put_Conflict", func(t *testing.T) { testPutConflict(t, newSessions) })
	t.Run("Expiry", func(t *testing.T) { testExpiry(t, newSessions) })
	t.Run("Take_Once", func(t *testing.T) { testTakeOnce(t, newSessions) })
	t.Run("Take_Concurrent", func(t *testing.T) { testTakeConcurrent(t, newSessions) })
	t.Run("Delete", func(t *testing.T) { testDelete(t, newSessions) })
}

var cmpCred = cmp.Options{cmpopts.EquateApproxTime(time.Millisecond)}

func cred(kind feedback.CredentialKind, hash string, ttl time.Duration) feedback.Credential {
	return feedback.Credential{Kind: kind, Hash: hash, Email: "planning@example.gov.uk", CreatedAt: Start, ExpiresAt: Start.Add(ttl)}
}

func code(err error) string { return feedback.ErrorCode(err) }

func testPutGet(t *testing.T, newSessions NewSessions) {
	ctx := context.Background()
	s := newSessions(t, clock.NewFixed(Start))
	link := cred(feedback.CredentialLink, "aa01", 15*time.Minute)
	// A sealed letter is bytes, not text.
	link.Sealed = []byte{0x00, 0xff, 0x10, 'x'}
	sess := cred(feedback.CredentialSession, "aa01", 8*time.Hour) // same hash, other kind
	for _, c := range []feedback.Credential{link, sess} {
		if err := s.PutCredential(ctx, c); err != nil {
			t.Fatalf("PutCredential(%s): %v", c.Kind, err)
		}
	}
	tests := []struct {
		name     string
		kind     feedback.CredentialKind
		hash     string
		want     feedback.Credential
		wantCode string
	}{
		{"link", feedback.CredentialLink, "aa01", link, ""},
		{"session with the same hash is its own credential", feedback.CredentialSession, "aa01", sess, ""},
		{"unknown hash", feedback.CredentialLink, "bb02", feedback.Credential{}, feedback.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.GetCredential(ctx, tt.kind, tt.hash)
			if code(err) != tt.wantCode {
				t.Fatalf("GetCredential = %v; want code %q", err, tt.wantCode)
			}
			if diff := cmp.Diff(tt.want, got, cmpCred); err == nil && diff != "" {
				t.Errorf("GetCredential (-want +got):\n%s", diff)
			}
		})
	}
}

func testPutConflict(t *testing.T, newSessions NewSessions) {
	ctx := context.Background()
	s := newSessions(t, clock.NewFixed(Start))
	c := cred(feedback.CredentialSession, "cc03", time.Hour)
	if err := s.PutCredential(ctx, c); err != nil {
		t.Fatal(err)
	}
	other := c
	other.Email = "housing@example.gov.uk"
	if err := s.PutCredential(ctx, other); code(err) != feedback.ECONFLICT {
		t.Fatalf("a second PutCredential with the same hash = %v; want ECONFLICT (never overwrite someone's session)", err)
	}
	if got, _ := s.GetCredential(ctx, c.Kind, c.Hash); got.Email != c.Email {
		t.Errorf("the first credential was overwritten: email %q", got.Email)
	}
}

func testExpiry(t *testing.T, newSessions NewSessions) {
	ctx := context.Background()
	clk := clock.NewFixed(Start)
	s := newSessions(t, clk)
	if err := s.PutCredential(ctx, cred(feedback.CredentialLink, "dd04", 15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.PutCredential(ctx, cred(feedback.CredentialSession, "dd05", 15*time.Minute)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		at       time.Duration
		wantCode string
	}{
		{15*time.Minute - time.Millisecond, ""},
		{15 * time.Minute, feedback.ENOTFOUND}, // expiry is exclusive: at ExpiresAt it is gone
		{16 * time.Minute, feedback.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.at), func(t *testing.T) {
			clk.Set(Start.Add(tt.at))
			if _, err := s.GetCredential(ctx, feedback.CredentialSession, "dd05"); code(err) != tt.wantCode {
				t.Errorf("GetCredential at +%s = %v; want code %q", tt.at, err, tt.wantCode)
			}
		})
	}
	clk.Set(Start.Add(15 * time.Minute))
	if _, err := s.TakeCredential(ctx, feedback.CredentialLink, "dd04"); code(err) != feedback.ENOTFOUND {
		t.Errorf("TakeCredential of an expired link = %v; want ENOTFOUND", err)
	}
}

func testTakeOnce(t *testing.T, newSessions NewSessions) {
	ctx := context.Background()
	s := newSessions(t, clock.NewFixed(Start))
	c := cred(feedback.CredentialLink, "ee06", 15*time.Minute)
	if err := s.PutCredential(ctx, c); err != nil {
		t.Fatal(err)
	}
	got, err := s.TakeCredential(ctx, c.Kind, c.Hash)
	if err != nil {
		t.Fatalf("first TakeCredential: %v", err)
	}
	if diff := cmp.Diff(c, got, cmpCred); diff != "" {
		t.Errorf("TakeCredential (-want +got):\n%s", diff)
	}
	if _, err := s.TakeCredential(ctx, c.Kind, c.Hash); code(err) != feedback.ENOTFOUND {
		t.Errorf("second TakeCredential = %v; want ENOTFOUND (a link works once)", err)
	}
	if _, err := s.GetCredential(ctx, c.Kind, c.Hash); code(err) != feedback.ENOTFOUND {
		t.Errorf("GetCredential after Take = %v; want ENOTFOUND", err)
	}
}

// testTakeConcurrent is two clicks (and more) on one link at once: exactly one signs in.
func testTakeConcurrent(t *testing.T, newSessions NewSessions) {
	ctx := context.Background()
	s := newSessions(t, clock.NewFixed(Start))
	const links, clicks = 3, 8
	for i := range links {
		if err := s.PutCredential(ctx, cred(feedback.CredentialLink, fmt.Sprintf("ff%02d", i), 15*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	won := map[string]int{}
	var wg sync.WaitGroup
	for i := range links * clicks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hash := fmt.Sprintf("ff%02d", i%links)
			_, err := s.TakeCredential(ctx, feedback.CredentialLink, hash)
			switch code(err) {
			case "":
				mu.Lock()
				won[hash]++
				mu.Unlock()
			case feedback.ENOTFOUND:
			default:
				t.Errorf("TakeCredential: %v", err)
			}
		}()
	}
	wg.Wait()
	for i := range links {
		if hash := fmt.Sprintf("ff%02d", i); won[hash] != 1 {
			t.Errorf("link %s was taken %d times by %d concurrent clicks; want exactly once", hash, won[hash], clicks)
		}
	}
}

func testDelete(t *testing.T, newSessions NewSessions) {
	ctx := context.Background()
	s := newSessions(t, clock.NewFixed(Start))
	c := cred(feedback.CredentialSession, "0a07", 8*time.Hour)
	if err := s.PutCredential(ctx, c); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // deleting what is gone is not an error
		if err := s.DeleteCredential(ctx, c.Kind, c.Hash); err != nil {
			t.Fatalf("DeleteCredential #%d: %v", i+1, err)
		}
	}
	if _, err := s.GetCredential(ctx, c.Kind, c.Hash); code(err) != feedback.ENOTFOUND {
		t.Errorf("GetCredential after Delete = %v; want ENOTFOUND", err)
	}
}
