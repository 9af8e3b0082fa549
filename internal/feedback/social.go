package feedback

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// Platform is the social-media service a post was written on.
type Platform string

// The platforms Intake takes posts from; PlatformOther is anything else a monitor watches.
const (
	PlatformX         Platform = "x"
	PlatformFacebook  Platform = "facebook"
	PlatformInstagram Platform = "instagram"
	PlatformNextdoor  Platform = "nextdoor"
	PlatformTikTok    Platform = "tiktok"
	PlatformLinkedIn  Platform = "linkedin"
	PlatformYouTube   Platform = "youtube"
	PlatformOther     Platform = "other"
)

// platformInfo is what Intake knows of a platform: its name as people write it, the longest
// reply it takes (so that the suggested public reply fits), and how its post links carry the
// post's id (nil: they do not, or not reliably).
type platformInfo struct {
	Label      string
	ReplyLimit int
	PostID     func() *regexp.Regexp // nil for a platform whose links are not read
}

// platforms is the one table of platforms. Reply limits are the platform's limit on a reply or
// comment (X 280; TikTok comments 150; LinkedIn comments 1,250; Instagram captions and comments
// 2,200; Facebook comments 8,000; YouTube comments 10,000); Nextdoor and "other" get X's, which
// fits anywhere.
var platforms = map[Platform]platformInfo{
	PlatformX: {"X", 280,
		lazyRegexp(`^https://(?:www\.|mobile\.)?(?:x|twitter)\.com/[^/?#]+/status(?:es)?/(\d+)`)},
	PlatformFacebook: {"Facebook", 8000,
		lazyRegexp(`^https://(?:www\.|m\.)?facebook\.com/(?:[^?#]*/(?:posts|videos|permalink)/([\w.-]+)|(?:permalink|story)\.php\?(?:[^#]*&)?story_fbid=([\w-]+)|photo(?:\.php)?/?\?(?:[^#]*&)?fbid=(\d+))`)},
	PlatformInstagram: {"Instagram", 2200,
		lazyRegexp(`^https://(?:www\.)?instagram\.com/(?:[\w.]+/)?(?:p|reel|tv)/([\w-]+)`)},
	PlatformNextdoor: {"Nextdoor", 280, nil},
	PlatformTikTok: {"TikTok", 150,
		lazyRegexp(`^https://(?:www\.|m\.)?tiktok\.com/@[\w.-]+/(?:video|photo)/(\d+)`)},
	PlatformLinkedIn: {"LinkedIn", 1250,
		lazyRegexp(`^https://(?:www\.)?linkedin\.com/(?:feed/update/urn:li:(?:activity|share|ugcPost):(\d+)|posts/[^?#]*?(?:activity|share|ugcPost)-(\d+))`)},
	PlatformYouTube: {"YouTube", 10000,
		lazyRegexp(`^https://(?:(?:www\.|m\.)?youtube\.com/(?:watch\?(?:[^#]*&)?v=|shorts/)|youtu\.be/)([\w-]{6,})`)},
	PlatformOther: {"another platform", 280, nil},
}

// Platforms lists the platforms in the order a form offers them.
var Platforms = []Platform{PlatformX, PlatformFacebook, PlatformInstagram, PlatformNextdoor,
	PlatformTikTok, PlatformLinkedIn, PlatformYouTube, PlatformOther}

// Valid reports whether p is one of Platforms.
func (p Platform) Valid() bool { _, ok := platforms[p]; return ok }

// Label is the platform's name as people write it.
func (p Platform) Label() string {
	if i, ok := platforms[p]; ok {
		return i.Label
	}
	return string(p)
}

// ReplyLimit is the most characters a reply on the platform may have.
func (p Platform) ReplyLimit() int { return platforms[p].ReplyLimit }

// PostIDFromURL returns the post's id as the platform's link to it carries it, or "" when the
// link does not carry one Intake can read. A YouTube link to a comment (lc=) gives the comment.
func PostIDFromURL(p Platform, link string) string {
	info, ok := platforms[p]
	if !ok || info.PostID == nil {
		return ""
	}
	link = strings.TrimSpace(link)
	if p == PlatformYouTube {
		if u, err := url.Parse(link); err == nil && u.Query().Get("lc") != "" && safePostID().MatchString(u.Query().Get("lc")) {
			return u.Query().Get("lc")
		}
	}
	m := info.PostID().FindStringSubmatch(link)
	for _, g := range m[min(1, len(m)):] {
		if g != "" {
			return g
		}
	}
	return ""
}

