package dynamo

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// Attribute and index names of the table. template.yaml declares the same table; its test
// checks it against these names and CreateTableInput.
const (
	// AttrPK and AttrSK are the table's partition and sort keys (both strings).
	AttrPK = "PK"
	AttrSK = "SK"
	// AttrExpiresAt is the table's TTL attribute: epoch seconds, rounded up, present only on
	// items with a retention end.
	AttrExpiresAt = "expires_at"
	// AttrVersion is the case item's optimistic-locking counter.
	AttrVersion = "version"

	// IndexPending holds the cases whose intake side effects are not all done.
	IndexPending  = "pending"
	AttrPendingPK = "gsi_pending"    // "PENDING", only while Case.Pending()
	AttrPendingSK = "gsi_pending_sk" // CreatedAt (UTC, fixed width) + "#" + ref
	// AttrNewWork is "NEW" on a case item written with work nobody has tried yet
	// (feedback.Case.NewWork): the notifier's stream filter passes such writes even when the
	// case was pending already. It is in no index.
	AttrNewWork = "work_new"

	// IndexCases holds every case by status, in feedback.ListKey order: the officers' lists,
	// and the sweep's open cases by due date.
	IndexCases  = "cases"
	AttrCasesPK = "gsi_cases"    // the case's status: "open" or "closed"
	AttrCasesSK = "gsi_cases_sk" // feedback.ListKey: due date + "#" + ref

	// IndexContact holds every case by its sender's identity (feedback.NormalizeContact of the
	// email address, or of the telephone number when there is none): subject access and
	// erasure find a person's cases through it.
	IndexContact  = "contact"
	AttrContactPK = "gsi_contact"    // the sender's identity, only when the case has one
	AttrContactSK = "gsi_contact_sk" // the reference
	// IndexMonth holds every case by the UTC month it was received in: the reports' reads.
	IndexMonth  = "month"
	AttrMonthPK = "gsi_month"    // feedback.ReceivedMonth: "YYYY-MM"
	AttrMonthSK = "gsi_month_sk" // feedback.ReceivedKey: received instant + "#" + ref
)

// MonthProjection is what the month index carries besides the keys: what a report reads, and
// nothing a resident wrote or who they are (message, contact, messages, letters, flags and
// history stay in the table). A report item is then a few hundred bytes, so a year of cases
// costs about one read unit per eight items, and the index holds no personal data to protect.
var MonthProjection = []string{
	"ref", "kind", "channel", "status", "stage", "service_area", "assigned_to", "received_at",
	"acknowledge_by", "respond_by", "effects", "stages", "ombudsman", "closed_at", "retain_until",
	AttrExpiresAt, "created_at",
}

// CasesProjection is what the cases index carries besides the keys: what ListCases filters and
// orders by, and nothing that a claim or stamp of a side effect changes (effects, updated_at,
// version), so that those writes, two for every case taken in, do not rewrite the index. The
// lists read the whole cases from the table afterwards, a page at a time (BatchGetItem).
var CasesProjection = []string{
	"ref", "kind", "channel", "status", "stage", "service_area", "assigned_to", "acknowledge_by", "respond_by", AttrExpiresAt,
}

// Item kinds, told apart by their keys.
const (
	prefixCase  = "CASE#"
	prefixIdem  = "IDEM#"
	prefixSeq   = "SEQ#"
	prefixQuota = "QUOTA#"
	skQuota     = "QUOTA"
	skCase      = "CASE"
	skIdem      = "IDEM"
	skSeq       = "SEQ"
	attrSeq     = "seq"

	pendingValue = "PENDING"
	newWorkValue = "NEW"
)

// caseRecord is a case item as stored. Times are RFC 3339 strings with their original offset,
// so that a case comes back exactly as written; expires_at is the same instant for TTL. Its
// attributes are grouped by what they say of the case; the groups are embedded, so each
// attribute is a top-level attribute of the item.
type caseRecord struct {
	PK string `dynamodbav:"PK"`
	SK string `dynamodbav:"SK"`
	caseWhat
	caseFrom
	caseWork
	caseDates
	caseIndexKeys
}

