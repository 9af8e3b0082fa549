package feedback

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what a submission may hold. They are generous for a resident's own words and tight
// enough that junk cannot fill the store.
const (
	MaxMessageChars = 10000
	MaxSubjectChars = 200
	MaxNameChars    = 100
	MaxEmailChars   = 254
	maxPhoneChars   = 30
	MaxKeyChars     = 200
)

// Submission is what arrives from a channel before it becomes a case. Field names match the
// web form's and the JSON API's.
type Submission struct {
	Kind        string
	Name        string
	Email       string
	Phone       string
	ServiceArea string
	Subject     string
	Message     string
	Channel     Channel
	// IdempotencyKey makes a repeated delivery return the first case (form: a key the page
	// generated; email: the SES message id; social: platform and post id).
	IdempotencyKey string
	// ReceivedAt is when an item entered by hand (phone, letter, in person) reached the
	// council; zero means now.
	ReceivedAt time.Time
}

var phoneChars = lazyRegexp(`^[0-9 +()\-.]+$`)

// Normalize trims white space, removes control characters (keeping line breaks and tabs in the
// message) and folds the kind and e-mail address to lower case.
func (s Submission) Normalize() Submission {
	s.Kind = strings.ToLower(strings.TrimSpace(s.Kind))
	s.Name = singleLine(s.Name)
	// Only white space is trimmed from the address: a hidden or control character in it is
	// refused by Validate rather than silently dropped, since the address would not be the
	// one the resident typed.
	s.Email = asciiDomain(strings.ToLower(strings.TrimSpace(s.Email)))
	s.Phone = singleLine(s.Phone)
	s.ServiceArea = strings.ToLower(singleLine(s.ServiceArea))
	s.Subject = singleLine(s.Subject)
	s.Message = strings.TrimSpace(clean(strings.ReplaceAll(s.Message, "\r\n", "\n"), true))
	s.IdempotencyKey = singleLine(s.IdempotencyKey)
	return s
}

// Validate checks a normalized submission against every rule and returns all the problems at
// once, as an EINVALID *Error whose fields are named as the form names them. areas lists the
// service areas that may be chosen; an empty area is always allowed ("not sure").
func (s Submission) Validate(areas []string) error { return s.validate(areas, true) }

