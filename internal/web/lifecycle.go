package web

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The action table: every lifecycle action a case takes, as the console's forms and the JSON
// API's POST /v1/cases/{reference}/{action} both call it. One reader of the fields (fields),
// one date parser, one set of messages: the two ways in cannot drift. Each action reads all
// its fields first and answers every mistake at once, in plain English, naming the field;
// then the domain decides (and refuses, with its own message, what the case does not allow).

// caseAction is one row of the table.
type caseAction struct {
	// done is what the console says once the action is done.
	done string
	// run reads the fields and carries the action out as who.
	run func(ctx context.Context, svc *feedback.Service, who feedback.StaffMember, ref string, in *fields) (*feedback.Case, error)
}

// caseActions is the table, by the action's name in the path.
var caseActions = map[feedback.ActionName]caseAction{
	feedback.ActionNote:   oneField("Your note has been added.", "text", "Enter the note", (*feedback.Service).AddNote),
	feedback.ActionAssign: oneField("The case has been assigned.", "to", "Enter the email address of the person or team to assign the case to", (*feedback.Service).Assign),
	feedback.ActionReclassify: {"The case has been reclassified.", func(ctx context.Context, svc *feedback.Service, who feedback.StaffMember, ref string, in *fields) (*feedback.Case, error) {
		kind := feedback.Kind(in.choice("kind", "Choose what kind of feedback this is", kindValues...))
		if err := in.err(); err != nil {
			return nil, err
		}
		return svc.Reclassify(ctx, who, ref, kind)
	}},
	feedback.ActionExtend: {"The stage has been extended.", func(ctx context.Context, svc *feedback.Service, who feedback.StaffMember, ref string, in *fields) (*feedback.Case, error) {
		days := in.number("working_days", "Enter the number of working days, like 5")
		reason := in.required("reason", "Enter the reason for the extension")
		if err := in.err(); err != nil {
			return nil, err
		}
		return svc.Extend(ctx, who, ref, days, reason)
	}},
	feedback.ActionRespond: {"The response has been recorded.", func(ctx context.Context, svc *feedback.Service, who feedback.StaffMember, ref string, in *fields) (*feedback.Case, error) {
		r := feedback.Response{
			Outcome: feedback.Outcome(in.choice("outcome", "Choose an outcome", "upheld", "partly_upheld", "not_upheld", "invalid")),
			Summary: in.required("summary", "Enter a summary of the response"),
			Lessons: in.text("lessons"), Remedy: in.text("remedy"),
			CompensationPence: in.pence("compensation"),
			SentBy:            feedback.SentBy(in.choice("sent_by", "Choose how the response is sent", "email", "post")),
		}
		if err := in.err(); err != nil {
			return nil, err
		}
		return svc.Respond(ctx, who, ref, r)
	}},
	feedback.ActionEscalate: twoFields("The case has been escalated to Stage 2.",
		"reviewer", "Enter the email address of the Stage 2 reviewer",
		"reason", "Enter why the resident asked for a review", (*feedback.Service).Escalate),
	feedback.ActionOmbudsman: {"The Ombudsman's involvement has been recorded.", func(ctx context.Context, svc *feedback.Service, who feedback.StaffMember, ref string, in *fields) (*feedback.Case, error) {
		if in.text("decision") != "" || in.text("step") == "decision" {
			d := feedback.Decision(in.choice("decision", "Choose the Ombudsman's decision", "upheld", "not_upheld", "not_investigated", "settled"))
			on := in.date("decided_on", "the date of the decision")
			remedy := in.text("remedy")
			if err := in.err(); err != nil {
				return nil, err
			}
			return svc.RecordOmbudsmanDecision(ctx, who, ref, d, on, remedy)
		}
		which := feedback.Ombudsman(in.choice("ombudsman", "Choose which Ombudsman the resident went to", "lgsco", "housing"))
		on := in.date("referred_on", "the date of the referral")
		if err := in.err(); err != nil {
			return nil, err
		}
		return svc.ReferOmbudsman(ctx, who, ref, which, on)
	}},
	feedback.ActionReply:   oneField("Your reply is on its way to the resident.", "text", "Enter the text of your reply", (*feedback.Service).Reply),
	feedback.ActionClose:   oneField("The case has been closed.", "note", "Enter a closing note", (*feedback.Service).Close),
	feedback.ActionHold:    oneField("The case is under legal hold: it will not be destroyed until the hold is released.", "reason", "Enter the reason for the legal hold", (*feedback.Service).PlaceHold),
	feedback.ActionRelease: oneField("The legal hold has been released.", "reason", "Enter the reason for releasing the legal hold", (*feedback.Service).ReleaseHold),
	feedback.ActionAcknowledged: {"The public reply is recorded: the author counts as acknowledged.", func(ctx context.Context, svc *feedback.Service, who feedback.StaffMember, ref string, _ *fields) (*feedback.Case, error) {
		return svc.SocialAcknowledged(ctx, who, ref)
	}},
}