// caseWhat is what the case is and who handles it.
type caseWhat struct {
	Ref         string           `dynamodbav:"ref"`
	Kind        feedback.Kind    `dynamodbav:"kind,omitempty"`
	Channel     feedback.Channel `dynamodbav:"channel,omitempty"`
	Status      feedback.Status  `dynamodbav:"status,omitempty"`
	Stage       feedback.Stage   `dynamodbav:"stage,omitempty"`
	ServiceArea string           `dynamodbav:"service_area,omitempty"`
	AssignedTo  string           `dynamodbav:"assigned_to,omitempty"`
}

// caseFrom is what the resident sent and how it arrived.
type caseFrom struct {
	Subject        string        `dynamodbav:"subject,omitempty"`
	Message        string        `dynamodbav:"message,omitempty"`
	Contact        contactRecord `dynamodbav:"contact"`
	Social         *socialRecord `dynamodbav:"social,omitempty"`
	IdempotencyKey string        `dynamodbav:"idempotency_key,omitempty"`
	Fingerprint    string        `dynamodbav:"fingerprint,omitempty"`
	MessageID      string        `dynamodbav:"message_id,omitempty"`
	Raw            string        `dynamodbav:"raw,omitempty"`
	Attachments    []string      `dynamodbav:"attachments,omitempty"`
}

// caseWork is the record of the work on the case.
type caseWork struct {
	Messages  []messageRecord         `dynamodbav:"messages,omitempty"`
	Flags     []flagRecord            `dynamodbav:"flags,omitempty"`
	History   []eventRecord           `dynamodbav:"history,omitempty"`
	Effects   map[string]effectRecord `dynamodbav:"effects,omitempty"`
	Claims    map[string]claimRecord  `dynamodbav:"claims,omitempty"`
	Stages    []stageRecord           `dynamodbav:"stages,omitempty"`
	Ombudsman *ombudsmanRecord        `dynamodbav:"ombudsman,omitempty"`
	Letters   []letterRecord          `dynamodbav:"letters,omitempty"`
	Hold      *holdRecord             `dynamodbav:"hold,omitempty"`
}

// caseDates are the case's dates, its retention end and its version.
type caseDates struct {
	ReceivedAt    string `dynamodbav:"received_at,omitempty"`
	AcknowledgeBy string `dynamodbav:"acknowledge_by,omitempty"`
	RespondBy     string `dynamodbav:"respond_by,omitempty"`
	EscalateBy    string `dynamodbav:"escalate_by,omitempty"`
	ClosedAt      string `dynamodbav:"closed_at,omitempty"`
	RetainUntil   string `dynamodbav:"retain_until,omitempty"`
	ExpiresAt     int64  `dynamodbav:"expires_at,omitempty"`
	CreatedAt     string `dynamodbav:"created_at,omitempty"`
	UpdatedAt     string `dynamodbav:"updated_at,omitempty"`
	Version       int    `dynamodbav:"version"`
}

// caseIndexKeys are the item's keys in the global secondary indexes, each present only when
// the case belongs in that index.
type caseIndexKeys struct {
	PendingPK string `dynamodbav:"gsi_pending,omitempty"`
	PendingSK string `dynamodbav:"gsi_pending_sk,omitempty"`
	NewWork   string `dynamodbav:"work_new,omitempty"`
	CasesPK   string `dynamodbav:"gsi_cases,omitempty"`
	CasesSK   string `dynamodbav:"gsi_cases_sk,omitempty"`
	ContactPK string `dynamodbav:"gsi_contact,omitempty"`
	ContactSK string `dynamodbav:"gsi_contact_sk,omitempty"`
	MonthPK   string `dynamodbav:"gsi_month,omitempty"`
	MonthSK   string `dynamodbav:"gsi_month_sk,omitempty"`
}

