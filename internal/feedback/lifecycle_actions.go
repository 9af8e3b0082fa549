package feedback

// The actions possible now: what a member of staff may do to a case as it stands. Each rule is
// written once, as a refusal that the action itself returns and that Actions consults, so that
// what the console offers and what the lifecycle accepts cannot drift apart.

import "strings"

// ActionName names a lifecycle action as the API's path and the console's forms spell it.
type ActionName string

// The lifecycle's actions.
const (
	ActionRespond    ActionName = "respond"
	ActionNote       ActionName = "note"
	ActionAssign     ActionName = "assign"
	ActionReclassify ActionName = "reclassify"
	ActionExtend     ActionName = "extend"
	ActionEscalate   ActionName = "escalate"
	ActionOmbudsman  ActionName = "ombudsman"
	ActionClose      ActionName = "close"
	ActionHold       ActionName = "hold"
	ActionRelease    ActionName = "release"
	// ActionReply emails the resident the officer's own words (Service.Reply). Actions offers
	// it when the case has an email address; what the restrictions on the resident say of it
	// is ReplyCheck's, which reads the register.
	ActionReply ActionName = "reply"
	// ActionAcknowledged records that the public reply to a social post was posted: the
	// officers' way to say so in AWS, where the monitors' signed route takes no token. The
	// console offers it on the social case's own page, not among these actions.
	ActionAcknowledged ActionName = "acknowledged"
)

// Action is one action possible now, as a person reads it.
type Action struct {
	Name ActionName
	// Label says what the action does, as a button or link reads ("Record the response").
	Label string
	// Primary marks the next expected step: at most one action of a list has it.
	Primary bool
}

// Actions lists what who may do to c now, in the order a page offers them, the next expected
// step (if any) first and marked Primary. Someone who may not work the case gets none.
func (s *Service) Actions(who StaffMember, c *Case) []Action {
	if !canWork(who) || !who.CanSee(c) {
		return nil
	}
	manager := who.Role == RoleManager || who.Role == RoleAdmin
	rows := []struct {
		name  ActionName
		label string
		ok    bool
	}{
		{ActionRespond, "Record the response", c.refuseRespond() == nil},
		{ActionClose, "Close the case", c.refuseClose() == nil},
		{ActionReply, "Reply to the resident", c.refuseReply() == nil},
		{ActionNote, "Add a note", true},
		{ActionAssign, "Assign to someone else", c.refuseAssign() == nil},
		{ActionReclassify, "Change the kind", c.refuseReclassify() == nil},
		{ActionExtend, "Extend this stage", c.refuseExtend() == nil},
		{ActionEscalate, "Escalate to Stage 2", c.refuseEscalate() == nil},
		{ActionOmbudsman, "Record an Ombudsman referral", manager && c.refuseRefer() == nil},
		{ActionOmbudsman, "Record the Ombudsman's decision", manager && c.refuseDecide() == nil},
		{ActionHold, "Place a legal hold", who.Role == RoleAdmin && c.Hold == nil},
		{ActionRelease, "Release the legal hold", who.Role == RoleAdmin && c.Hold != nil},
	}
	var out []Action
	for _, r := range rows {
		if r.ok {
			out = append(out, Action{Name: r.name, Label: r.label})
		}
	}
	if len(out) > 0 && (out[0].Name == ActionRespond || out[0].Name == ActionClose && c.Kind != KindComplaint) {
		out[0].Primary = true
	}
	return out
}

// Allows reports whether name is among the actions possible now.
func (s *Service) Allows(who StaffMember, c *Case, name ActionName) bool {
	for _, a := range s.Actions(who, c) {
		if a.Name == name {
			return true
		}
	}
	return false
}

// The refusals: nil when the case, as it stands, allows the action.

func (c *Case) refuseAssign() error {
	if c.Status != StatusOpen {
		return Errorf(ECONFLICT, "Case %s is closed; it cannot be reassigned.", c.Ref)
	}
	return nil
}

