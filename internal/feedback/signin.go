package feedback

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// CredentialKind tells a sign-in link from a console session.
type CredentialKind string

// The credential kinds.
const (
	CredentialLink    CredentialKind = "link"
	CredentialSession CredentialKind = "session"
	// CredentialLinkSent records that a sealed link's email has gone (LinkCourier), so that a
	// redelivered stream record sends nothing twice. It proves nothing and signs nobody in.
	CredentialLinkSent CredentialKind = "link-sent"
)

// Credential is a sign-in link or a console session as stored: by a keyed hash of its secret,
// never the secret itself, so that someone who reads the table cannot sign in with what they
// find there.
type Credential struct {
	Kind CredentialKind `json:"kind"`
	// Hash is the hex HMAC-SHA256 of the secret under the session key: the credential's id.
	Hash string `json:"hash"`
	// Email is the member of staff's address for a session; for a link, a keyed hash of it
	// (a stranger's link: of nothing anyone typed), so that every link item is the same size.
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	// Sealed is a link's email on its way to the notifier (see Sealer), or empty.
	Sealed []byte `json:"sealed,omitempty"`
}

// Sealer encrypts what must pass through the table unread: a sign-in link's address and token,
// sealed by the officer function and opened by the notifier, which sends the email from the
// table's stream. context names what the sealed bytes belong to (the link's hash), and opening
// them under any other context fails. Implementation: internal/kmsseal (AWS KMS, a key the
// officer function may only encrypt with and the notifier only decrypt with). The local runner
// has none: it answers and then sends the link itself.
type Sealer interface {
	Seal(ctx context.Context, context string, plain []byte) ([]byte, error)
	Open(ctx context.Context, context string, sealed []byte) ([]byte, error)
}

// Sessions keeps sign-in links and console sessions. Implementations: internal/boltstore (a
// bucket in the store's file) and internal/dynamo (items in the case table, with TTL), both held
// to internal/feedback/sessiontest.
//
// It is a port of its own rather than more methods on Store because credentials are not cases:
// nothing in the intake and lifecycle service reads them, only sign-in does, and every Store
// fake or adapter would otherwise have to carry them. Both adapters keep them beside the cases
// (same file, same table) so that there is no new infrastructure to deploy.
type Sessions interface {
	// PutCredential stores c; ECONFLICT if a credential of that kind and hash exists already.
	PutCredential(ctx context.Context, c Credential) error
	// GetCredential returns the credential, or ENOTFOUND if there is none or it has expired by
	// the store's clock.
	GetCredential(ctx context.Context, kind CredentialKind, hash string) (Credential, error)
	// TakeCredential removes the credential and returns it, or ENOTFOUND if there is none or
	// it has expired. Of any number of callers taking the same credential at once, exactly one
	// gets it: this is what makes a sign-in link single-use.
	TakeCredential(ctx context.Context, kind CredentialKind, hash string) (Credential, error)
	// DeleteCredential removes the credential; removing one that is not there is not an error.
	DeleteCredential(ctx context.Context, kind CredentialKind, hash string) error
}

// Sign-in defaults, from the officer console's requirements.
const (
	// defaultLinkTTL is how long an emailed sign-in link works.
	defaultLinkTTL = 15 * time.Minute
	// defaultSessionTTL is how long a console session lasts.
	defaultSessionTTL = 8 * time.Hour
	// defaultLinksPerHour is the most sign-in links sent to one address in an hour.
	defaultLinksPerHour = 5
	// MinSessionKeyBytes is the shortest session key accepted.
	MinSessionKeyBytes = 32
)

// SignIn signs officers in to the console by emailed link. The link carries a random token; only
// its keyed hash is stored, with its expiry, and it is consumed once. Redeeming it starts a
// session whose random id is likewise stored only as a hash. Nothing here logs an address or a
// token.
type SignIn struct {
	Service   *Service
	Sessions  Sessions
	Directory Directory
	// Key is the secret the hashes and CSRF tokens are keyed with (INTAKE_SESSION_KEY).
	Key []byte
	// LinkTTL, SessionTTL and LinksPerHour default to defaultLinkTTL, defaultSessionTTL and
	// defaultLinksPerHour.
	LinkTTL      time.Duration
	SessionTTL   time.Duration
	LinksPerHour int
}

