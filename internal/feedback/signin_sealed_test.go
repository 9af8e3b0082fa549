package feedback_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// testSealer is AES-GCM under a fixed key, the context as additional data: what KMS does for
// internal/kmsseal, here so that the domain's side is tested without AWS.
type testSealer struct {
	log *callLog
}

func (s testSealer) aead() cipher.AEAD {
	b, _ := aes.NewCipher([]byte("0123456789abcdef0123456789abcdef"))
	g, _ := cipher.NewGCM(b)
	return g
}

func (s testSealer) Seal(_ context.Context, context string, plain []byte) ([]byte, error) {
	if s.log != nil {
		s.log.add("Sealer.Seal")
	}
	nonce := make([]byte, 12)
	rand.Read(nonce)
	return s.aead().Seal(nonce, nonce, plain, []byte(context)), nil
}

func (s testSealer) Open(_ context.Context, context string, sealed []byte) ([]byte, error) {
	if len(sealed) < 12 {
		return nil, errors.New("too short")
	}
	return s.aead().Open(nil, sealed[:12], sealed[12:], []byte(context))
}

// keptSessions keeps every credential put, as well as storing it.
type keptSessions struct {
	feedback.Sessions
	put *[]feedback.Credential
}

func (s keptSessions) PutCredential(ctx context.Context, c feedback.Credential) error {
	*s.put = append(*s.put, c)
	return s.Sessions.PutCredential(ctx, c)
}

// newSealedSignIn is sign-in as the officer function has it in AWS: with a Sealer, so that the
// link's email rides sealed in its link item to the notifier.
func newSealedSignIn(t *testing.T, log *callLog) (*fixture, *feedback.SignIn, *[]feedback.Credential) {
	f, si := newSignIn(t)
	f.svc.Staff = staff
	f.svc.Sealer = testSealer{log}
	var put []feedback.Credential
	si.Sessions = keptSessions{si.Sessions, &put}
	return f, si, &put
}

// TestSignIn_RequestLink_SealedSameWorkForAnyone: with a Sealer (AWS), asking for a link makes
// the same calls for a member of staff and a stranger, sends nothing (neither before answering
// nor after: the notifier does), and stores link items of one shape and size.
func TestSignIn_RequestLink_SealedSameWorkForAnyone(t *testing.T) {
	ctx := context.Background()
	// Two addresses of the same length, so that only being on the staff differs.
	const member, stranger = "planning@example.gov.uk", "planxing@example.gov.uk"
	var work [][]string
	var items []feedback.Credential
	for _, email := range []string{member, stranger} {
		log := &callLog{}
		f, si, put := newSealedSignIn(t, log)
		si.Service.Store, si.Service.Mailer = loggedStore{si.Service.Store, log}, loggedMailer{si.Service.Mailer, log}
		si.Sessions = loggedSessions{si.Sessions, log}
		p, err := si.RequestLink(ctx, email, requester)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Send(ctx); err != nil {
			t.Fatal(err)
		}
		work = append(work, log.take())
		if all, _ := f.outbox.List(); len(all) != 0 {
			t.Errorf("%s: %d letters sent by the officer's side; want none (the notifier sends)", email, len(all))
		}
		if len(*put) != 1 {
			t.Fatalf("%s: %d credentials stored; want the link", email, len(*put))
		}
		items = append(items, (*put)[0])
	}
	if want := []string{"Store.TakeQuota", "Sealer.Seal", "Sessions.PutCredential"}; !slices.Equal(work[0], want) || !slices.Equal(work[1], work[0]) {
		t.Errorf("the work differs or is not %v: staff %v, stranger %v", want, work[0], work[1])
	}
	a, b := items[0], items[1]
	if a.Kind != feedback.CredentialLink || b.Kind != a.Kind || len(a.Hash) != len(b.Hash) || len(a.Email) != len(b.Email) ||
		len(a.Sealed) == 0 || len(a.Sealed) != len(b.Sealed) || a.ExpiresAt.Sub(a.CreatedAt) != b.ExpiresAt.Sub(b.CreatedAt) {
		t.Errorf("the link items differ in shape: staff %s/%d/%d/%d, stranger %s/%d/%d/%d",
			a.Kind, len(a.Hash), len(a.Email), len(a.Sealed), b.Kind, len(b.Hash), len(b.Email), len(b.Sealed))
	}
	for _, c := range items {
		if strings.Contains(c.Email, "@") || strings.Contains(string(c.Sealed), "example.gov.uk") {
			t.Errorf("a link item holds an address in the clear: %q / %q", c.Email, c.Sealed)
		}
	}
}