// oneField is the row of an action that takes one text, which must not be empty.
func oneField(done, field, msg string, do func(*feedback.Service, context.Context, feedback.StaffMember, string, string) (*feedback.Case, error)) caseAction {
	return caseAction{done, func(ctx context.Context, svc *feedback.Service, who feedback.StaffMember, ref string, in *fields) (*feedback.Case, error) {
		v := in.required(field, msg)
		if err := in.err(); err != nil {
			return nil, err
		}
		return do(svc, ctx, who, ref, v)
	}}
}

// twoFields is an action of two required text fields, every missing one reported at once.
func twoFields(done, field1, msg1, field2, msg2 string, do func(*feedback.Service, context.Context, feedback.StaffMember, string, string, string) (*feedback.Case, error)) caseAction {
	return caseAction{done, func(ctx context.Context, svc *feedback.Service, who feedback.StaffMember, ref string, in *fields) (*feedback.Case, error) {
		v1, v2 := in.required(field1, msg1), in.required(field2, msg2)
		if err := in.err(); err != nil {
			return nil, err
		}
		return do(svc, ctx, who, ref, v1, v2)
	}}
}

var kindValues = func() []string {
	var out []string
	for _, k := range feedback.Kinds {
		out = append(out, string(k))
	}
	return out
}()

// fields are an action's fields as sent, by name, with the mistakes found reading them. A
// console form and a JSON body both become fields: the form's values as typed, the body's as
// their JSON text (numbers as digits).
type fields struct {
	values map[string]string
	loc    *time.Location
	errs   []feedback.FieldError
}

func (in *fields) fail(field, msg string) {
	in.errs = append(in.errs, feedback.FieldError{Field: field, Message: msg})
}

// err is every mistake found, as one EINVALID error, or nil.
func (in *fields) err() error {
	if len(in.errs) == 0 {
		return nil
	}
	return &feedback.Error{Code: feedback.EINVALID, Message: in.errs[0].Message, Fields: in.errs}
}

// text is the field as sent, trimmed.
func (in *fields) text(field string) string { return strings.TrimSpace(in.values[field]) }

func (in *fields) required(field, msg string) string {
	v := in.text(field)
	if v == "" {
		in.fail(field, msg)
	}
	return v
}

// choice is a field that must be one of allowed: msg says to choose when it is not.
func (in *fields) choice(field, msg string, allowed ...string) string {
	v := in.text(field)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	in.fail(field, msg)
	return ""
}

func (in *fields) number(field, msg string) int {
	n, err := strconv.Atoi(in.text(field))
	if err != nil {
		in.fail(field, msg)
	}
	return n
}