// ErrSignedOut is returned for a session that does not exist, has expired or was ended.
var ErrSignedOut = Errorf(EFORBIDDEN, "You are not signed in, or your session has ended. Sign in again.")

// errLinkUsed is returned for a link that does not exist, has expired or was used.
var errLinkUsed = Errorf(ENOTFOUND, "This sign-in link has expired or has already been used. Ask for a new one.")

// PendingLink is a sign-in link made but not yet sent. RequestLink does the same work whether or
// not the address is on the staff, and the caller sends the link only after it has answered,
// so that neither the answer nor the time it takes tells who is on the staff.
type PendingLink struct {
	mailer Mailer
	msg    Message
}

// Send emails the link; for an address not on the staff, or one over its limit, it does
// nothing.
func (p PendingLink) Send(ctx context.Context) error {
	if p.mailer == nil {
		return nil
	}
	if _, err := p.mailer.Send(ctx, p.msg); err != nil {
		return fmt.Errorf("sign-in: send link: %w", err)
	}
	return nil
}

// RequestLink makes a sign-in link for email, asked for by requester (the client's address as
// the runner or API Gateway gives it), to be sent with the PendingLink's Send once the caller
// has answered. Whether or not the address is on the staff it does the same work (a quota taken,
// a link item of the same size stored and, with a Sealer, a letter of the same size sealed into
// it), and the caller must answer the same either way; only a member of staff's link is ever
// sent. With the service's Sealer (AWS), nothing is left to send here: the sealed letter rides
// in the link item to the notifier (LinkCourier), which sends it from the table's stream after
// the officer function has answered. At most LinksPerHour links an hour go to one address at one
// requester's asking, so that nobody can use up an officer's links from elsewhere: every link
// sent stays usable for its fifteen minutes, the latest included.
func (s *SignIn) RequestLink(ctx context.Context, email, requester string) (PendingLink, error) {
	m, staff := s.Directory.Lookup(email)
	addr := m.Email
	if !staff {
		addr = strings.ToLower(strings.TrimSpace(email))
	}
	token := randomToken()
	hash := s.hash(CredentialLink, token)
	// The quota is keyed by a hash of the address and the requester, so that the store holds
	// neither for it.
	allowed, err := s.Service.Store.TakeQuota(ctx, "signin:"+s.hash("quota", addr+"\x00"+requester), hash, s.linksPerHour(), time.Hour)
	if err != nil {
		return PendingLink{}, fmt.Errorf("sign-in: take link quota: %w", err)
	}
	if !allowed {
		s.Service.log().Info("sign-in link not sent: hourly limit reached")
		return PendingLink{}, nil
	}
	now := s.Service.Clock.Now()
	// A link names its member of staff by a keyed hash of the address; a stranger's names a
	// hash of its own token, so that it is the same size, holds nothing the stranger typed and
	// can never be redeemed. Its token is never sent.
	letter := linkLetter{Token: token}
	who := s.hash("who", "\x00"+token)
	if staff {
		letter.To, who = addr, s.hash("who", addr)
	}
	c := Credential{Kind: CredentialLink, Hash: hash, Email: who, CreatedAt: now, ExpiresAt: now.Add(s.linkTTL())}
	if s.Service.Sealer != nil {
		plain, err := letter.encode()
		if err != nil {
			return PendingLink{}, fmt.Errorf("sign-in: seal link: %w", err)
		}
		if c.Sealed, err = s.Service.Sealer.Seal(ctx, hash, plain); err != nil {
			return PendingLink{}, fmt.Errorf("sign-in: seal link: %w", err)
		}
	}
	if err := s.Sessions.PutCredential(ctx, c); err != nil {
		return PendingLink{}, fmt.Errorf("sign-in: store link: %w", err)
	}
	msg := s.Service.signInEmail(addr, s.Service.signInURL(token), c.ExpiresAt)
	if !staff || s.Service.Sealer != nil {
		return PendingLink{}, nil
	}
	return PendingLink{mailer: s.Service.Mailer, msg: msg}, nil
}