func (c *Case) refuseReclassify() error {
	switch {
	case c.Status != StatusOpen:
		return Errorf(ECONFLICT, "Case %s is closed; it cannot be reclassified.", c.Ref)
	case c.Kind == KindComplaint && (c.Stage == Stage2 || len(c.Stages) > 0 && c.Stages[0].Responded()):
		return Errorf(ECONFLICT, "Case %s has had a complaint response; it cannot stop being a complaint.", c.Ref)
	}
	return nil
}

func (c *Case) refuseExtend() error {
	st := c.current()
	switch {
	case c.Kind != KindComplaint || st == nil:
		return Errorf(ECONFLICT, "Only a complaint's stage can be extended; case %s is a %s.", c.Ref, c.Kind.Label())
	case c.Status != StatusOpen || st.Responded():
		return Errorf(ECONFLICT, "%s of case %s has had its response; it cannot be extended.", c.Stage.Label(), c.Ref)
	case st.ExtendedBy > 0:
		return Errorf(ECONFLICT, "%s of case %s has been extended once already; the Complaint Handling Code allows one extension per stage.", c.Stage.Label(), c.Ref)
	}
	return nil
}

func (c *Case) refuseRespond() error {
	st := c.current()
	switch {
	case c.Kind != KindComplaint || st == nil:
		return Errorf(ECONFLICT, "Only a complaint has stage responses; close a %s with a note instead.", c.Kind.Label())
	case c.Status != StatusOpen || st.Responded():
		return Errorf(ECONFLICT, "%s of case %s has had its response already.", c.Stage.Label(), c.Ref)
	}
	return nil
}

// refuseEscalate is what the case says of an escalation, whoever the reviewer.
func (c *Case) refuseEscalate() error {
	s1, _ := c.StageRecordOf(Stage1)
	switch {
	case c.Kind != KindComplaint:
		return Errorf(ECONFLICT, "Only a complaint can be escalated; case %s is a %s.", c.Ref, c.Kind.Label())
	case c.Stage == Stage2:
		return Errorf(ECONFLICT, "Case %s is at Stage 2 already; there are only two stages. The resident may go to the Ombudsman.", c.Ref)
	case !s1.Responded():
		return Errorf(ECONFLICT, "Stage 1 of case %s has not had its response yet; it must before Stage 2.", c.Ref)
	}
	return nil
}

func (c *Case) refuseRefer() error {
	switch {
	case c.Kind != KindComplaint:
		return Errorf(ECONFLICT, "Only a complaint goes to the Ombudsman; case %s is a %s.", c.Ref, c.Kind.Label())
	case c.Ombudsman.Which != "":
		return Errorf(ECONFLICT, "Case %s's referral to the Ombudsman is recorded already.", c.Ref)
	}
	return nil
}

func (c *Case) refuseDecide() error {
	switch {
	case c.Ombudsman.Which == "":
		return Errorf(ECONFLICT, "Record case %s's referral to the Ombudsman before its decision.", c.Ref)
	case c.Ombudsman.Decision != "":
		return Errorf(ECONFLICT, "The Ombudsman's decision on case %s is recorded already.", c.Ref)
	}
	return nil
}

func (c *Case) refuseReply() error {
	if strings.TrimSpace(c.Contact.Email) == "" {
		return Errorf(EINVALID, "Case %s has no email address for the resident, so Intake cannot email them. Telephone them or write by post, and add a note of what was said.", c.Ref)
	}
	return nil
}

func (c *Case) refuseClose() error {
	if c.Status != StatusOpen {
		return Errorf(ECONFLICT, "Case %s is closed already.", c.Ref)
	}
	return nil
}

// WorkingDaysLeft counts the working days from today to c's response date on the service's
// calendar: 0 on the day, negative once it has passed. ok is false for a case with no date.
func (s *Service) WorkingDaysLeft(c *Case) (left int, ok bool) {
	if c.RespondBy.IsZero() {
		return 0, false
	}
	return s.Calendar.WorkingDaysBetween(s.Clock.Now(), c.RespondBy), true
}
