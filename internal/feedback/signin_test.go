package feedback_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

var staff = feedback.Directory{
	"planning@example.gov.uk": {Email: "planning@example.gov.uk", Role: feedback.RoleOfficer, Areas: []string{"planning"}},
}

func newSignIn(t *testing.T) (*fixture, *feedback.SignIn) {
	f := newFixture(t, monday)
	f.svc.Council.ConsoleURL = "https://intake.example.gov.uk"
	return f, &feedback.SignIn{Service: f.svc, Sessions: f.store, Directory: staff, Key: []byte("0123456789abcdef0123456789abcdef")}
}

// linkToken returns the token of the last sign-in link in the outbox, or "".
func linkToken(t *testing.T, f *fixture) string {
	t.Helper()
	all, err := f.outbox.List()
	if err != nil {
		t.Fatal(err)
	}
	for i := len(all) - 1; i >= 0; i-- {
		_, after, ok := strings.Cut(all[i].Text, "/officer/sign-in/")
		if ok {
			return strings.Fields(after)[0]
		}
	}
	return ""
}

func TestSignIn_RequestLink(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		email    string
		requests int
		wantSent int
	}{
		{"staff address", "planning@example.gov.uk", 1, 1},
		{"staff address in another case", " Planning@Example.GOV.uk ", 1, 1},
		{"unknown address: nothing sent, no error", "someone@example.com", 1, 0},
		{"at most five an hour", "planning@example.gov.uk", 7, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, si := newSignIn(t)
			for range tt.requests {
				if err := si.RequestLink(ctx, tt.email); err != nil {
					t.Fatalf("RequestLink: %v", err)
				}
			}
			all, _ := f.outbox.List()
			if len(all) != tt.wantSent {
				t.Fatalf("sent %d letters, want %d", len(all), tt.wantSent)
			}
			if tt.wantSent == 0 {
				return
			}
			m := all[0]
			if m.To[0] != "planning@example.gov.uk" || m.Headers["Auto-Submitted"] != "auto-generated" ||
				!strings.Contains(m.Text, "https://intake.example.gov.uk/officer/sign-in/") || !strings.Contains(m.Text, "10:15 on Monday 21 December 2026") {
				t.Errorf("sign-in letter = %+v; want a link to the console to the officer, valid until 10:15, marked auto-generated", m)
			}
		})
	}
	t.Run("the hourly limit lapses", func(t *testing.T) {
		f, si := newSignIn(t)
		for range 6 {
			si.RequestLink(ctx, "planning@example.gov.uk")
		}
		f.clock.Advance(time.Hour)
		si.RequestLink(ctx, "planning@example.gov.uk")
		if all, _ := f.outbox.List(); len(all) != 6 {
			t.Errorf("sent %d letters; want 5 and then one more an hour later", len(all))
		}
	})
}

func TestSignIn_Redeem(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		after    time.Duration // between the link being sent and used
		twice    bool
		tamper   bool
		wantCode string
	}{
		{"fresh link", 14 * time.Minute, false, false, ""},
		{"expired link", 15 * time.Minute, false, false, feedback.ENOTFOUND},
		{"used twice", time.Minute, true, false, feedback.ENOTFOUND},
		{"altered token", time.Minute, false, true, feedback.ENOTFOUND},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, si := newSignIn(t)
			if err := si.RequestLink(ctx, "planning@example.gov.uk"); err != nil {
				t.Fatal(err)
			}
			token := linkToken(t, f)
			if tt.tamper {
				token = token[:len(token)-1] + "x"
			}
			f.clock.Advance(tt.after)
			if tt.twice {
				if _, err := si.Redeem(ctx, token); err != nil {
					t.Fatalf("first Redeem: %v", err)
				}
			}
			sess, err := si.Redeem(ctx, token)
			if feedback.ErrorCode(err) != tt.wantCode {
				t.Fatalf("Redeem = %v; want code %q", err, tt.wantCode)
			}
			if err != nil {
				return
			}
			if sess.Staff.Email != "planning@example.gov.uk" || !sess.ExpiresAt.Equal(f.clock.Now().Add(8*time.Hour)) {
				t.Errorf("session = %+v; want the officer's, for 8 hours", sess)
			}
		})
	}
	t.Run("two clicks at once: one wins", func(t *testing.T) {
		f, si := newSignIn(t)
		si.RequestLink(ctx, "planning@example.gov.uk")
		token := linkToken(t, f)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := si.Redeem(ctx, token); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("%d clicks signed in; want exactly 1", wins)
		}
	})
}

func TestSignIn_Session(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		after   time.Duration
		signOut bool
		removed bool // taken out of the staff directory
		wantErr bool
	}{
		{"live", 8*time.Hour - time.Second, false, false, false},
		{"after 8 hours", 8 * time.Hour, false, false, true},
		{"signed out", time.Minute, true, false, true},
		{"no longer staff", time.Minute, false, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, si := newSignIn(t)
			si.RequestLink(ctx, "planning@example.gov.uk")
			sess, err := si.Redeem(ctx, linkToken(t, f))
			if err != nil {
				t.Fatal(err)
			}
			f.clock.Advance(tt.after)
			if tt.signOut {
				if err := si.SignOut(ctx, sess.Token); err != nil {
					t.Fatal(err)
				}
			}
			if tt.removed {
				si.Directory = feedback.Directory{}
			}
			got, err := si.Resume(ctx, sess.Token)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Resume = %+v, %v; want error %v", got, err, tt.wantErr)
			}
			if err == nil && got.Staff.Email != "planning@example.gov.uk" {
				t.Errorf("Resume gave %+v", got.Staff)
			}
		})
	}
}

func TestSignIn_CheckCSRF(t *testing.T) {
	_, si := newSignIn(t)
	other := &feedback.SignIn{Key: []byte("another key, another deployment!!")}
	tests := []struct {
		name    string
		session string
		token   string
		want    bool
	}{
		{"the session's token", "s1", si.CSRF("s1"), true},
		{"another session's token", "s1", si.CSRF("s2"), false},
		{"made with another key", "s1", other.CSRF("s1"), false},
		{"no token", "s1", "", false},
		{"no session", "", si.CSRF(""), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := si.CheckCSRF(tt.session, tt.token); got != tt.want {
				t.Errorf("CheckCSRF = %v, want %v", got, tt.want)
			}
		})
	}
}
