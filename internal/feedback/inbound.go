package feedback

import "time"

// InboundEmail is an email as the email channel hands it to the domain: already parsed, never
// MIME. Every string field meant to be a single line (names, addresses, subject, ids, header
// values) holds no CR, LF, NUL or other control character, so it can be echoed into a reply or a
// log line as it is. Text fields use "\n" line breaks.
//
// A message that could only partly be read still yields an InboundEmail: Problems says, in plain
// English, what was lost. The raw message is kept elsewhere (Blobs), so nothing here is the only
// copy.
type InboundEmail struct {
	// From is the sender: exactly one valid mailbox, address lower-cased, display name decoded.
	// A From header that is not exactly one valid mailbox is never repaired into an address:
	// From is then empty and FromRaw holds the header as written (one line, decoded), to show
	// an officer. FromRaw is personal data: it is never logged.
	From    Address
	FromRaw string
	ReplyTo []Address // where the sender asks replies to go, if not From; only valid mailboxes
	To      []Address
	Cc      []Address
	Subject string    // RFC 2047 decoded, one line
	Date    time.Time // the Date header; zero if absent or unreadable

	MessageID  string   // without angle brackets; "" if absent
	InReplyTo  []string // message ids, without angle brackets
	References []string // message ids, without angle brackets, oldest first

	// Text is the readable body: the text/plain part, or the HTML part turned into text when there
	// is no text/plain part (TextFromHTML is then true).
	Text         string
	TextFromHTML bool
	// NewText is Text without quoted history and signature: what the sender wrote this time.
	// Quoted holds what was cut from Text to make NewText, in order, with its quote marks, so that
	// nothing is discarded. Forwarded says a forwarded message was among what was cut.
	NewText   string
	Quoted    string
	Forwarded bool

	// Attachments are every part that is not the body, in the order they appear, within the
	// parser's limits (what was dropped is noted in Problems).
	Attachments []Attachment

	// Auto says whether a machine rather than a person sent the message.
	Auto AutoSignals
	// Report is the content of a multipart/report (a bounce or delay notice); nil if the message
	// is not a report.
	Report *Report
	// Verdicts are the receiving service's (SES's) spam, virus and authentication checks.
	Verdicts Verdicts

	// Problems are plain-English notes on what could not be read (a bad charset, truncated MIME,
	// nesting too deep, too many attachments...): content an officer may need from the original.
	// They never contain personal data, so they may be logged.
	Problems []string
	// Notes are harmless oddities, in plain English (a To or Date header written oddly): worth
	// recording, nothing to act on. Like Problems, they hold no personal data.
	Notes []string
}

// Address is one mailbox: a display name (may be empty) and an address in lower case.
type Address struct {
	Name  string
	Email string
}

// Attachment is one non-body part of an email. Its bytes are never decompressed, rendered or
// run; winmail.dat and archives are attachments like any other.
type Attachment struct {
	// Name is the file name made safe to store and show: no path, no control or direction
	// characters, limited in length; "attachment-N" (plus an extension for known types) when the
	// sender gave none.
	Name        string
	ContentType string // media type in lower case, without parameters
	ContentID   string // without angle brackets; lets HTML refer to an inline image
	Inline      bool   // shown within the body (an inline image) rather than offered as a file
	Size        int    // len(Content): the decoded size in bytes
	Content     []byte
}

// AutoSignals are the headers and senders that mark a message as automatic: out-of-office
// replies, mailing lists, bounces. Values are the header values as found (one line, trimmed);
// which of them mean "do not acknowledge" is the domain's decision.
type AutoSignals struct {
	AutoSubmitted        string // Auto-Submitted (RFC 3834), e.g. "auto-replied"; "no" means a person
	Precedence           string // Precedence, lower case: "bulk", "list", "junk", "auto_reply"
	AutoReplyHeader      bool   // a vendor's auto-reply header is present (AutoReplyBy names it)
	AutoReplyBy          string // the header that marks an auto-reply: "X-Autoreply", "X-Apple-Action: VACATION"...
	AutoResponseSuppress string // X-Auto-Response-Suppress (Microsoft), e.g. "All"
	ListID               string // List-Id
	ListUnsubscribe      string // List-Unsubscribe
	ReturnPath           string // Return-Path without angle brackets; "" if absent or null
	NullReturnPath       bool   // Return-Path is "<>": a bounce or other notice that wants no reply
	FromDaemon           bool   // From is MAILER-DAEMON or postmaster, in any case and with any separator
}

// Report is what a multipart/report (RFC 6522) says, typically a delivery status notification
// (RFC 3464) about a message we sent.
type Report struct {
	Type string // the report-type parameter, lower case: "delivery-status", "disposition-notification"...
	// Recipients are the per-recipient fields of the message/delivery-status part.
	Recipients []ReportRecipient
	// OriginalMessageIDs are the Message-IDs (without angle brackets) of the original message(s)
	// the report quotes (message/rfc822 or text/rfc822-headers parts).
	OriginalMessageIDs []string
}

// ReportRecipient is one recipient in a delivery status notification.
type ReportRecipient struct {
	Email  string // Final-Recipient (or Original-Recipient), lower case, without its "rfc822;" type
	Action string // lower case: "failed", "delayed", "delivered", "relayed" or "expanded"
	Status string // the status code, e.g. "5.1.1"
}

// Verdict values, as SES reports them.
const (
	VerdictPass             = "PASS"
	VerdictFail             = "FAIL"
	VerdictGray             = "GRAY"
	VerdictProcessingFailed = "PROCESSING_FAILED"
)

// Verdicts are the checks the receiving service recorded in the message's headers: each is one of
// the Verdict values, or "" when the message carries no such verdict (scanning off, or not
// received through SES). They are only as trustworthy as the receipt rule that adds them: with
// scanning off, a sender could forge the headers.
type Verdicts struct {
	Spam  string // X-SES-Spam-Verdict
	Virus string // X-SES-Virus-Verdict
	SPF   string // spf= in SES's Authentication-Results (or Received-SPF)
	DKIM  string // dkim= in SES's Authentication-Results
	DMARC string // dmarc= in SES's Authentication-Results
}