type contactRecord struct {
	Name   string `dynamodbav:"name,omitempty"`
	Email  string `dynamodbav:"email,omitempty"`
	Phone  string `dynamodbav:"phone,omitempty"`
	Handle string `dynamodbav:"handle,omitempty"`
}

type socialRecord struct {
	Platform       string   `dynamodbav:"platform"`
	PostID         string   `dynamodbav:"post_id"`
	URL            string   `dynamodbav:"url,omitempty"`
	Handle         string   `dynamodbav:"handle,omitempty"`
	ProfileURL     string   `dynamodbav:"profile_url,omitempty"`
	PostedAt       string   `dynamodbav:"posted_at,omitempty"`
	Public         bool     `dynamodbav:"public,omitempty"`
	Links          []string `dynamodbav:"links,omitempty"`
	ForwardedBy    string   `dynamodbav:"forwarded_by,omitempty"`
	SuggestedReply string   `dynamodbav:"suggested_reply,omitempty"`
}

func marshalSocial(o *feedback.SocialOrigin) *socialRecord {
	if o == nil {
		return nil
	}
	return &socialRecord{Platform: string(o.Platform), PostID: o.PostID, URL: o.URL, Handle: o.Handle,
		ProfileURL: o.ProfileURL, PostedAt: formatTime(o.PostedAt), Public: o.Public, Links: o.Links,
		ForwardedBy: o.ForwardedBy, SuggestedReply: o.SuggestedReply}
}

// messageRecord is a message received about a case: what was written, and what it referred to
// (messageRefs).
type messageRecord struct {
	At      string `dynamodbav:"at"`
	Channel string `dynamodbav:"channel,omitempty"`
	From    string `dynamodbav:"from,omitempty"`
	Subject string `dynamodbav:"subject,omitempty"`
	Text    string `dynamodbav:"text,omitempty"`
	Quoted  string `dynamodbav:"quoted,omitempty"`
	messageRefs
}

// messageRefs are a message's references: its id, its blobs, its links and who else is told.
type messageRefs struct {
	MessageID   string   `dynamodbav:"message_id,omitempty"`
	Raw         string   `dynamodbav:"raw,omitempty"`
	Attachments []string `dynamodbav:"attachments,omitempty"`
	URL         string   `dynamodbav:"url,omitempty"`
	Links       []string `dynamodbav:"links,omitempty"`
	CopyTo      string   `dynamodbav:"copy_to,omitempty"`
}

type flagRecord struct {
	Code    string `dynamodbav:"code"`
	At      string `dynamodbav:"at"`
	Note    string `dynamodbav:"note,omitempty"`
	Cleared string `dynamodbav:"cleared,omitempty"`
}

type eventRecord struct {
	At     string `dynamodbav:"at"`
	By     string `dynamodbav:"by,omitempty"`
	Action string `dynamodbav:"action"`
	Detail string `dynamodbav:"detail,omitempty"`
	Reason string `dynamodbav:"reason,omitempty"`
	// Named are the staff the event names besides who did it.
	Named []string `dynamodbav:"named,omitempty"`
}

type effectRecord struct {
	State     string `dynamodbav:"state,omitempty"`
	At        string `dynamodbav:"at,omitempty"`
	Reason    string `dynamodbav:"reason,omitempty"`
	MessageID string `dynamodbav:"message_id,omitempty"`
	Attempts  int    `dynamodbav:"attempts,omitempty"`
	// ClaimedBy and ClaimedUntil hold a restriction's claims. A case keeps its claims apart,
	// in claims; case items written before that kept them here, and are still read.
	ClaimedBy    string `dynamodbav:"claimed_by,omitempty"`
	ClaimedUntil string `dynamodbav:"claimed_until,omitempty"`
}

// claimRecord is a live claim on one of the case's effects. Claims are kept apart from the
// effects' outcomes, which the month index carries for the reports, so that claiming an effect
// does not rewrite the case's entry in that index; only the outcome does.
type claimRecord struct {
	By    string `dynamodbav:"by"`
	Until string `dynamodbav:"until"`
}

