package feedback

// Kind is what a piece of feedback is. The sender need not use the word "complaint": officers
// may reclassify an item, and the kind decides the procedure, timescales and retention.
type Kind string

// The kinds of feedback. A first request for a service is not a complaint; matters with their
// own procedures (fraud or corruption, whistleblowing, hate incidents, information requests,
// member misconduct) are out of scope: logged, acknowledged with where they went, and routed.
const (
	KindComplaint      Kind = "complaint"
	KindCompliment     Kind = "compliment"
	KindComment        Kind = "comment"
	KindServiceRequest Kind = "service_request"
	KindOutOfScope     Kind = "out_of_scope"
)

// Kinds lists every kind in the order a form offers them.
var Kinds = []Kind{KindComplaint, KindCompliment, KindComment, KindServiceRequest, KindOutOfScope}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// Label is the kind in plain English, as it reads in a sentence ("your complaint").
func (k Kind) Label() string {
	switch k {
	case KindComplaint:
		return "complaint"
	case KindCompliment:
		return "compliment"
	case KindComment:
		return "comment"
	case KindServiceRequest:
		return "request for a service"
	case KindOutOfScope:
		return "enquiry"
	}
	return string(k)
}

// NeedsReply reports whether the council owes the sender a response, and so needs a way to
// reach them.
func (k Kind) NeedsReply() bool { return k == KindComplaint || k == KindServiceRequest }

// Channel is how an item reached us.
type Channel string

// The channels.
const (
	ChannelWeb    Channel = "web"
	ChannelEmail  Channel = "email"
	ChannelSocial Channel = "social"
	// ChannelPhone, ChannelLetter and ChannelInPerson are items an officer enters by hand.
	ChannelPhone    Channel = "phone"
	ChannelLetter   Channel = "letter"
	ChannelInPerson Channel = "in_person"
)

// EnteredByHand reports whether items on the channel are entered by an officer (Service.Intake)
// rather than arriving by themselves.
func (c Channel) EnteredByHand() bool {
	return c == ChannelPhone || c == ChannelLetter || c == ChannelInPerson
}

// Stage is where a complaint stands in the two-stage procedure.
type Stage string

// The stages. Stage 1 is the investigation (the service manager), Stage 2 the review (a
// director, never the Stage 1 handler); after that the resident may go to the Ombudsman.
const (
	StageNone Stage = ""
	Stage1    Stage = "stage1"
	Stage2    Stage = "stage2"
)

// Label is the stage as residents and officers read it.
func (s Stage) Label() string {
	switch s {
	case Stage1:
		return "Stage 1 (investigation)"
	case Stage2:
		return "Stage 2 (review)"
	}
	return ""
}

// Status is whether a case is still being worked on.
type Status string

// The statuses.
const (
	StatusOpen   Status = "open"
	StatusClosed Status = "closed"
)