// validate is Validate; needContact says whether a complaint or service request must carry an
// email address or telephone number (not for a social post, whose author can be answered where
// they wrote).
func (s Submission) validate(areas []string, needContact bool) error {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	kind := Kind(s.Kind)
	switch {
	case s.Kind == "":
		add("kind", "Choose whether this is a complaint, a compliment, a comment or a request for a service")
	case !kind.Valid():
		add("kind", "Choose a kind of feedback from the list: %q is not one of them", truncate(s.Kind, 40))
	}
	switch n := utf8.RuneCountInString(s.Message); {
	case n == 0 || !visible(s.Message):
		add("message", "Enter your message")
	case n > MaxMessageChars:
		add("message", "Your message must be %d characters or fewer; it is %d", MaxMessageChars, n)
	}
	if n := utf8.RuneCountInString(s.Subject); n > MaxSubjectChars {
		add("subject", "The subject must be %d characters or fewer; it is %d", MaxSubjectChars, n)
	}
	switch n := utf8.RuneCountInString(s.Name); {
	case n > MaxNameChars:
		add("name", "Your name must be %d characters or fewer", MaxNameChars)
	case linkLike(s.Name):
		add("name", "Enter your name only, without a web or email address")
	}
	switch {
	case s.Email == "":
	case hidden(s.Email):
		add("email", "The email address has hidden or control characters in it. Type it again, like name@example.com")
	case !validEmail(s.Email):
		add("email", "Enter an email address in the correct format, like name@example.com")
	case !asciiMailbox(s.Email):
		add("email", "We cannot send email to an address with accented or non-English letters before the @. Enter a different email address, or give a telephone number instead")
	}
	if s.Phone != "" {
		digits := 0
		for _, r := range s.Phone {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if !phoneChars().MatchString(s.Phone) || digits < 7 || digits > 15 || len(s.Phone) > maxPhoneChars {
			add("phone", "Enter a telephone number, like 01632 960 001 or +44 7700 900 982")
		}
	}
	if needContact && kind.needsReply() && s.Email == "" && s.Phone == "" {
		add("email", "Enter an email address or a telephone number so that we can reply to your %s", kind.Label())
	}
	if s.ServiceArea != "" && !contains(areas, s.ServiceArea) {
		add("service_area", "Choose a service from the list, or leave it blank if you are not sure")
	}
	if n := utf8.RuneCountInString(s.IdempotencyKey); n > MaxKeyChars {
		add("idempotency_key", "The idempotency key must be %d characters or fewer", MaxKeyChars)
	}
	if len(errs) > 0 {
		return &Error{Code: EINVALID, Message: "There is a problem with what was sent", Fields: errs}
	}
	return nil
}

// Fingerprint is a digest of what the sender wrote, so that a reused idempotency key with
// different content is told apart from a true repeat.
func (s Submission) Fingerprint() string {
	h := sha256.New()
	for _, f := range []string{s.Kind, s.Name, s.Email, s.Phone, s.ServiceArea, s.Subject, s.Message, string(s.Channel)} {
		fmt.Fprintf(h, "%d:%s;", len(f), f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Submit validates a submission and stores it as a new case. It is idempotent: a submission
// carrying an idempotency key that was seen before returns the first case and created == false.
// Side effects are not done here (store first): call Process with the case's reference.
func (s *Service) Submit(ctx context.Context, sub Submission) (c *Case, created bool, err error) {
	sub = sub.Normalize()
	if err := sub.Validate(s.Routing.AreaNames()); err != nil {
		return nil, false, err
	}
	fp := sub.Fingerprint()
	if sub.IdempotencyKey != "" {
		prior, err := s.Store.GetByIdempotencyKey(ctx, sub.IdempotencyKey)
		switch {
		case err == nil:
			return repeat(prior, fp)
		case ErrorCode(err) != ENOTFOUND:
			return nil, false, fmt.Errorf("submit: look up idempotency key: %w", err)
		}
	}

	now := s.Clock.Now()
	// The reference is allocated as the case is stored (see create): nothing before needs it.
	c = s.newCase(sub, fp, "", now)
	if !sub.ReceivedAt.IsZero() {
		s.receivedAt(c, sub.ReceivedAt)
	}
	if err := s.screen(ctx, c, now); err != nil {
		return nil, false, fmt.Errorf("submit: %w", err)
	}
	owner := ""
	if s.Workers.Handoff != nil {
		owner = s.owner()
		s.claimIn(c.Effects, intakeEffects(c), owner, now)
	}
	prior, err := s.createCase(ctx, c)
	switch {
	case err != nil:
		return nil, false, fmt.Errorf("submit: %w", err)
	case prior != nil:
		return repeat(prior, fp)
	}
	s.Workers.Handoff.give(c.Ref, owner)
	return c, true, nil
}

// nextRef allocates the next case reference of the year (in the council's time zone) of now.
func (s *Service) nextRef(ctx context.Context, now time.Time) (string, error) {
	year := now.In(s.Calendar.Location()).Year()
	seq, err := s.Store.NextSequence(ctx, sequenceName(year))
	if err != nil {
		return "", err
	}
	return s.Policy.Reference(year, seq), nil
}

// numberingStore is a Store that allocates a new case's reference and stores the case in one
// write, as the embedded store does in one transaction; with any other store the reference is
// allocated first (NextSequence) and the case created after (Create).
type numberingStore interface {
	// CreateNumbered takes the next value of the named counter, names c by ref of it and
	// creates c as Create does. The value is used up even if the case is refused.
	CreateNumbered(ctx context.Context, sequence string, c *Case, ref func(seq int64) string) error
}

// create stores the new case c. A case without a reference yet is given the next of the year
// (in the council's time zone) of its creation, in the same write where the store can.
func (s *Service) create(ctx context.Context, c *Case) error {
	if c.Ref != "" {
		return s.Store.Create(ctx, c)
	}
	if ns, ok := s.Store.(numberingStore); ok {
		year := c.CreatedAt.In(s.Calendar.Location()).Year()
		return ns.CreateNumbered(ctx, sequenceName(year), c, func(seq int64) string { return s.Policy.Reference(year, seq) })
	}
	ref, err := s.nextRef(ctx, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("allocate reference: %w", err)
	}
	c.Ref = ref
	return s.Store.Create(ctx, c)
}

// createCase stores a new case, logs and counts it; a case without a reference is given one
// (see create). If another delivery of the same item (the same idempotency key) won the race to
// store it, c is not stored and that case is returned as prior.
func (s *Service) createCase(ctx context.Context, c *Case, logAttrs ...any) (prior *Case, err error) {
	if err := s.create(ctx, c); err != nil {
		if ErrorCode(err) == ECONFLICT && c.IdempotencyKey != "" {
			if prior, gerr := s.Store.GetByIdempotencyKey(ctx, c.IdempotencyKey); gerr == nil {
				return prior, nil
			}
		}
		return nil, fmt.Errorf("create case %s: %w", c.Ref, err)
	}
	s.log().InfoContext(ctx, "case created", append([]any{"ref", c.Ref, "kind", c.Kind, "channel", c.Channel}, logAttrs...)...)
	s.count(ctx, MetricCasesCreated, map[string]string{"Channel": string(c.Channel), "Kind": string(c.Kind)})
	return nil, nil
}

func repeat(prior *Case, fingerprint string) (*Case, bool, error) {
	if prior.Fingerprint != "" && prior.Fingerprint != fingerprint {
		return nil, false, Errorf(ECONFLICT,
			"This idempotency key was already used for a different submission (%s). Use a new key for new feedback.", prior.Ref)
	}
	return prior, false, nil
}

func (s *Service) newCase(sub Submission, fingerprint, ref string, now time.Time) *Case {
	kind := Kind(sub.Kind)
	c := &Case{
		Ref:            ref,
		Kind:           kind,
		Channel:        sub.Channel,
		Status:         StatusOpen,
		ServiceArea:    sub.ServiceArea,
		Subject:        sub.Subject,
		Message:        sub.Message,
		Contact:        Contact{Name: sub.Name, Email: sub.Email, Phone: sub.Phone},
		AssignedTo:     s.Routing.Owner(sub.ServiceArea),
		ReceivedAt:     now,
		AcknowledgeBy:  s.Calendar.AddWorkingDays(now, s.Policy.AcknowledgeWorkingDays),
		IdempotencyKey: sub.IdempotencyKey,
		Fingerprint:    fingerprint,
		Effects:        Effects{EffectAcknowledgement: {}, EffectAssignment: {}},
		CreatedAt:      now,
		UpdatedAt:      now,
	}
	if kind == KindComplaint {
		c.Stage = Stage1
		// The acknowledgement goes out automatically on the day of receipt, so Stage 1's
		// working days count from the date received.
		c.RespondBy = s.Calendar.AddWorkingDays(now, s.Policy.Stage1WorkingDays)
		c.Stages = []StageRecord{{Stage: Stage1, OpenedAt: now, RespondBy: c.RespondBy}}
		c.Effects[EffectSchedules] = Effect{}
	}
	if c.Contact.Email == "" {
		// Nothing will acknowledge the sender by email: the officer is asked to check.
		c.Effects[EffectSchedules] = Effect{}
	}
	return c
}

// receivedAt dates a case from when it reached the council rather than when it was entered,
// and recomputes its deadlines from that date.
func (s *Service) receivedAt(c *Case, at time.Time) {
	c.ReceivedAt = at
	c.AcknowledgeBy = s.Calendar.AddWorkingDays(at, s.Policy.AcknowledgeWorkingDays)
	if c.Kind == KindComplaint {
		c.RespondBy = s.Calendar.AddWorkingDays(at, s.Policy.Stage1WorkingDays)
		if st := c.current(); st != nil {
			st.RespondBy = c.RespondBy
		}
	}
}