type stageRecord struct {
	Stage           string         `dynamodbav:"stage"`
	OpenedAt        string         `dynamodbav:"opened_at,omitempty"`
	Handler         string         `dynamodbav:"handler,omitempty"`
	RespondBy       string         `dynamodbav:"respond_by,omitempty"`
	ExtendedBy      int            `dynamodbav:"extended_by,omitempty"`
	ExtensionReason string         `dynamodbav:"extension_reason,omitempty"`
	Response        responseRecord `dynamodbav:"response"`
}

type responseRecord struct {
	Outcome           string `dynamodbav:"outcome,omitempty"`
	Summary           string `dynamodbav:"summary,omitempty"`
	Lessons           string `dynamodbav:"lessons,omitempty"`
	Remedy            string `dynamodbav:"remedy,omitempty"`
	CompensationPence int64  `dynamodbav:"compensation_pence,omitempty"`
	SentBy            string `dynamodbav:"sent_by,omitempty"`
	At                string `dynamodbav:"at,omitempty"`
	By                string `dynamodbav:"by,omitempty"`
}

type ombudsmanRecord struct {
	Which        string `dynamodbav:"which"`
	ReferredOn   string `dynamodbav:"referred_on,omitempty"`
	Decision     string `dynamodbav:"decision,omitempty"`
	DecidedOn    string `dynamodbav:"decided_on,omitempty"`
	Remedy       string `dynamodbav:"remedy,omitempty"`
	Compensation int64  `dynamodbav:"compensation_pence,omitempty"`
}

type holdRecord struct {
	By     string `dynamodbav:"by"`
	At     string `dynamodbav:"at"`
	Reason string `dynamodbav:"reason,omitempty"`
}

type letterRecord struct {
	Name    string `dynamodbav:"name"`
	At      string `dynamodbav:"at"`
	To      string `dynamodbav:"to,omitempty"`
	Subject string `dynamodbav:"subject,omitempty"`
	Text    string `dynamodbav:"text,omitempty"`
	HTML    string `dynamodbav:"html,omitempty"`
	Staff   bool   `dynamodbav:"staff,omitempty"`
	ByPost  bool   `dynamodbav:"by_post,omitempty"`
	// Reply, By and InReplyTo mark an officer's reply to the resident (feedback.Letter).
	Reply     bool   `dynamodbav:"reply,omitempty"`
	By        string `dynamodbav:"by,omitempty"`
	InReplyTo string `dynamodbav:"in_reply_to,omitempty"`
}

func marshalStages(ss []feedback.StageRecord) []stageRecord {
	var out []stageRecord
	for _, st := range ss {
		r := st.Response
		out = append(out, stageRecord{Stage: string(st.Stage), OpenedAt: formatTime(st.OpenedAt), Handler: st.Handler,
			RespondBy: formatTime(st.RespondBy), ExtendedBy: st.ExtendedBy, ExtensionReason: st.ExtensionReason,
			Response: responseRecord{Outcome: string(r.Outcome), Summary: r.Summary, Lessons: r.Lessons, Remedy: r.Remedy,
				CompensationPence: r.CompensationPence, SentBy: string(r.SentBy), At: formatTime(r.At), By: r.By}})
	}
	return out
}

func marshalOmbudsman(o feedback.OmbudsmanRecord) *ombudsmanRecord {
	if o == (feedback.OmbudsmanRecord{}) {
		return nil
	}
	return &ombudsmanRecord{Which: string(o.Which), ReferredOn: formatTime(o.ReferredOn), Decision: string(o.Decision),
		DecidedOn: formatTime(o.DecidedOn), Remedy: o.Remedy, Compensation: o.CompensationPence}
}

func marshalLetters(ls []feedback.Letter) []letterRecord {
	var out []letterRecord
	for _, l := range ls {
		out = append(out, letterRecord{Name: l.Name, At: formatTime(l.At), To: l.To, Subject: l.Subject, Text: l.Text,
			HTML: l.HTML, Staff: l.Staff, ByPost: l.ByPost, Reply: l.Reply, By: l.By, InReplyTo: l.InReplyTo})
	}
	return out
}

