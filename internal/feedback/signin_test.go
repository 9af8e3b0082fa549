package feedback_test

import (
	"context"
	"slices"
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

// requester is the client address the tests ask for links from.
const requester = "203.0.113.1"

// requestLink asks for a link for email from requester and sends it, as the console does once
// it has answered.
func requestLink(t *testing.T, si *feedback.SignIn, email string) {
	t.Helper()
	requestLinkFrom(t, si, email, requester)
}

func requestLinkFrom(t *testing.T, si *feedback.SignIn, email, from string) {
	t.Helper()
	p, err := si.RequestLink(context.Background(), email, from)
	if err != nil {
		t.Fatalf("RequestLink: %v", err)
	}
	if err := p.Send(context.Background()); err != nil {
		t.Fatalf("Send: %v", err)
	}
}

func TestSignIn_RequestLink(t *testing.T) {
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
				requestLink(t, si, tt.email)
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
			requestLink(t, si, "planning@example.gov.uk")
		}
		f.clock.Advance(time.Hour)
		requestLink(t, si, "planning@example.gov.uk")
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
			requestLink(t, si, "planning@example.gov.uk")
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
		requestLink(t, si, "planning@example.gov.uk")
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
			requestLink(t, si, "planning@example.gov.uk")
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

// callLog records the calls made to the stores and the mailer, in order.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(call string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls = append(l.calls, call)
}

func (l *callLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.calls
	l.calls = nil
	return out
}

type loggedStore struct {
	feedback.Store
	log *callLog
}

func (s loggedStore) TakeQuota(ctx context.Context, key, id string, limit int, window time.Duration) (bool, error) {
	s.log.add("Store.TakeQuota")
	return s.Store.TakeQuota(ctx, key, id, limit, window)
}

type loggedSessions struct {
	feedback.Sessions
	log *callLog
}

func (s loggedSessions) PutCredential(ctx context.Context, c feedback.Credential) error {
	s.log.add("Sessions.PutCredential")
	return s.Sessions.PutCredential(ctx, c)
}

func (s loggedSessions) GetCredential(ctx context.Context, kind feedback.CredentialKind, hash string) (feedback.Credential, error) {
	s.log.add("Sessions.GetCredential")
	return s.Sessions.GetCredential(ctx, kind, hash)
}

type loggedMailer struct {
	feedback.Mailer
	log *callLog
}

func (m loggedMailer) Send(ctx context.Context, msg feedback.Message) (string, error) {
	m.log.add("Mailer.Send")
	return m.Mailer.Send(ctx, msg)
}

// TestSignIn_RequestLink_SameWorkForAnyone: asking for a link for an address on the staff and
// for one that is not makes the same calls, in the same order, and sends nothing until the
// caller has answered; only then is the staff member's link sent. So the answer's timing does
// not tell who is on the staff. (Compared by the calls made, not by a clock, so it cannot flake.)
func TestSignIn_RequestLink_SameWorkForAnyone(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, email string
		requests    int
		wantSent    bool
	}{
		{"a member of staff", "planning@example.gov.uk", 1, true},
		{"a stranger", "someone@example.com", 1, false},
		{"a member of staff over the limit", "planning@example.gov.uk", 6, false},
		{"a stranger over the limit", "someone@example.com", 6, false},
	}
	var work [][]string
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, si := newSignIn(t)
			log := &callLog{}
			si.Service.Store, si.Sessions, si.Service.Mailer = loggedStore{si.Service.Store, log}, loggedSessions{si.Sessions, log}, loggedMailer{si.Service.Mailer, log}
			var p feedback.PendingLink
			for range tt.requests {
				log.take()
				var err error
				if p, err = si.RequestLink(ctx, tt.email, requester); err != nil {
					t.Fatal(err)
				}
			}
			asking := log.take()
			work = append(work, asking)
			if slices.Contains(asking, "Mailer.Send") {
				t.Errorf("RequestLink sent mail before the caller answered: %v", asking)
			}
			if err := p.Send(ctx); err != nil {
				t.Fatal(err)
			}
			if sent := log.take(); slices.Contains(sent, "Mailer.Send") != tt.wantSent {
				t.Errorf("Send made %v; want a letter sent: %v", sent, tt.wantSent)
			}
			if all, _ := f.outbox.List(); tt.wantSent != (len(all) == tt.requests) {
				t.Errorf("%d letters in the outbox after %d requests", len(all), tt.requests)
			}
		})
	}
	if len(work) == 4 && (!slices.Equal(work[0], work[1]) || !slices.Equal(work[2], work[3])) {
		t.Errorf("the work differs: staff %v, stranger %v; over the limit: staff %v, stranger %v", work[0], work[1], work[2], work[3])
	}
	if len(work) == 4 && len(work[0]) == 0 {
		t.Errorf("asking for a link did no work at all: %v", work[0])
	}
}

// TestSignIn_RequestLink_NoLockout: someone asking again and again for an officer's links uses
// up only their own allowance; the officer, asking from their own address, still gets a link,
// and the latest link works.
func TestSignIn_RequestLink_NoLockout(t *testing.T) {
	ctx := context.Background()
	f, si := newSignIn(t)
	for range 7 {
		requestLinkFrom(t, si, "planning@example.gov.uk", "198.51.100.66")
	}
	before, _ := f.outbox.List()
	requestLinkFrom(t, si, "planning@example.gov.uk", "203.0.113.10")
	after, _ := f.outbox.List()
	if len(after) != len(before)+1 {
		t.Fatalf("the officer's own request sent %d letters after someone else's seven; want 1", len(after)-len(before))
	}
	if len(before) != 5 {
		t.Errorf("the other requester got %d links sent; want the limit of 5", len(before))
	}
	if _, err := si.Redeem(ctx, linkToken(t, f)); err != nil {
		t.Errorf("the latest link: %v; want it usable", err)
	}
}
