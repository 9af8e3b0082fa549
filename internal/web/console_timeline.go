package web

import (
	"sort"
	"time"

	"github.com/council/intake/internal/feedback"
)

// The case page's one timeline, oldest first: the resident's messages on any channel, every
// letter and email sent (each openable, with the exact text and to whom), officers' internal
// notes, and the history of changes, each with who and when in words. The ledger's names and
// the domain's codes never show: each item is built from the case's own records, in words.

// The kinds of timeline item, for the page's styling and the order of things at one instant.
const (
	itemIn     = "in"     // a message from the resident
	itemChange = "change" // a change to the case
	itemNote   = "note"   // an officer's internal note
	itemOut    = "out"    // a letter or email the case wrote
	itemSent   = "sent"   // something Intake sent that keeps no text (a reminder, a notice)
)

// itemRank orders the items of one instant: what came in, what was done, what went out.
var itemRank = map[string]int{itemIn: 0, itemChange: 1, itemNote: 2, itemOut: 3, itemSent: 4}

// timelineItem is one thing that happened on the case.
type timelineItem struct {
	at   time.Time
	Kind string
	// Title says what happened ("Message from the resident (Email)", "Reply to the resident").
	Title string
	// When and Who say when it happened and who did it, in words.
	When, Who string
	// Subject, Text and Quoted are what was written; To whom a letter went ("By post" when it
	// went by post), and State what became of it.
	Subject, Text, Quoted, To, State string
	// Detail and Reason say what changed and why.
	Detail, Reason string
	Attachments    []fileLink
}

// caseTimeline is the case's timeline, oldest first.
func caseTimeline(k *feedback.Case, when func(time.Time) string) []timelineItem {
	var items []timelineItem
	add := func(at time.Time, it timelineItem) {
		it.at, it.When = at, when(at)
		items = append(items, it)
	}
	resident := or(k.Contact.Name, "the resident")
	if k.Social != nil && k.Social.Handle != "" && k.Contact.Name == "" {
		resident = "@" + k.Social.Handle
	}
	add(k.ReceivedAt, timelineItem{Kind: itemIn, Title: "Message from the resident (" + k.Channel.Label() + ")", Who: resident,
		Subject: k.Subject, Text: k.Message, Attachments: links(k.Ref, k.Attachments, 1)})
	next := len(k.Attachments) + 1
	for _, m := range k.Messages {
		add(m.At, timelineItem{Kind: itemIn, Title: "Message from the resident (" + m.Channel.Label() + ")", Who: or(m.From, resident),
			Subject: m.Subject, Text: m.Text, Quoted: m.Quoted, Attachments: links(k.Ref, m.Attachments, next)})
		next += len(m.Attachments)
	}
	letters := map[string]bool{}
	for _, l := range k.Letters {
		letters[feedback.LetterEffect(l.Name)] = true
		add(l.At, letterItem(k, l))
	}
	for name, e := range k.Effects {
		line, ok := k.DescribeEffect(name)
		if !ok || letters[name] || e.State == feedback.EffectToDo {
			continue
		}
		it := timelineItem{Kind: itemSent, Title: effectLine(line, e), State: effectState(e), Who: "Intake"}
		if line.To == "" {
			it.To = k.Contact.Email
		}
		add(e.At, it)
	}
	for _, e := range k.History {
		switch e.Action {
		case "replied", "message received": // the reply and the message are items of their own
			continue
		case "note":
			add(e.At, timelineItem{Kind: itemNote, Title: "Internal note", Who: personName(e.By), Text: e.Detail})
			continue
		}
		add(e.At, timelineItem{Kind: itemChange, Title: capitalise(e.Action), Who: personName(e.By), Detail: e.Detail, Reason: e.Reason})
	}
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].at.Equal(items[j].at) {
			return items[i].at.Before(items[j].at)
		}
		return itemRank[items[i].Kind] < itemRank[items[j].Kind]
	})
	return items
}

// letterItem is a letter or email the case wrote: to the resident (a letter, or an officer's
// reply) or to staff, with what became of it.
func letterItem(k *feedback.Case, l feedback.Letter) timelineItem {
	it := timelineItem{Kind: itemOut, Title: "Letter to the resident: " + l.Subject, Who: "Intake", Subject: l.Subject, Text: l.Text, To: l.To}
	switch {
	case l.Reply:
		it.Title, it.Who = "Reply to the resident", personName(l.By)
	case l.Staff:
		it.Title = "Email to " + staffName(l.To) + ": " + l.Subject
	}
	switch e, ok := k.Effects[feedback.LetterEffect(l.Name)]; {
	case l.ByPost:
		it.To, it.State = "By post", "Sent by post by the officer"
	case l.To == "":
		it.To = "By post (no email address)"
	case !ok || e.State == feedback.EffectToDo:
		it.State = "Waiting to be sent"
	default:
		it.State = effectState(e)
	}
	return it
}

// personName is who did something, in words: a member of staff's name, or Intake itself.
func personName(by string) string {
	if by == "" || by == "intake" {
		return "Intake"
	}
	return staffName(by)
}

// timelineSection is the case page's timeline.
const timelineSection = `<h2 id="timeline-title">Timeline</h2>
<p class="hint">Oldest first: the resident's messages, everything sent to them, internal notes and every change.</p>
<ol class="timeline" aria-labelledby="timeline-title">{{range .Timeline}}<li class="item item-{{.Kind}}">
<h3 class="heading-s">{{if eq .Kind "note"}}<strong class="tag tag-yellow">Internal note</strong> <span class="visually-hidden">Only staff see this.</span>{{else}}{{.Title}}{{end}}</h3>
<p class="meta">{{.When}}{{if .Who}}, {{if eq .Kind "in"}}from{{else}}by{{end}} {{.Who}}{{end}}{{if .State}}. {{.State}}{{end}}</p>
{{if eq .Kind "out"}}<details><summary>Show the text sent{{if .To}} to {{.To}}{{end}}</summary>
<dl class="summary-list"><dt>To</dt><dd>{{or .To "The resident"}}</dd><dt>Subject</dt><dd>{{.Subject}}</dd></dl>
<div class="text">{{.Text}}</div></details>
{{else if eq .Kind "sent"}}{{if .To}}<p>To {{.To}}</p>{{end}}
{{else if eq .Kind "change"}}{{if or .Detail .Reason}}<p>{{.Detail}}{{if .Reason}}{{if .Detail}}. {{end}}Why: {{.Reason}}{{end}}</p>{{end}}
{{else}}{{if .Subject}}<p>Subject: {{.Subject}}</p>{{end}}<div class="text">{{.Text}}</div>
{{if .Quoted}}<details><summary>Quoted text</summary><div class="quoted">{{.Quoted}}</div></details>{{end}}
{{if .Attachments}}<p>Attachments (downloaded, never opened here): {{range $i, $a := .Attachments}}{{if $i}}, {{end}}<a href="{{$a.URL}}" download>{{$a.Name}}</a>{{end}}</p>{{end}}{{end}}
</li>{{end}}</ol>`