// Limits on a social post.
const (
	maxSocialAttachments = 20
	maxHandleChars       = 100
	maxPostIDChars       = 200
	maxURLChars          = 2000
)

var (
	safePostID = lazyRegexp(`^[A-Za-z0-9._:\-]+$`)
	safeHandle = lazyRegexp(`^[\pL\pN._\-]+$`)
)

// SocialAuthor is who wrote a post, as the platform shows them.
type SocialAuthor struct {
	Handle     string `json:"handle"`
	Name       string `json:"name"`
	ProfileURL string `json:"profile_url"`
}

// SocialContact is what the author gave to be reached privately, if anything.
type SocialContact struct {
	Email string `json:"email"`
	Phone string `json:"phone"`
}

// SocialPost is a post or direct message as a monitor forwards it, through the API or the
// console's page. PostedAt is RFC 3339, or a London local time "2006-01-02T15:04" as a form's
// date-time field gives it; empty means unknown.
type SocialPost struct {
	Platform    Platform      `json:"platform"`
	PostID      string        `json:"post_id"`
	URL         string        `json:"url"`
	Author      SocialAuthor  `json:"author"`
	Text        string        `json:"text"`
	PostedAt    string        `json:"posted_at"`
	Public      bool          `json:"public"`
	Kind        string        `json:"kind"`
	ServiceArea string        `json:"service_area"`
	Contact     SocialContact `json:"contact"`
	Attachments []string      `json:"attachments"`
	// InReplyTo is the id of an earlier post by the same author, on the same platform: the
	// post is then a follow-up on that post's case.
	InReplyTo string `json:"in_reply_to"`
}

// SocialOrigin is the post a social case came from. Links (the attachments) and ProfileURL are
// kept as links, never fetched.
type SocialOrigin struct {
	Platform    Platform  `json:"platform"`
	PostID      string    `json:"post_id"`
	URL         string    `json:"url,omitempty"`
	Handle      string    `json:"handle"`
	ProfileURL  string    `json:"profile_url,omitempty"`
	PostedAt    time.Time `json:"posted_at,omitzero"`
	Public      bool      `json:"public"`
	Links       []string  `json:"links,omitempty"`
	ForwardedBy string    `json:"forwarded_by"`
	// SuggestedReply is the public reply the monitor is asked to post, when the author gave no
	// email address to acknowledge.
	SuggestedReply string `json:"suggested_reply,omitempty"`
}

// The outcomes of a forwarded post.
const (
	SocialCreated  = "created"  // a new case
	SocialThreaded = "threaded" // a follow-up on the case of the author's earlier post
	SocialRepeat   = "repeat"   // forwarded before: nothing new stored
)

// SocialResult says what became of a forwarded post.
type SocialResult struct {
	Outcome   string
	Reference string
	// SuggestedReply is set while the case awaits the monitor's public reply.
	SuggestedReply string
	// Acknowledgement says how the author is acknowledged: "email" or "public_reply"; "" for a
	// follow-up, which is not acknowledged again.
	Acknowledgement string
}

// AwaitingPublicReply is the reason a social case's acknowledgement email is skipped.
const AwaitingPublicReply = "awaiting the monitor's public reply"

// socialHandle is the author's handle as Intake records it: lower case, without a leading @.
func socialHandle(h string) string {
	return strings.ToLower(strings.TrimLeft(strings.TrimSpace(h), "@"))
}

// canForward reports whether who may forward social posts.
func canForward(who StaffMember) bool {
	return who.Email != "" && (who.Role == RoleMonitor || who.Role == RoleAdmin)
}

// normalize trims the post's fields and derives the post id from the link when none is given.
func (p SocialPost) normalize() SocialPost {
	p.Platform = Platform(strings.ToLower(strings.TrimSpace(string(p.Platform))))
	p.URL = strings.TrimSpace(p.URL)
	p.PostID = singleLine(p.PostID)
	if p.PostID == "" {
		p.PostID = PostIDFromURL(p.Platform, p.URL)
	}
	p.Author.Handle = socialHandle(singleLine(p.Author.Handle))
	p.Author.ProfileURL = strings.TrimSpace(p.Author.ProfileURL)
	p.InReplyTo = singleLine(p.InReplyTo)
	p.PostedAt = strings.TrimSpace(p.PostedAt)
	for i := range p.Attachments {
		p.Attachments[i] = strings.TrimSpace(p.Attachments[i])
	}
	return p
}