// pence reads compensation: the console's field in pounds ("12.50", "£12"), or the API's
// compensation_pence; empty is none.
func (in *fields) pence(field string) int64 {
	if p, ok := in.values[field+"_pence"]; ok {
		n, _ := strconv.ParseInt(p, 10, 64)
		return n
	}
	p, err := pounds(in.text(field))
	if err != nil {
		in.fail(field, "Enter the compensation in pounds, like 50 or 12.50, or leave it empty")
	}
	return p
}

// date reads a date: the GOV.UK date input's three fields (field-day, field-month, field-year)
// from a form, or one YYYY-MM-DD field (or RFC 3339 instant) from the API. what names the date in the messages ("the
// date of the referral"). A mistake is reported against the field's first box.
func (in *fields) date(field, what string) time.Time {
	day, month, year := in.text(field+"-day"), in.text(field+"-month"), in.text(field+"-year")
	target := field + "-day"
	if _, form := in.values[field+"-day"]; !form {
		target = field
		s := in.text(field)
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			s = t.In(in.loc).Format(time.DateOnly) // an instant: its day in the council's zone
		}
		if s != "" {
			var ok bool
			if year, month, ok = strings.Cut(s, "-"); ok {
				month, day, ok = strings.Cut(month, "-")
			}
			if !ok {
				in.fail(target, "Enter "+what+" as a real date, like 2027-01-04")
				return time.Time{}
			}
		}
	}
	t, msg := civilDate(day, month, year, what, in.loc)
	if msg != "" {
		in.fail(target, msg)
	}
	return t
}

// civilDate is the one date parser: a day, month and year as typed, or a message saying what
// is wrong with them.
func civilDate(day, month, year, what string, loc *time.Location) (time.Time, string) {
	if day == "" && month == "" && year == "" {
		return time.Time{}, "Enter " + what
	}
	var missing []string
	for _, p := range []struct{ name, v string }{{"day", day}, {"month", month}, {"year", year}} {
		if p.v == "" {
			missing = append(missing, p.name)
		}
	}
	if len(missing) > 0 {
		return time.Time{}, fmt.Sprintf("%s must include a %s", capitalise(what), strings.Join(missing, " and a "))
	}
	d, errD := strconv.Atoi(day)
	m, errM := strconv.Atoi(month)
	y, errY := strconv.Atoi(year)
	if err := errors.Join(errD, errM, errY); err != nil || len(year) != 4 {
		return time.Time{}, capitalise(what) + " must be a real date, like 4 1 2027"
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, loc)
	if t.Day() != d || int(t.Month()) != m {
		return time.Time{}, capitalise(what) + " must be a real date, like 4 1 2027"
	}
	return t, ""
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// runAction carries out the named action with the fields sent; an unknown action is ENOTFOUND.
func runAction(ctx context.Context, svc *feedback.Service, who feedback.StaffMember, ref string, name feedback.ActionName, values map[string]string) (*feedback.Case, error) {
	a, ok := caseActions[name]
	if !ok {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "There is no such action. The actions are assign, reclassify, note, reply, extend, respond, escalate, ombudsman, close, hold, release and acknowledged.")
	}
	return a.run(ctx, svc, who, ref, &fields{values: values, loc: svc.Calendar.Location()})
}

// serviceList lists every open case who may see for q, through the service's ListCases, page
// after page.
func serviceList(svc *feedback.Service) func(ctx context.Context, who feedback.StaffMember, q CaseQuery) ([]*feedback.Case, error) {
	return func(ctx context.Context, who feedback.StaffMember, q CaseQuery) ([]*feedback.Case, error) {
		query := feedback.CaseQuery{Status: feedback.StatusOpen, ServiceArea: q.ServiceArea, Kind: q.Kind,
			Stage: q.Stage, Channel: q.Channel}
		var out []*feedback.Case
		for {
			page, err := svc.ListCases(ctx, who, query)
			if err != nil {
				return nil, err
			}
			out = append(out, page.Cases...)
			if page.Next == "" {
				return out, nil
			}
			query.Cursor = page.Next
		}
	}
}