// idemRecord is an idempotency item: which case a key created.
type idemRecord struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Ref       string `dynamodbav:"ref"`
	ExpiresAt int64  `dynamodbav:"expires_at,omitempty"`
}

func marshalCase(c *feedback.Case) (map[string]types.AttributeValue, error) {
	r := caseRecord{
		PK: prefixCase + c.Ref, SK: skCase,
		caseWhat: caseWhat{Ref: c.Ref, Kind: c.Kind, Channel: c.Channel, Status: c.Status, Stage: c.Stage,
			ServiceArea: c.ServiceArea, AssignedTo: c.AssignedTo},
		caseFrom: caseFrom{Subject: c.Subject, Message: c.Message,
			Contact:        contactRecord{Name: c.Contact.Name, Email: c.Contact.Email, Phone: c.Contact.Phone, Handle: c.Contact.Handle},
			Social:         marshalSocial(c.Social),
			IdempotencyKey: c.IdempotencyKey, Fingerprint: c.Fingerprint, MessageID: c.MessageID, Raw: c.Raw, Attachments: c.Attachments},
		caseWork: caseWork{Messages: marshalMessages(c.Messages), Flags: marshalFlags(c.Flags), History: marshalHistory(c.History),
			Effects: marshalEffects(c.Effects, false), Claims: marshalClaims(c.Effects),
			Stages: marshalStages(c.Stages), Ombudsman: marshalOmbudsman(c.Ombudsman), Letters: marshalLetters(c.Letters)},
		caseDates: caseDates{ReceivedAt: formatTime(c.ReceivedAt), AcknowledgeBy: formatTime(c.AcknowledgeBy),
			RespondBy: formatTime(c.RespondBy), EscalateBy: formatTime(c.EscalateBy), ClosedAt: formatTime(c.ClosedAt),
			RetainUntil: formatTime(c.ExpiresAt), ExpiresAt: epoch(c.ExpiresAt),
			CreatedAt: formatTime(c.CreatedAt), UpdatedAt: formatTime(c.UpdatedAt), Version: c.Version},
	}
	if h := c.Hold; h != nil {
		r.Hold = &holdRecord{By: h.By, At: formatTime(h.At), Reason: h.Reason}
	}
	if c.Pending() {
		r.PendingPK = pendingValue
		r.PendingSK = feedback.SortableTime(c.CreatedAt) + "#" + c.Ref
	}
	if c.NewWork() {
		r.NewWork = newWorkValue
	}
	if c.Status != "" {
		r.CasesPK, r.CasesSK = string(c.Status), feedback.ListKey(c)
	}
	if r.ContactPK = feedback.ContactKey(c); r.ContactPK != "" {
		r.ContactSK = c.Ref
	}
	if !c.ReceivedAt.IsZero() {
		r.MonthPK, r.MonthSK = feedback.ReceivedMonth(c.ReceivedAt), feedback.ReceivedKey(c)
	}
	return attributevalue.MarshalMap(r)
}

func unmarshalCase(item map[string]types.AttributeValue) (*feedback.Case, error) {
	var r caseRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return nil, fmt.Errorf("decode case item: %w", err)
	}
	return r.toCase()
}