// TestLinkCourier_Deliver: the notifier's side. A member of staff's sealed link is emailed to
// them once, however often the stream delivers it, and signs them in; a stranger's, an expired
// one, or one sealed under another link's name sends nothing; a failed send is tried again on
// the next delivery.
func TestLinkCourier_Deliver(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		email      string
		deliveries int
		tamper     func(*feedback.Credential)
		late       time.Duration
		wantSent   int
		wantErr    bool
	}{
		{"a member of staff", "planning@example.gov.uk", 1, nil, 0, 1, false},
		{"redelivered", "planning@example.gov.uk", 4, nil, 0, 1, false},
		{"a stranger", "planxing@example.gov.uk", 2, nil, 0, 0, false},
		{"delivered after it expired", "planning@example.gov.uk", 1, nil, 15 * time.Minute, 0, false},
		{"sealed under another link's name", "planning@example.gov.uk", 1,
			func(c *feedback.Credential) { c.Hash = strings.Repeat("0", len(c.Hash)) }, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, si, put := newSealedSignIn(t, nil)
			if _, err := si.RequestLink(ctx, tt.email, requester); err != nil {
				t.Fatal(err)
			}
			link := (*put)[0]
			if tt.tamper != nil {
				tt.tamper(&link)
			}
			f.clock.Advance(tt.late)
			courier := &feedback.LinkCourier{Service: f.svc, Sessions: f.store}
			for range tt.deliveries {
				if err := courier.Deliver(ctx, link); (err != nil) != tt.wantErr {
					t.Fatalf("Deliver: %v; want an error: %v", err, tt.wantErr)
				}
			}
			all, _ := f.outbox.List()
			if len(all) != tt.wantSent {
				t.Fatalf("%d letters sent; want %d", len(all), tt.wantSent)
			}
			if tt.wantSent == 0 {
				return
			}
			if all[0].To[0] != tt.email {
				t.Errorf("the link went to %v; want %s", all[0].To, tt.email)
			}
			if s, err := si.Redeem(ctx, linkToken(t, f)); err != nil || s.Staff.Email != tt.email {
				t.Errorf("the emailed link: %v, %v; want it to sign %s in", s.Staff.Email, err, tt.email)
			}
		})
	}
	t.Run("a failed send is tried again", func(t *testing.T) {
		f, si, put := newSealedSignIn(t, nil)
		if _, err := si.RequestLink(ctx, "planning@example.gov.uk", requester); err != nil {
			t.Fatal(err)
		}
		mailer := f.svc.Mailer
		f.svc.Mailer = failingMailer{}
		courier := &feedback.LinkCourier{Service: f.svc, Sessions: f.store}
		if err := courier.Deliver(ctx, (*put)[0]); err == nil {
			t.Fatal("Deliver with the mailer failing: no error; want one, so the stream delivers it again")
		}
		f.svc.Mailer = mailer
		for range 2 {
			if err := courier.Deliver(ctx, (*put)[0]); err != nil {
				t.Fatal(err)
			}
		}
		if all, _ := f.outbox.List(); len(all) != 1 {
			t.Errorf("%d letters after a failed send and two deliveries; want 1", len(all))
		}
	})
}
