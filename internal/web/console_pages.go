package web

import (
	"html/template"

	"github.com/council/intake/internal/feedback"
)

// The console's pages. Everything a resident wrote reaches them through html/template, which
// escapes it; no page needs JavaScript.

const consoleStyle = `<style>
*,*::before,*::after{box-sizing:border-box}
.visually-hidden{position:absolute!important;width:1px!important;height:1px!important;margin:0!important;padding:0!important;overflow:hidden!important;clip:rect(0 0 0 0)!important;white-space:nowrap!important;border:0!important}
main.wide{max-width:1100px}
.skip{position:absolute;left:-10000px;top:0;background:#fd0;color:#0b0c0c;padding:10px 15px}
.skip:focus{left:0;z-index:10}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;gap:5px 15px}
header .who{font-weight:normal;display:flex;flex-wrap:wrap;align-items:center;gap:5px 10px;overflow-wrap:anywhere}
header form{display:inline;margin:0}
header button{background:#fff;color:#0b0c0c;box-shadow:none;padding:2px 8px;font-size:16px}
nav.service{border-bottom:1px solid #b1b4b6;background:#f3f2f1}
nav.service ul{list-style:none;margin:0 auto;padding:0 15px;max-width:1100px;display:flex;flex-wrap:wrap;gap:0 25px}
nav.service li{padding:10px 0 7px;border-bottom:3px solid transparent}
nav.service li.current{border-bottom-color:#1d70b8}
nav.service a{font-weight:bold;text-decoration:none}
nav.service a:hover{text-decoration:underline}
nav.service li.search{margin-left:auto;padding:5px 0}
nav.service .search form{display:flex;flex-wrap:wrap;align-items:center;gap:5px 8px;margin:0}
nav.service .search label{display:inline;margin:0;font-size:16px}
nav.service .search input{font:inherit;font-size:16px;border:2px solid #0b0c0c;padding:3px 5px;width:14em;max-width:100%}
nav.service .search button{font-size:16px;padding:4px 10px}
a{color:#1d70b8}
h1{overflow-wrap:anywhere}
.caption{display:block;color:#505a5f;font-size:19px;margin-bottom:5px}
.table-scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;width:100%;margin-bottom:20px}
th,td{text-align:left;padding:8px 10px 8px 0;border-bottom:1px solid #b1b4b6;vertical-align:top}
.nowrap{white-space:nowrap}
.tag{display:inline-block;font-weight:bold;padding:2px 6px;font-size:16px;background:#1d70b8;color:#fff}
.tag-red{background:#d4351c;color:#fff}
.tag-orange{background:#fcd6c3;color:#6e3619}
.tag-yellow{background:#fff7bf;color:#594d00}
.tag-grey{background:#eeefef;color:#383f43}
.counts{list-style:none;padding:0;margin:0 0 20px;display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.counts a{display:block;border:1px solid #b1b4b6;padding:10px;text-decoration:none;height:100%}
.counts a:hover{text-decoration:underline}
.counts .n{display:block;font-size:36px;font-weight:bold;color:#0b0c0c}
.counts .warn{border-left:5px solid #d4351c}
.counts .warn .n{color:#d4351c}
.quick{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:5px 20px}
.quick [aria-current]{font-weight:bold;color:#0b0c0c;text-decoration:none}
dl.summary-list{display:grid;grid-template-columns:minmax(8em,14em) 1fr;gap:8px 15px;margin:0 0 30px}
dl.summary-list dt{font-weight:bold}
dl.summary-list dd{margin:0;overflow-wrap:anywhere}
.text{white-space:pre-wrap;overflow-wrap:anywhere;border-left:4px solid #b1b4b6;padding-left:15px;margin:10px 0}
.quoted{white-space:pre-wrap;overflow-wrap:anywhere;color:#505a5f;border-left:4px solid #f3f2f1;padding-left:15px}
.filters{background:#f3f2f1;padding:15px;margin-bottom:20px;display:flex;flex-wrap:wrap;gap:15px;align-items:flex-end}
.filters .group{margin:0;max-width:100%}
.filters select{width:auto;max-width:100%}
.notice{border:5px solid #00703c;padding:15px;margin-bottom:30px}
.problem{border:5px solid #d4351c;padding:15px;margin-bottom:30px}
.action{border-top:2px solid #1d70b8;padding-top:10px;margin-bottom:30px}
input[type=number]{font:inherit;border:2px solid #0b0c0c;padding:5px}
.date-input{display:flex;flex-wrap:wrap;gap:10px 20px}
.date-input .item{display:flex;flex-direction:column}
.date-input label{font-weight:normal}
.date-input input{width:3.5em}
.date-input .year input{width:5em}
.width-5{max-width:6em}
.inset{border-left:10px solid #b1b4b6;padding:15px;margin:20px 0;overflow-wrap:anywhere}
.warning-text{position:relative;padding:10px 0 10px 50px;margin-bottom:20px}
.warning-text .icon{position:absolute;left:0;top:5px;width:35px;height:35px;border-radius:50%;background:#0b0c0c;color:#fff;font-weight:bold;font-size:28px;line-height:35px;text-align:center}
.heading-s{font-size:19px}
ol.timeline{list-style:none;padding:0;margin:0 0 30px}
ol.timeline .item{border-left:5px solid #b1b4b6;padding:0 0 5px 15px;margin-bottom:20px}
ol.timeline .item-in{border-left-color:#1d70b8}
ol.timeline .item-out{border-left-color:#00703c}
ol.timeline .item-note{border-left-color:#ffdd00;background:#fffbe6}
ol.timeline h3{margin:0 0 5px}
ol.timeline .meta{color:#505a5f;margin:0 0 10px;overflow-wrap:anywhere}
details summary{color:#1d70b8;cursor:pointer;text-decoration:underline;overflow-wrap:anywhere}
.case-layout{display:grid;grid-template-columns:minmax(0,1fr);gap:0 30px;grid-template-areas:"summary" "panel" "record"}
.case-summary{grid-area:summary;min-width:0}
.case-panel{grid-area:panel;min-width:0}
.case-record{grid-area:record;min-width:0}
@media (min-width:900px){.case-layout{grid-template-columns:minmax(0,2fr) minmax(0,1fr);grid-template-areas:"summary panel" "record panel"}
.case-panel{align-self:start}}
.side{border-top:5px solid #1d70b8;background:#f3f2f1;padding:15px;margin-bottom:30px}
.side h2{margin-top:0;font-size:24px}
.side ul{list-style:none;padding:0;margin:0}
.side li{margin-bottom:10px}
.button{display:inline-block;font:inherit;background:#00703c;color:#fff;text-decoration:none;padding:8px 12px;box-shadow:0 2px 0 #002d18}
.button:visited,.button:hover{color:#fff}
.button.secondary{background:#f3f2f1;color:#0b0c0c;box-shadow:0 2px 0 #929191;border:1px solid #b1b4b6}
.side .button{display:block;text-align:center}
.paging a{margin-right:20px}
tr.overdue td:first-child{border-left:5px solid #d4351c;padding-left:8px}
button.warning{background:#d4351c;box-shadow:0 2px 0 #55150b}
@media (max-width:640px){h1{font-size:27px}dl.summary-list{grid-template-columns:1fr}dl.summary-list dd{margin-bottom:10px}
table.queue thead{position:absolute;left:-10000px}
table.queue,table.queue tbody,table.queue tr,table.queue td{display:block;width:100%}
table.queue tr{border-bottom:2px solid #b1b4b6;padding:10px 0}
table.queue td{border:0;padding:2px 0}
table.queue td[data-label]::before{content:attr(data-label) ": ";font-weight:bold}}
</style>`