// submission is the post as the intake's common rules see it.
func (p SocialPost) submission() Submission {
	return Submission{Kind: p.Kind, Name: p.Author.Name, Email: p.Contact.Email, Phone: p.Contact.Phone,
		ServiceArea: p.ServiceArea, Message: p.Text, Channel: ChannelSocial,
		IdempotencyKey: socialKey(p.Platform, p.PostID)}.Normalize()
}

// socialFields renames the common rules' fields to the post's.
var socialFields = map[string]string{"message": "text", "name": "author.name", "email": "contact.email",
	"phone": "contact.phone", "idempotency_key": "post_id"}

// validate checks a normalized post and its submission, returning every problem at once.
func (s *Service) validateSocial(p SocialPost, sub Submission, now time.Time) (time.Time, error) {
	var errs []FieldError
	add := func(field, format string, args ...any) {
		errs = append(errs, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case p.Platform == "":
		add("platform", "Choose the platform the post is on")
	case !p.Platform.Valid():
		add("platform", "%q is not a platform Intake knows: use x, facebook, instagram, nextdoor, tiktok, linkedin, youtube or other", truncate(string(p.Platform), 40))
	}
	switch {
	case p.PostID == "":
		add("post_id", "Enter the post's id, or a link to the post that carries it")
	case utf8.RuneCountInString(p.PostID) > maxPostIDChars || !safePostID().MatchString(p.PostID):
		add("post_id", "The post id must be up to %d letters, digits, dots, colons, hyphens or underscores", maxPostIDChars)
	}
	if p.InReplyTo != "" && (len(p.InReplyTo) > maxPostIDChars || !safePostID().MatchString(p.InReplyTo)) {
		add("in_reply_to", "The id of the earlier post must be up to %d letters, digits, dots, colons, hyphens or underscores", maxPostIDChars)
	}
	switch {
	case p.Author.Handle == "":
		add("author.handle", "Enter the author's handle, like @ada_resident")
	case utf8.RuneCountInString(p.Author.Handle) > maxHandleChars || !safeHandle().MatchString(p.Author.Handle):
		add("author.handle", "The author's handle must be one word of letters, digits, dots, hyphens or underscores")
	}
	if p.URL != "" && !httpsURL(p.URL) {
		add("url", "The post's link must be a web address starting https://")
	}
	if p.Author.ProfileURL != "" && !httpsURL(p.Author.ProfileURL) {
		add("author.profile_url", "The author's profile link must be a web address starting https://")
	}
	if len(p.Attachments) > maxSocialAttachments {
		add("attachments", "A post may carry at most %d attachment links", maxSocialAttachments)
	}
	for i, a := range p.Attachments {
		if !httpsURL(a) {
			add(fmt.Sprintf("attachments[%d]", i), "Each attachment must be a link starting https://")
		}
	}
	var posted time.Time
	if p.PostedAt != "" {
		t, err := time.Parse(time.RFC3339, p.PostedAt)
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02T15:04", p.PostedAt, s.Calendar.Location())
		}
		switch {
		case err != nil:
			add("posted_at", "Give when it was posted as a date and time, like 2026-11-23T10:15:00Z")
		case t.After(now.Add(5 * time.Minute)):
			add("posted_at", "When it was posted cannot be in the future")
		default:
			posted = t
		}
	}
	if err := sub.validate(s.Routing.AreaNames(), false); err != nil {
		for _, f := range ErrorFields(err) {
			if f.Field == "idempotency_key" {
				continue // the post id's own check says it better
			}
			if n, ok := socialFields[f.Field]; ok {
				f.Field = n
			}
			errs = append(errs, f)
		}
	}
	if len(errs) > 0 {
		return time.Time{}, &Error{Code: EINVALID, Message: "There is a problem with the post", Fields: errs}
	}
	return posted, nil
}