// member returns the member of staff a link names by hash (see RequestLink). The directory is
// a few hundred people at most, and this runs once per sign-in.
func (s *SignIn) member(who string) (StaffMember, bool) {
	for _, m := range s.Directory {
		if hmac.Equal([]byte(s.hash("who", m.Email)), []byte(who)) {
			return m, true
		}
	}
	return StaffMember{}, false
}

// letterSize is the size of every sealed letter before sealing, whoever it is for: room for
// the longest address (254 characters) and the token, padded, so that the sealed bytes are
// the same size for a member of staff and a stranger.
const letterSize = 512

// linkLetter is what a link item carries sealed to the notifier: the address to send the link
// to ("" for a stranger: nothing is sent) and the link's token. The token is nowhere else in
// the table (the item's key is its keyed hash), and the notifier logs neither.
type linkLetter struct {
	To    string `json:"to"`
	Token string `json:"token"`
}

func (l linkLetter) encode() ([]byte, error) {
	b, err := json.Marshal(l)
	if err != nil {
		return nil, err
	}
	if len(b) > letterSize {
		return nil, fmt.Errorf("the address is too long to seal (%d bytes)", len(b))
	}
	// JSON allows whitespace after the value: the padding reads back as nothing.
	return append(b, strings.Repeat(" ", letterSize-len(b))...), nil
}

// LinkCourier sends the sign-in links the officer function sealed into their link items (see
// RequestLink): the notifier calls Deliver for each new link item on the table's stream, so the
// email goes after the officer function has answered, and the answer's timing cannot tell who
// is on the staff.
type LinkCourier struct {
	Service *Service
	// Sessions records each link sent (CredentialLinkSent), so that a redelivered stream record
	// sends nothing twice.
	Sessions Sessions
}

// Deliver opens a new link item's sealed letter and emails the link to the member of staff it
// names, once however often it is called; for a stranger's link, an expired one or an item with
// nothing sealed in it, it does nothing. If the send fails the mark is taken back and the error
// returned, so that the stream delivers the record again. A process that dies between marking
// and sending leaves the link unsent (at most once): the officer asks for another.
func (l *LinkCourier) Deliver(ctx context.Context, c Credential) error {
	s := l.Service
	now := s.Clock.Now()
	switch {
	case c.Kind != CredentialLink || len(c.Sealed) == 0:
		return nil
	case s.Sealer == nil:
		return fmt.Errorf("sign-in: a sealed link, and no Sealer to open it with")
	}
	if !now.Before(c.ExpiresAt) {
		s.log().Info("sign-in link not sent: expired before the stream delivered it")
		return nil
	}
	plain, err := s.Sealer.Open(ctx, c.Hash, c.Sealed)
	if err != nil {
		return fmt.Errorf("sign-in: open link: %w", err)
	}
	var letter linkLetter
	if err := json.Unmarshal(plain, &letter); err != nil {
		return fmt.Errorf("sign-in: read sealed link: %w", err)
	}
	// A stranger's letter names nobody; someone taken off the staff since gets nothing.
	if _, staff := s.Staff.Lookup(letter.To); letter.To == "" || !staff {
		return nil
	}
	err = l.Sessions.PutCredential(ctx, Credential{Kind: CredentialLinkSent, Hash: c.Hash, CreatedAt: now, ExpiresAt: c.ExpiresAt})
	switch {
	case ErrorCode(err) == ECONFLICT:
		return nil
	case err != nil:
		return fmt.Errorf("sign-in: mark link sent: %w", err)
	}
	msg := s.signInEmail(letter.To, s.signInURL(letter.Token), c.ExpiresAt)
	if _, err := s.Mailer.Send(ctx, msg); err != nil {
		if derr := l.Sessions.DeleteCredential(ctx, CredentialLinkSent, c.Hash); derr != nil {
			err = fmt.Errorf("%w (and the mark stays: %v)", err, derr)
		}
		return fmt.Errorf("sign-in: send link: %w", err)
	}
	return nil
}

// signInURL is the console's page for a link's token.
func (s *Service) signInURL(token string) string {
	return strings.TrimRight(s.Council.ConsoleURL, "/") + "/officer/sign-in/" + token
}