const consoleBase = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
{{with .ImportJob}}{{if .Refresh}}<meta http-equiv="refresh" content="5">{{end}}{{end}}
<title>{{if or .Errors .FieldErrs}}Error: {{end}}{{.Title}} – Feedback console – {{.Council}}</title>` + style + consoleStyle + `</head>
<body><a href="#main" class="skip">Skip to main content</a>
<header><span>{{.Council}} feedback console</span>
{{if .Staff}}<span class="who">Signed in as {{.Staff.Email}}
<form method="post" action="/officer/sign-out"><input type="hidden" name="csrf" value="{{.SignOut}}"><button type="submit">Sign out</button></form></span>{{end}}
</header>
{{if .Nav}}<nav class="service" aria-label="Service navigation"><ul>
{{range .Nav}}<li{{if .Current}} class="current"{{end}}><a href="{{.Href}}"{{if .Current}} aria-current="page"{{end}}>{{.Label}}</a></li>{{end}}
` + searchBox + `</ul></nav>{{end}}
<main id="main" class="wide" tabindex="-1">
{{template "body" .}}
</main></body></html>`

// consoleFuncs are the labels the console's templates use.
var consoleFuncs = template.FuncMap{
	"outcome":          func(o feedback.Outcome) string { return capitalise(o.Label()) },
	"field":            field,
	"withOptions":      withOptions,
	"sentByOptions":    func() []option { return sentByOptions },
	"ombudsmanOptions": func() []option { return ombudsmanOptions },
	"decisionOptions":  func() []option { return decisionOptions },
}

func consolePage(name, body string) lazyTemplate {
	return parseLater(func() *template.Template {
		t := template.Must(template.New(name).Funcs(consoleFuncs).Parse(consoleBase))
		t = template.Must(t.Parse(actionFields))
		t = template.Must(t.Parse(replyFormBody))
		return template.Must(t.Parse(`{{define "body"}}` + body + `{{end}}`))
	})
}

// queueFilterFields are the filters the work queue and the search share.
const queueFilterFields = `<div class="group"><label for="f-area">Service area</label>
<select id="f-area" name="service_area"><option value="">All</option>{{range .Areas}}<option value="{{.Value}}"{{if eq $.Query.ServiceArea .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group"><label for="f-kind">Kind</label>
<select id="f-kind" name="kind"><option value="">All</option>{{range .Kinds}}<option value="{{.Value}}"{{if eq (print $.Query.Kind) .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group"><label for="f-stage">Stage</label>
<select id="f-stage" name="stage"><option value="">All</option>{{range .StageOptions}}<option value="{{.Value}}"{{if eq (print $.Query.Stage) .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group"><label for="f-channel">Channel</label>
<select id="f-channel" name="channel"><option value="">All</option>{{range .ChannelOptions}}<option value="{{.Value}}"{{if eq (print $.Query.Channel) .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
`

// queueTable lists cases as the work queue does: one row each, one card each on a phone.
const queueTable = `<table class="queue" aria-describedby="count">
<thead><tr><th scope="col">Reference</th><th scope="col">Resident and subject</th><th scope="col">Kind</th><th scope="col">Service area</th><th scope="col">Stage</th><th scope="col">Assigned to</th><th scope="col">Received</th><th scope="col">Due</th></tr></thead>
<tbody>{{range .Rows}}<tr{{if eq .Tag "Overdue"}} class="overdue"{{end}}>
<td class="nowrap"><a href="/officer/cases/{{.Ref}}">{{.Ref}}</a></td>
<td data-label="From">{{.Resident}}<br><span class="hint">{{.Subject}}</span></td>
<td data-label="Kind">{{.Kind}}</td><td data-label="Service area">{{.Area}}</td><td data-label="Stage">{{.Stage}}</td>
<td data-label="Assigned to">{{.AssignedTo}}</td><td data-label="Received" class="nowrap">{{.Received}}</td>
<td data-label="Due"><span class="nowrap">{{.Due}}</span>{{if .Left}}<br>{{.Left}}{{end}}{{if .Tag}}<br><strong class="tag {{.TagClass}}">{{.Tag}}</strong>{{end}}</td></tr>{{end}}</tbody>
</table>`

// errorSummary lists a console form's errors at the top of its page, each linking to its field.
const errorSummary = `{{if .Errors}}<div class="summary" role="alert" aria-labelledby="summary-title" tabindex="-1" id="error-summary">
<h2 id="summary-title">There is a problem</h2>
<ul>{{range .Errors}}<li><a href="#{{.Field}}">{{.Message}}</a></li>{{end}}</ul>
</div>{{end}}
`

var signInPage = consolePage("sign-in", `
`+errorSummary+`{{if .SignedOut}}<div class="notice" role="status"><p>You have signed out.</p></div>{{end}}
{{if .Expired}}<div class="notice" role="status"><p>Your session has ended. Sign in again.</p></div>{{end}}
<h1>Sign in to the feedback console</h1>
<p>Enter your council email address. If you may use the console, we will email you a link to sign in. The link works once, for 15 minutes.</p>
<form method="post" action="/officer/sign-in" novalidate>
<input type="hidden" name="csrf" value="{{.CSRF}}">
<div class="group{{if .Errors}} error{{end}}">
<label for="email">Council email address</label>
{{range .Errors}}<span class="msg" id="email-error">{{.Message}}</span>{{end}}
<input type="email" id="email" name="email" autocomplete="email" spellcheck="false"{{if .Errors}} aria-describedby="email-error"{{end}} value="{{index .Values "email"}}">
</div>
<button type="submit">Email me a sign-in link</button>
</form>`)

var sentPage = consolePage("sent", `
<h1>Check your email</h1>
<p>If that address may use the console, we have sent it a link to sign in. The link works once, for 15 minutes.</p>
<p>If nothing arrives within a few minutes, check the address and <a href="/officer/sign-in">ask for another link</a>.</p>`)

var confirmPage = consolePage("confirm", `
<h1>Sign in to the feedback console</h1>
<p>You opened a sign-in link. Press the button to sign in on this device.</p>
<form method="post" action="/officer/sign-in/{{.Token}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button type="submit" id="confirm">Sign in</button>
</form>`)

var linkUsedPage = consolePage("link-used", `
<h1>That link cannot be used</h1>
<p>{{.Message}}</p>
<p><a href="/officer/sign-in">Ask for a new sign-in link</a></p>`)

var notFoundPage = consolePage("not-found", `
<h1>Page not found</h1>
<p>There is no such page, or no case with that reference that you can see.</p>
<p><a href="/officer">Go to my cases</a></p>`)

var forbiddenPage = consolePage("forbidden", `
<h1>You cannot do that</h1>
<p>{{.Message}}</p>
<p><a href="/officer">Go to my cases</a></p>`)

var problemPage = consolePage("problem", `
<h1>Sorry, there is a problem</h1>
<p>{{.Message}}</p>
<p><a href="/officer">Go to my cases</a></p>`)

var casesPage = consolePage("cases", `
<h1>My cases</h1>
{{with .Staff}}{{if eq .Role "admin"}}<p><a href="/officer/import">Import past cases</a></p>{{end}}{{end}}
<h2 class="visually-hidden" id="counts-title">What needs doing</h2>
<ul class="counts" aria-labelledby="counts-title">{{range .Counts}}<li><a href="{{.Href}}"{{if .Warn}} class="warn"{{end}}><span class="n">{{.N}}</span> {{.Label}}</a></li>{{end}}</ul>
<ul class="quick" aria-label="Whose cases">{{range .Filters}}<li><a href="{{.Href}}"{{if .Current}} aria-current="page"{{end}}>{{.Label}}</a></li>{{end}}</ul>
<form method="get" action="/officer" class="filters" aria-label="Filter and sort cases" novalidate>
{{with .Query.Assigned}}<input type="hidden" name="assigned" value="{{.}}">{{end}}
`+queueFilterFields+`<div class="group"><label for="f-due">Due</label>
<select id="f-due" name="due"><option value="">Any time</option><option value="overdue"{{if eq .Query.Due "overdue"}} selected{{end}}>Overdue</option><option value="today"{{if eq .Query.Due "today"}} selected{{end}}>Due today</option><option value="soon"{{if eq .Query.Due "soon"}} selected{{end}}>In the next 5 working days</option></select></div>
<div class="group"><label for="f-sort">Sort by</label>
<select id="f-sort" name="sort"><option value="">Due date, soonest first</option><option value="received"{{if eq .Query.Sort "received"}} selected{{end}}>Date received, oldest first</option></select></div>
<div class="group radio"><input type="checkbox" id="f-unack" name="unacknowledged" value="true"{{if .Query.Unacknowledged}} checked{{end}}><label for="f-unack">Awaiting acknowledgement only</label></div>
<button type="submit">Apply</button>
</form>
<p id="count">{{.Total}} open case{{if ne .Total 1}}s{{end}}, {{if eq .Query.Sort "received"}}oldest received first{{else}}soonest due first{{end}}.</p>
{{if .Rows}}`+queueTable+`{{else}}<p>No open cases match.</p>{{end}}
{{if or .Prev .Next}}<nav class="paging" aria-label="Pages of cases"><p>Page {{.PageNo}} of {{.Pages}}</p>
{{if .Prev}}<a href="{{.Prev}}" rel="prev">Previous page</a>{{end}}{{if .Next}}<a href="{{.Next}}" rel="next">Next page</a>{{end}}</nav>{{end}}`)

var casePage = consolePage("case", `
<p><a href="/officer">Back to my cases</a></p>
{{if .Done}}<div class="notice" role="status"><p>{{.Done}}</p></div>{{end}}
{{if .Message}}<div class="problem" role="alert" id="error-summary" tabindex="-1"><h2>There is a problem</h2><p>{{.Message}}</p></div>{{end}}
<h1><span class="caption">{{.Kind}}{{if .Stage}}, {{.Stage}}{{end}}</span><span class="nowrap">{{.Case.Ref}}</span>{{if .DueTag}} <strong class="tag {{if .Overdue}}tag-red{{else}}tag-orange{{end}}">{{.DueTag}}</strong>{{end}}</h1>
{{if .Markers}}<div class="problem" role="note" aria-labelledby="safety-heading"><h2 id="safety-heading">Staff safety</h2>
<ul>{{range .Markers}}<li>{{.What}}: {{.Detail}} (decided by {{.Who}} on {{.When}}; {{.Reason}})</li>{{end}}</ul></div>{{end}}
<div class="case-layout">
<div class="case-summary">
<dl class="summary-list">
<dt>From</dt><dd>{{or .Case.Contact.Name "Name not given"}}<br>{{or .Case.Contact.Email "No email address"}}<br>{{or .Case.Contact.Phone "No telephone number"}}</dd>
<dt>Status</dt><dd>{{if eq (print .Case.Status) "open"}}<strong class="tag">Open</strong>{{else}}<strong class="tag tag-grey">Closed</strong>{{end}}</dd>
<dt>Service area</dt><dd>{{.Area}}</dd>
<dt>Assigned to</dt><dd>{{.Case.AssignedTo}}</dd>
<dt>Channel</dt><dd>{{.Case.Channel.Label}}</dd>
<dt>Received</dt><dd>{{.Received}}</dd>
<dt>Acknowledged</dt><dd>{{.Acknowledged}}</dd>
<dt>Response due</dt><dd>{{if .Due}}{{.Due}} ({{.DaysLeft}}){{else}}No response date{{end}}</dd>
{{range .Case.Stages}}{{if not .Response.At.IsZero}}<dt>{{.Stage.Label}}</dt><dd>{{outcome .Response.Outcome}}, responded {{.Response.At.Format "2 January 2006"}}</dd>{{end}}{{end}}
{{with .Case.Ombudsman}}{{if .Which}}<dt>Ombudsman</dt><dd>Referred to {{.Which.Label}} on {{.ReferredOn.Format "2 January 2006"}}{{if .Decision}}; decision: {{.Decision.Label}} ({{.DecidedOn.Format "2 January 2006"}}){{end}}</dd>{{end}}{{end}}
<dt>Retention</dt><dd>{{if .Case.Hold}}Under legal hold since {{.Case.Hold.At.Format "2 January 2006"}} ({{.Case.Hold.Reason}}){{else if not .Case.ExpiresAt.IsZero}}Destroyed on {{.Case.ExpiresAt.Format "2 January 2006"}}{{else}}Kept while open{{end}}</dd>
{{with .Case.Social}}<dt>Social post</dt><dd>{{.Platform.Label}}, {{if .Public}}in public{{else}}a private message{{end}}, by @{{.Handle}}{{if .ProfileURL}} (<a href="{{.ProfileURL}}" rel="noopener noreferrer">profile</a>){{end}}<br>
{{if .URL}}<a href="{{.URL}}" rel="noopener noreferrer">Open the post</a>{{else}}Post id {{.PostID}}{{end}}<br>Forwarded by {{.ForwardedBy}}
{{range .Links}}<br><a href="{{.}}" rel="noopener noreferrer">Attachment: {{.}}</a>{{end}}</dd>{{end}}
</dl>
</div>
<aside class="case-panel" aria-labelledby="panel-title">
<div class="side"><h2 id="panel-title">Actions</h2>
{{if .Panel}}<ul>{{range .Panel}}<li><a href="/officer/cases/{{$.Case.Ref}}/{{.Name}}" class="button{{if not .Primary}} secondary{{end}}">{{.Label}}</a></li>{{end}}</ul>
{{else}}<p>There is nothing you can do to this case now.</p>{{end}}
`+replyPanelPart+`
</div>
{{if .Case.AwaitsPublicReply}}<section class="side" aria-labelledby="public-reply-title"><h2 id="public-reply-title">Public reply awaited</h2>
<p>The author gave no email address, so they are acknowledged by this public reply on {{.Case.Social.Platform.Label}}:</p>
<div class="text">{{.Case.Social.SuggestedReply}}</div>
<form method="post" action="/officer/social/{{.Case.Ref}}/acknowledged"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="back" value="case">
<button type="submit">I have posted the public reply</button></form></section>{{end}}
</aside>
<div class="case-record">
<h2>Flags</h2>
{{if .Flags}}<ul>{{range .Flags}}<li>{{.When}}: {{.Detail}}{{if .Reason}}. {{.Reason}}{{end}}</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}
`+timelineSection+`
</div>
</div>`)