// ReceiveSocial takes in a post or direct message forwarded by a monitor (a person at the
// console's page, or the monitoring tool they use). The author is the case's contact; the
// monitor is recorded as the one who forwarded it. It is idempotent by platform and post id: the
// same post forwarded again, by anyone, returns the first reference and stores nothing. A post
// in reply to an earlier post of the same author is threaded onto that case. Side effects are
// not done here: call Process with the reference.
func (s *Service) ReceiveSocial(ctx context.Context, who StaffMember, p SocialPost) (SocialResult, error) {
	if !canForward(who) {
		return SocialResult{}, Errorf(EFORBIDDEN, "Only social-media monitors and the complaints team can forward posts.")
	}
	now := s.Clock.Now()
	p = p.normalize()
	sub := p.submission()
	classify := false
	if sub.Kind == "" {
		// The monitor did not say: the words decide, as for mail to an "auto" address.
		var kind Kind
		kind, classify = kindFromWords(sub.Message)
		sub.Kind = string(kind)
	}
	posted, err := s.validateSocial(p, sub, now)
	if err != nil {
		return SocialResult{}, err
	}
	if prior, err := s.Store.GetByIdempotencyKey(ctx, sub.IdempotencyKey); err == nil {
		return repeatSocial(prior), nil
	} else if ErrorCode(err) != ENOTFOUND {
		return SocialResult{}, fmt.Errorf("receive social: look up post: %w", err)
	}
	if p.InReplyTo != "" {
		prior, err := s.Store.GetByIdempotencyKey(ctx, socialKey(p.Platform, p.InReplyTo))
		switch {
		case err == nil && prior.Contact.Handle == string(p.Platform)+":"+p.Author.Handle:
			return s.threadSocial(ctx, who, prior.Ref, p, now)
		case err != nil && ErrorCode(err) != ENOTFOUND:
			return SocialResult{}, fmt.Errorf("receive social: look up the earlier post: %w", err)
		}
		// No earlier post of this author's: a new case, never a stranger's.
	}

	ref, err := s.nextRef(ctx, now)
	if err != nil {
		return SocialResult{}, fmt.Errorf("receive social: allocate reference: %w", err)
	}
	c := s.newCase(sub, "", ref, now)
	c.Contact.Handle = string(p.Platform) + ":" + p.Author.Handle
	c.MessageID = p.PostID
	c.Social = &SocialOrigin{Platform: p.Platform, PostID: p.PostID, URL: p.URL, Handle: p.Author.Handle,
		ProfileURL: p.Author.ProfileURL, PostedAt: posted, Public: p.Public, Links: p.Attachments, ForwardedBy: who.Email}
	c.Record(now, who.Email, "created", "forwarded from "+p.Platform.Label()+" by a social-media monitor", "")
	if classify {
		c.Raise(now, FlagClassify, "The post's words do not say clearly what kind of feedback it is: please classify it.")
	}
	// Restrictions apply to social authors as to email senders: routed, flagged, and not
	// acknowledged (no public reply suggested either) where the restriction says so.
	if err := s.screen(ctx, c, now); err != nil {
		return SocialResult{}, fmt.Errorf("receive social: %w", err)
	}
	res := SocialResult{Outcome: SocialCreated, Acknowledgement: "email"}
	if c.Effects[EffectAcknowledgement].State == EffectSkipped {
		res.Acknowledgement = "none"
	} else if c.Contact.Email == "" {
		c.Social.SuggestedReply = SuggestedReply(p.Platform, c.Ref, p.Public)
		c.Effects[EffectAcknowledgement] = Effect{State: EffectSkipped, At: now, Reason: AwaitingPublicReply}
		res.Acknowledgement, res.SuggestedReply = "public_reply", c.Social.SuggestedReply
	}
	prior, err := s.createCase(ctx, c, "platform", p.Platform)
	switch {
	case err != nil:
		return SocialResult{}, fmt.Errorf("receive social: %w", err)
	case prior != nil:
		return repeatSocial(prior), nil
	}
	res.Reference = c.Ref
	return res, nil
}

// repeatSocial answers a post forwarded before with its case, and the suggested reply while it
// is still awaited.
func repeatSocial(c *Case) SocialResult {
	r := SocialResult{Outcome: SocialRepeat, Reference: c.Ref}
	if c.Social != nil && c.Social.SuggestedReply != "" && c.Effects[EffectAcknowledgement].State != EffectDone {
		r.SuggestedReply, r.Acknowledgement = c.Social.SuggestedReply, "public_reply"
	}
	return r
}