func (r *caseRecord) toCase() (*feedback.Case, error) {
	c := &feedback.Case{
		Ref: r.Ref, Kind: r.Kind, Channel: r.Channel, Status: r.Status, Stage: r.Stage,
		ServiceArea: r.ServiceArea, Subject: r.Subject, Message: r.Message,
		Contact:    feedback.Contact{Name: r.Contact.Name, Email: r.Contact.Email, Phone: r.Contact.Phone, Handle: r.Contact.Handle},
		AssignedTo: r.AssignedTo, IdempotencyKey: r.IdempotencyKey, Fingerprint: r.Fingerprint,
		MessageID: r.MessageID, Raw: r.Raw, Attachments: r.Attachments,
		Version: r.Version,
	}
	p := timeParser{ref: r.Ref}
	c.ReceivedAt = p.parse("received_at", r.ReceivedAt)
	c.AcknowledgeBy = p.parse("acknowledge_by", r.AcknowledgeBy)
	c.RespondBy = p.parse("respond_by", r.RespondBy)
	c.EscalateBy = p.parse("escalate_by", r.EscalateBy)
	for i, m := range r.Messages {
		at := p.parse(fmt.Sprintf("messages[%d].at", i), m.At)
		c.Messages = append(c.Messages, feedback.Correspondence{At: at, Channel: feedback.Channel(m.Channel), From: m.From,
			Subject: m.Subject, Text: m.Text, Quoted: m.Quoted, MessageID: m.MessageID, Raw: m.Raw, Attachments: m.Attachments, URL: m.URL, Links: m.Links,
			CopyTo: m.CopyTo})
	}
	if o := r.Social; o != nil {
		c.Social = &feedback.SocialOrigin{Platform: feedback.Platform(o.Platform), PostID: o.PostID, URL: o.URL,
			Handle: o.Handle, ProfileURL: o.ProfileURL, PostedAt: p.parse("social.posted_at", o.PostedAt), Public: o.Public,
			Links: o.Links, ForwardedBy: o.ForwardedBy, SuggestedReply: o.SuggestedReply}
	}
	for i, f := range r.Flags {
		c.Flags = append(c.Flags, feedback.Flag{Code: feedback.FlagCode(f.Code), Note: f.Note,
			At: p.parse(fmt.Sprintf("flags[%d].at", i), f.At), Cleared: p.parse(fmt.Sprintf("flags[%d].cleared", i), f.Cleared)})
	}
	for i, e := range r.History {
		c.History = append(c.History, feedback.Event{At: p.parse(fmt.Sprintf("history[%d].at", i), e.At),
			By: e.By, Action: e.Action, Detail: e.Detail, Reason: e.Reason, Named: e.Named})
	}
	if len(r.Effects) > 0 {
		c.Effects = make(feedback.Effects, len(r.Effects))
		for name, e := range r.Effects {
			by, until := e.ClaimedBy, e.ClaimedUntil
			if cl, ok := r.Claims[name]; ok {
				by, until = cl.By, cl.Until
			}
			c.Effects[name] = feedback.Effect{
				State: feedback.EffectState(e.State), Reason: e.Reason, MessageID: e.MessageID,
				Attempts: e.Attempts, ClaimedBy: by,
				At:           p.parse("effects."+name+".at", e.At),
				ClaimedUntil: p.parse("claims."+name+".until", until),
			}
		}
	}
	for i, st := range r.Stages {
		at := func(attr, v string) time.Time { return p.parse(fmt.Sprintf("stages[%d].%s", i, attr), v) }
		rr := st.Response
		c.Stages = append(c.Stages, feedback.StageRecord{Stage: feedback.Stage(st.Stage), OpenedAt: at("opened_at", st.OpenedAt),
			Handler: st.Handler, RespondBy: at("respond_by", st.RespondBy), ExtendedBy: st.ExtendedBy, ExtensionReason: st.ExtensionReason,
			Response: feedback.Response{Outcome: feedback.Outcome(rr.Outcome), Summary: rr.Summary, Lessons: rr.Lessons, Remedy: rr.Remedy,
				CompensationPence: rr.CompensationPence, SentBy: feedback.SentBy(rr.SentBy), At: at("response.at", rr.At), By: rr.By}})
	}
	if o := r.Ombudsman; o != nil {
		c.Ombudsman = feedback.OmbudsmanRecord{Which: feedback.Ombudsman(o.Which), ReferredOn: p.parse("ombudsman.referred_on", o.ReferredOn),
			Decision: feedback.Decision(o.Decision), DecidedOn: p.parse("ombudsman.decided_on", o.DecidedOn), Remedy: o.Remedy, CompensationPence: o.Compensation}
	}
	for i, l := range r.Letters {
		c.Letters = append(c.Letters, feedback.Letter{Name: l.Name, At: p.parse(fmt.Sprintf("letters[%d].at", i), l.At), To: l.To,
			Subject: l.Subject, Text: l.Text, HTML: l.HTML, Staff: l.Staff, ByPost: l.ByPost, Reply: l.Reply, By: l.By, InReplyTo: l.InReplyTo})
	}
	if h := r.Hold; h != nil {
		c.Hold = &feedback.Hold{By: h.By, At: p.parse("hold.at", h.At), Reason: h.Reason}
	}
	c.ClosedAt = p.parse("closed_at", r.ClosedAt)
	c.ExpiresAt = p.parse("retain_until", r.RetainUntil)
	if c.ExpiresAt.IsZero() && r.ExpiresAt != 0 {
		c.ExpiresAt = time.Unix(r.ExpiresAt, 0).UTC()
	}
	c.CreatedAt = p.parse("created_at", r.CreatedAt)
	c.UpdatedAt = p.parse("updated_at", r.UpdatedAt)
	if p.err != nil {
		return nil, p.err
	}
	return c, nil
}