// Session is a signed-in officer's console session. Token is the secret the cookie carries.
type Session struct {
	Token     string
	Staff     StaffMember
	ExpiresAt time.Time
}

// Redeem consumes a sign-in link's token and starts a session. A token that is unknown,
// expired or used already is ENOTFOUND; an address no longer in the directory is EFORBIDDEN.
func (s *SignIn) Redeem(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, errLinkUsed
	}
	c, err := s.Sessions.TakeCredential(ctx, CredentialLink, s.hash(CredentialLink, token))
	now := s.Service.Clock.Now()
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return Session{}, errLinkUsed
	case err != nil:
		return Session{}, fmt.Errorf("sign-in: take link: %w", err)
	case !now.Before(c.ExpiresAt):
		return Session{}, errLinkUsed
	}
	m, ok := s.member(c.Email)
	if !ok {
		return Session{}, Errorf(EFORBIDDEN, "This address may no longer sign in to the console.")
	}
	sess := Session{Token: randomToken(), Staff: m, ExpiresAt: now.Add(s.sessionTTL())}
	err = s.Sessions.PutCredential(ctx, Credential{Kind: CredentialSession, Hash: s.hash(CredentialSession, sess.Token),
		Email: m.Email, CreatedAt: now, ExpiresAt: sess.ExpiresAt})
	if err != nil {
		return Session{}, fmt.Errorf("sign-in: store session: %w", err)
	}
	s.Service.log().Info("console session started", "role", m.Role)
	return sess, nil
}

// Resume returns the session whose token a cookie carries, or ErrSignedOut. The member of
// staff is looked up again, so that someone removed from the directory loses access at once.
func (s *SignIn) Resume(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrSignedOut
	}
	c, err := s.Sessions.GetCredential(ctx, CredentialSession, s.hash(CredentialSession, token))
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return Session{}, ErrSignedOut
	case err != nil:
		return Session{}, fmt.Errorf("sign-in: get session: %w", err)
	case !s.Service.Clock.Now().Before(c.ExpiresAt):
		return Session{}, ErrSignedOut
	}
	m, ok := s.Directory.Lookup(c.Email)
	if !ok {
		return Session{}, ErrSignedOut
	}
	return Session{Token: token, Staff: m, ExpiresAt: c.ExpiresAt}, nil
}

// SignOut ends the session.
func (s *SignIn) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if err := s.Sessions.DeleteCredential(ctx, CredentialSession, s.hash(CredentialSession, token)); err != nil {
		return fmt.Errorf("sign-in: end session: %w", err)
	}
	return nil
}

// CSRF returns the anti-forgery token for a session: derived from the session's secret, so
// that it needs no storage and differs per session.
func (s *SignIn) CSRF(sessionToken string) string { return s.hash("csrf", sessionToken) }

// CheckCSRF reports, in constant time, whether got is the session's anti-forgery token.
func (s *SignIn) CheckCSRF(sessionToken, got string) bool {
	if sessionToken == "" || got == "" {
		return false
	}
	return hmac.Equal([]byte(s.CSRF(sessionToken)), []byte(got))
}

// hash is the hex HMAC-SHA256 of secret under the key, separated by purpose so that a link's
// hash can never be presented as a session's or a CSRF token.
func (s *SignIn) hash(purpose CredentialKind, secret string) string {
	mac := hmac.New(sha256.New, s.Key)
	mac.Write([]byte(purpose))
	mac.Write([]byte{0})
	mac.Write([]byte(secret))
	return hex.EncodeToString(mac.Sum(nil))
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (s *SignIn) linkTTL() time.Duration {
	if s.LinkTTL > 0 {
		return s.LinkTTL
	}
	return defaultLinkTTL
}

func (s *SignIn) sessionTTL() time.Duration {
	if s.SessionTTL > 0 {
		return s.SessionTTL
	}
	return defaultSessionTTL
}

func (s *SignIn) linksPerHour() int {
	if s.LinksPerHour > 0 {
		return s.LinksPerHour
	}
	return defaultLinksPerHour
}