// threadSocial stores a follow-up post on its case and tells the officer; a follow-up on a
// closed case is flagged, since it may ask for Stage 2, and its author is screened against the
// restrictions register (screenFollowUp).
func (s *Service) threadSocial(ctx context.Context, who StaffMember, ref string, p SocialPost, now time.Time) (SocialResult, error) {
	from := string(p.Platform) + ":" + p.Author.Handle
	text := strings.TrimSpace(clean(strings.ReplaceAll(p.Text, "\r\n", "\n"), true))
	ids := contactIDs(from)
	restrictions, err := s.restrictionsOn(ctx, ids)
	if err != nil {
		return SocialResult{}, fmt.Errorf("receive social: %w", err)
	}
	_, err = s.Store.Update(ctx, ref, func(c *Case) error {
		for _, m := range c.Messages {
			if m.Channel == ChannelSocial && m.MessageID == p.PostID {
				return errNothingToClaim
			}
		}
		copyTo := screenFollowUp(c, ids, restrictions, now)
		c.Messages = append(c.Messages, Correspondence{At: now, Channel: ChannelSocial, From: from, Text: text,
			MessageID: p.PostID, URL: p.URL, Links: p.Attachments, CopyTo: copyTo})
		c.Record(now, who.Email, "message received", "a follow-up post on "+p.Platform.Label()+", forwarded by a social-media monitor", "")
		if c.Status == StatusClosed {
			c.Raise(now, FlagReplyToClosed, "The resident wrote again after the case was closed: this may be a request for a Stage 2 review.")
		}
		c.addEffect(followUpEffect(len(c.Messages)))
		c.UpdatedAt = now
		return nil
	})
	if errors.Is(err, errNothingToClaim) {
		return SocialResult{Outcome: SocialRepeat, Reference: ref}, nil
	}
	if err != nil {
		return SocialResult{}, fmt.Errorf("receive social: thread onto %s: %w", ref, err)
	}
	s.log().Info("social post threaded", "ref", ref, "platform", p.Platform)
	return SocialResult{Outcome: SocialThreaded, Reference: ref}, nil
}

// replyTemplates are the public replies, longest first: the first that fits the platform's
// limit is suggested. They name only the reference, never anything the author wrote or gave.
var replyTemplates = map[bool][]string{
	true: {
		"Thank you for raising this with us. We have logged it as %s and will look into it. Please send us a private message so that we can take your details and keep you updated. Please do not share personal details publicly.",
		"Thank you. We have logged this as %s. Please send us a private message so that we can help. Please do not post personal details here.",
		"Thanks, logged as %s. Please message us privately so we can help.",
	},
	false: {
		"Thank you for your message. We have logged it as %s and will look into it. So that we can keep you updated, please reply here with an email address or telephone number we can use.",
		"Thank you. We have logged this as %s. Please reply with an email address or phone number so that we can keep you updated.",
		"Thanks, logged as %s. Please reply with an email or phone number.",
	},
}

// SuggestedReply is a short, plain-English reply for the monitor to post, naming the reference,
// within the platform's limit, inviting the author to continue privately.
func SuggestedReply(p Platform, ref string, public bool) string {
	limit := p.ReplyLimit()
	if limit == 0 {
		limit = platforms[PlatformOther].ReplyLimit
	}
	ts := replyTemplates[public]
	for _, t := range ts {
		if r := fmt.Sprintf(t, ref); utf8.RuneCountInString(r) <= limit {
			return r
		}
	}
	return truncate(ref, limit)
}

// SocialAcknowledged records that the monitor posted the suggested public reply, which
// acknowledges the author: the acknowledgement check then finds nothing to chase. Recording it
// twice changes nothing.
func (s *Service) SocialAcknowledged(ctx context.Context, who StaffMember, ref string) (*Case, error) {
	now := s.Clock.Now()
	c, err := s.Store.Update(ctx, ref, func(c *Case) error {
		if !canForward(who) && !(canWork(who) && who.CanSee(c)) || c.Channel != ChannelSocial {
			return notFound(ref)
		}
		if c.Effects[EffectAcknowledgement].State == EffectDone {
			return errNothingToClaim
		}
		if c.Effects == nil {
			c.Effects = Effects{}
		}
		c.Effects[EffectAcknowledgement] = Effect{State: EffectDone, At: now, Reason: "the monitor posted the public reply"}
		c.Record(now, who.Email, "acknowledged", "the public reply was posted on "+c.Social.platformLabel(), "")
		c.UpdatedAt = now
		return nil
	})
	switch {
	case errors.Is(err, errNothingToClaim):
		return s.Store.Get(ctx, ref)
	case ErrorCode(err) == ENOTFOUND:
		return nil, notFound(ref)
	case err != nil:
		return nil, fmt.Errorf("social acknowledged %s: %w", ref, err)
	}
	return c, nil
}

func (o *SocialOrigin) platformLabel() string {
	if o == nil {
		return "social media"
	}
	return o.Platform.Label()
}

// AwaitsPublicReply reports whether the case is a social post whose public reply the monitor
// has not yet recorded.
func (c *Case) AwaitsPublicReply() bool {
	return c.Channel == ChannelSocial && c.Effects[EffectAcknowledgement].State != EffectDone &&
		c.Social != nil && c.Social.SuggestedReply != ""
}