func marshalMessages(ms []feedback.Correspondence) []messageRecord {
	var out []messageRecord
	for _, m := range ms {
		out = append(out, messageRecord{At: formatTime(m.At), Channel: string(m.Channel), From: m.From, Subject: m.Subject,
			Text: m.Text, Quoted: m.Quoted, messageRefs: messageRefs{MessageID: m.MessageID, Raw: m.Raw, Attachments: m.Attachments,
				URL: m.URL, Links: m.Links, CopyTo: m.CopyTo}})
	}
	return out
}

func marshalFlags(fs []feedback.Flag) []flagRecord {
	var out []flagRecord
	for _, f := range fs {
		out = append(out, flagRecord{Code: string(f.Code), At: formatTime(f.At), Note: f.Note, Cleared: formatTime(f.Cleared)})
	}
	return out
}

func marshalHistory(es []feedback.Event) []eventRecord {
	var out []eventRecord
	for _, e := range es {
		out = append(out, eventRecord{At: formatTime(e.At), By: e.By, Action: e.Action, Detail: e.Detail, Reason: e.Reason, Named: e.Named})
	}
	return out
}

// marshalEffects writes a ledger's effects, with their claims when withClaims is set (a case
// writes its claims apart: marshalClaims).
func marshalEffects(es feedback.Effects, withClaims bool) map[string]effectRecord {
	if len(es) == 0 {
		return nil
	}
	out := make(map[string]effectRecord, len(es))
	for name, e := range es {
		r := effectRecord{State: string(e.State), At: formatTime(e.At), Reason: e.Reason, MessageID: e.MessageID, Attempts: e.Attempts}
		if withClaims {
			r.ClaimedBy, r.ClaimedUntil = e.ClaimedBy, formatTime(e.ClaimedUntil)
		}
		out[name] = r
	}
	return out
}

func marshalClaims(es feedback.Effects) map[string]claimRecord {
	var out map[string]claimRecord
	for name, e := range es {
		if e.ClaimedBy == "" {
			continue
		}
		if out == nil {
			out = map[string]claimRecord{}
		}
		out[name] = claimRecord{By: e.ClaimedBy, Until: formatTime(e.ClaimedUntil)}
	}
	return out
}

func idempotencyItem(c *feedback.Case) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{
		AttrPK: str(prefixIdem + c.IdempotencyKey),
		AttrSK: str(skIdem),
		"ref":  str(c.Ref),
	}
	if exp := epoch(c.ExpiresAt); exp != 0 {
		item[AttrExpiresAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(exp, 10)}
	}
	return item
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{AttrPK: str(pk), AttrSK: str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// isCaseKey reports whether the keys are a case item's.
func isCaseKey(pk, sk string) bool {
	return sk == skCase && strings.HasPrefix(pk, prefixCase)
}
