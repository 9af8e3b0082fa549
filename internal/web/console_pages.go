package web

import "html/template"

// The console's pages. Everything a resident wrote reaches them through html/template, which
// escapes it; no page needs JavaScript.

const consoleStyle = `<style>
main.wide{max-width:960px}
header .who{float:right;font-weight:normal}
header form{display:inline;margin-left:10px}
header button{background:#fff;color:#0b0c0c;box-shadow:none;padding:2px 8px;font-size:16px}
a{color:#1d70b8}
table{border-collapse:collapse;width:100%;margin-bottom:20px}
th,td{text-align:left;padding:8px 10px 8px 0;border-bottom:1px solid #b1b4b6;vertical-align:top}
.tag{display:inline-block;background:#d4351c;color:#fff;font-weight:bold;padding:2px 6px;font-size:16px}
tr.overdue td:first-child{border-left:5px solid #d4351c;padding-left:8px}
dl.summary-list{display:grid;grid-template-columns:14em 1fr;gap:8px 15px;margin:0 0 30px}
dl.summary-list dt{font-weight:bold}
dl.summary-list dd{margin:0}
.text{white-space:pre-wrap;border-left:4px solid #b1b4b6;padding-left:15px;margin:10px 0}
.quoted{white-space:pre-wrap;color:#505a5f;border-left:4px solid #f3f2f1;padding-left:15px}
.filters{background:#f3f2f1;padding:15px;margin-bottom:20px;display:flex;flex-wrap:wrap;gap:15px;align-items:flex-end}
.filters .group{margin:0}
.filters select{width:auto}
.notice{border:5px solid #00703c;padding:15px;margin-bottom:30px}
.problem{border:5px solid #d4351c;padding:15px;margin-bottom:30px}
.action{border-top:2px solid #1d70b8;padding-top:10px;margin-bottom:30px}
input[type=number],input[type=date]{font:inherit;border:2px solid #0b0c0c;padding:5px}
.paging a{margin-right:20px}
</style>`

const consoleBase = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{if .Errors}}Error: {{end}}{{.Title}} – Feedback console – {{.Council}}</title>` + style + consoleStyle + `</head>
<body><header>{{.Council}} feedback console
{{if .Staff}}<span class="who">Signed in as {{.Staff.Email}}
<form method="post" action="/officer/sign-out"><input type="hidden" name="csrf" value="{{.SignOut}}"><button type="submit">Sign out</button></form></span>{{end}}
</header>
<main id="main" class="wide">
{{template "body" .}}
</main></body></html>`

func consolePage(name, body string) lazyTemplate {
	return parseLater(func() *template.Template {
		t := template.Must(template.New(name).Parse(consoleBase))
		return template.Must(t.Parse(`{{define "body"}}` + body + `{{end}}`))
	})
}

// errorSummary lists a console form's errors at the top of its page, each linking to its field.
const errorSummary = `{{if .Errors}}<div class="summary" role="alert" aria-labelledby="summary-title" tabindex="-1" id="error-summary">
<h2 id="summary-title">There is a problem</h2>
<ul>{{range .Errors}}<li><a href="#{{.Field}}">{{.Message}}</a></li>{{end}}</ul>
</div>{{end}}
`

var signInPage = consolePage("sign-in", `
`+errorSummary+`{{if .SignedOut}}<div class="notice" role="status"><p>You have signed out.</p></div>{{end}}
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
{{with .Staff}}{{if or (eq .Role "admin") (eq .Role "manager")}}<nav aria-label="Reports"><p><a href="/officer/reports/annual">Annual complaints report</a>{{if eq .Role "admin"}} <a href="/officer/import">Import past cases</a> <a href="/officer/restrictions">Restrictions register</a> <a href="/officer/markers">Staff-safety list</a>{{end}}</p></nav>{{end}}{{end}}
<h1>My cases</h1>
{{if .Forward}}<p><a href="/officer/social/new">Forward a social-media post</a></p>{{end}}
<form method="get" action="/officer" class="filters" aria-label="Filter cases">
<div class="group"><label for="f-area">Service area</label>
<select id="f-area" name="service_area"><option value="">All</option>{{range .Areas}}<option value="{{.Value}}"{{if eq $.Query.ServiceArea .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group"><label for="f-kind">Kind</label>
<select id="f-kind" name="kind"><option value="">All</option>{{range .Kinds}}<option value="{{.Value}}"{{if eq (print $.Query.Kind) .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group"><label for="f-stage">Stage</label>
<select id="f-stage" name="stage"><option value="">All</option>{{range .StageOptions}}<option value="{{.Value}}"{{if eq (print $.Query.Stage) .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group"><label for="f-channel">Channel</label>
<select id="f-channel" name="channel"><option value="">All</option>{{range .ChannelOptions}}<option value="{{.Value}}"{{if eq (print $.Query.Channel) .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<div class="group radio"><input type="checkbox" id="f-overdue" name="overdue" value="true"{{if .Query.Overdue}} checked{{end}}><label for="f-overdue">Overdue only</label></div>
<button type="submit">Apply filters</button>
</form>
<p id="count">{{.Total}} open case{{if ne .Total 1}}s{{end}}, soonest due first.</p>
{{if .Rows}}<table aria-describedby="count">
<thead><tr><th scope="col">Reference</th><th scope="col">Kind</th><th scope="col">Service area</th><th scope="col">Stage</th><th scope="col">Assigned to</th><th scope="col">Due</th></tr></thead>
<tbody>{{range .Rows}}<tr{{if .Overdue}} class="overdue"{{end}}>
<td><a href="/officer/cases/{{.Ref}}">{{.Ref}}</a></td><td>{{.Kind}}</td><td>{{.Area}}</td><td>{{.Stage}}</td><td>{{.AssignedTo}}</td>
<td>{{.Due}}{{if .Overdue}} <strong class="tag">Overdue</strong>{{end}}</td></tr>{{end}}</tbody>
</table>{{else}}<p>No open cases match.</p>{{end}}
{{if or .Prev .Next}}<nav class="paging" aria-label="Pages of cases"><p>Page {{.PageNo}} of {{.Pages}}</p>
{{if .Prev}}<a href="{{.Prev}}" rel="prev">Previous page</a>{{end}}{{if .Next}}<a href="{{.Next}}" rel="next">Next page</a>{{end}}</nav>{{end}}`)

var casePage = consolePage("case", `
<p><a href="/officer">Back to my cases</a></p>
{{if .Done}}<div class="notice" role="status"><p>{{.Done}}</p></div>{{end}}
{{if .Message}}<div class="problem" role="alert" id="error-summary" tabindex="-1"><h2>There is a problem</h2><p>{{.Message}}</p>
{{if .Errors}}<ul>{{range .Errors}}<li>{{.Message}}</li>{{end}}</ul>{{end}}</div>{{end}}
<h1>{{.Case.Ref}}{{if .Overdue}} <strong class="tag">Overdue</strong>{{end}}</h1>
{{if .Markers}}<div class="problem" role="note" aria-labelledby="safety-heading"><h2 id="safety-heading">Staff safety</h2>
<ul>{{range .Markers}}<li>{{.What}}: {{.Detail}} (decided by {{.Who}} on {{.When}}; {{.Reason}})</li>{{end}}</ul></div>{{end}}
<dl class="summary-list">
<dt>Kind</dt><dd>{{.Kind}}</dd>
<dt>Channel</dt><dd>{{.Case.Channel}}</dd>
<dt>Status</dt><dd>{{.Case.Status}}</dd>
<dt>Stage</dt><dd>{{.Stage}}</dd>
<dt>Service area</dt><dd>{{.Area}}</dd>
<dt>Assigned to</dt><dd>{{.Case.AssignedTo}}</dd>
<dt>Received</dt><dd>{{.Received}}</dd>
<dt>Acknowledged</dt><dd>{{.Acknowledged}}</dd>
<dt>Response due</dt><dd>{{if .Due}}{{.Due}} ({{.DaysLeft}}){{else}}No response date{{end}}</dd>
<dt>Retention</dt><dd>{{if .Case.Hold}}Under legal hold since {{.Case.Hold.At.Format "2 January 2006"}} ({{.Case.Hold.Reason}}){{else if not .Case.ExpiresAt.IsZero}}Destroyed on {{.Case.ExpiresAt.Format "2 January 2006"}}{{else}}Kept while open{{end}}</dd>
<dt>From</dt><dd>{{or .Case.Contact.Name "Name not given"}}<br>{{or .Case.Contact.Email "No email address"}}<br>{{or .Case.Contact.Phone "No telephone number"}}</dd>
{{with .Case.Social}}<dt>Social post</dt><dd>{{.Platform.Label}}, {{if .Public}}in public{{else}}a private message{{end}}, by @{{.Handle}}{{if .ProfileURL}} (<a href="{{.ProfileURL}}" rel="noopener noreferrer">profile</a>){{end}}<br>
{{if .URL}}<a href="{{.URL}}" rel="noopener noreferrer">Open the post</a>{{else}}Post id {{.PostID}}{{end}}<br>Forwarded by {{.ForwardedBy}}
{{range .Links}}<br><a href="{{.}}" rel="noopener noreferrer">Attachment: {{.}}</a>{{end}}</dd>{{end}}
</dl>
{{if .Case.AwaitsPublicReply}}<section class="action" aria-labelledby="public-reply-title"><h2 id="public-reply-title">Public reply awaited</h2>
<p>The author gave no email address, so they are acknowledged by this public reply on {{.Case.Social.Platform.Label}}:</p>
<div class="text">{{.Case.Social.SuggestedReply}}</div>
<form method="post" action="/officer/social/{{.Case.Ref}}/acknowledged"><input type="hidden" name="csrf" value="{{.CSRF}}"><input type="hidden" name="back" value="case">
<button type="submit">I have posted the public reply</button></form></section>{{end}}

<h2>Messages</h2>
{{range .Messages}}<section class="message" aria-label="Message of {{.When}}">
<h3>{{.When}}, by {{.What}}{{if .Who}} from {{.Who}}{{end}}</h3>
{{if .Subject}}<p>Subject: {{.Subject}}</p>{{end}}
<div class="text">{{.Text}}</div>
{{if .Quoted}}<details><summary>Quoted text</summary><div class="quoted">{{.Quoted}}</div></details>{{end}}
{{if .Attachments}}<p>Attachments (downloaded, never opened here): {{range $i, $a := .Attachments}}{{if $i}}, {{end}}<a href="{{$a.URL}}" download>{{$a.Name}}</a>{{end}}</p>{{end}}
</section>{{end}}

<h2>Flags</h2>
{{if .Flags}}<ul>{{range .Flags}}<li>{{.When}}: {{.Detail}} ({{.What}}){{if .Reason}}. {{.Reason}}{{end}}</li>{{end}}</ul>{{else}}<p>None.</p>{{end}}

<h2>Letters sent</h2>
{{if .Letters}}<table><thead><tr><th scope="col">When</th><th scope="col">Letter</th><th scope="col">Outcome</th></tr></thead>
<tbody>{{range .Letters}}<tr><td>{{.When}}</td><td>{{.What}}</td><td>{{.Detail}}</td></tr>{{end}}</tbody></table>{{else}}<p>None yet.</p>{{end}}

<h2>History</h2>
{{if .History}}<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Why</th></tr></thead>
<tbody>{{range .History}}<tr><td>{{.When}}</td><td>{{.Who}}</td><td>{{.What}}{{if .Detail}}: {{.Detail}}{{end}}</td><td>{{.Reason}}</td></tr>{{end}}</tbody></table>{{else}}<p>No changes yet.</p>{{end}}

{{if .Actions}}<h2>Actions</h2>
{{$ref := .Case.Ref}}{{$csrf := .CSRF}}
<form method="post" action="/officer/cases/{{$ref}}/note" class="action"><input type="hidden" name="csrf" value="{{$csrf}}">
<h3>Add a note</h3><div class="group"><label for="note-text">Note</label><textarea id="note-text" name="text" rows="3"></textarea></div>
<button type="submit">Add note</button></form>

<form method="post" action="/officer/cases/{{$ref}}/assign" class="action"><input type="hidden" name="csrf" value="{{$csrf}}">
<h3>Assign</h3><div class="group"><label for="assign-to">Assign to (email address)</label><input type="email" id="assign-to" name="to" spellcheck="false"></div>
<button type="submit">Assign</button></form>

<form method="post" action="/officer/cases/{{$ref}}/reclassify" class="action"><input type="hidden" name="csrf" value="{{$csrf}}">
<h3>Reclassify</h3><div class="group"><label for="reclassify-kind">Kind</label>
<select id="reclassify-kind" name="kind">{{range .Kinds}}<option value="{{.Value}}"{{if eq (print $.Case.Kind) .Value}} selected{{end}}>{{.Label}}</option>{{end}}</select></div>
<button type="submit">Reclassify</button></form>

<form method="post" action="/officer/cases/{{$ref}}/extend" class="action"><input type="hidden" name="csrf" value="{{$csrf}}">
<h3>Extend this stage</h3><p class="hint">Once per stage: at most 10 working days at Stage 1, 20 at Stage 2. The resident is told the new date.</p>
<div class="group"><label for="extend-days">Working days</label><input type="number" id="extend-days" name="working_days" min="1" max="20"></div>
<div class="group"><label for="extend-reason">Reason</label><textarea id="extend-reason" name="reason" rows="3"></textarea></div>
<button type="submit">Extend</button></form>

<form method="post" action="/officer/cases/{{$ref}}/respond" class="action"><input type="hidden" name="csrf" value="{{$csrf}}">
<h3>Record the response</h3>
<div class="group"><fieldset><legend>Outcome</legend>{{range .Outcomes}}<div class="radio"><input type="radio" id="respond-{{.Value}}" name="outcome" value="{{.Value}}"><label for="respond-{{.Value}}">{{.Label}}</label></div>{{end}}</fieldset></div>
<div class="group"><label for="respond-summary">Summary</label><textarea id="respond-summary" name="summary" rows="4"></textarea></div>
<div class="group"><label for="respond-lessons">Lessons learned</label><textarea id="respond-lessons" name="lessons" rows="3"></textarea></div>
<div class="group"><label for="respond-compensation">Compensation paid, in pounds (optional)</label><input type="text" id="respond-compensation" name="compensation" inputmode="decimal"></div>
<div class="group"><fieldset><legend>Response sent by</legend>
<div class="radio"><input type="radio" id="respond-email" name="sent_by" value="email"><label for="respond-email">Email, by Intake</label></div>
<div class="radio"><input type="radio" id="respond-post" name="sent_by" value="post"><label for="respond-post">Post, by me</label></div></fieldset></div>
<button type="submit">Record response</button></form>

<form method="post" action="/officer/cases/{{$ref}}/escalate" class="action"><input type="hidden" name="csrf" value="{{$csrf}}">
<h3>Escalate to Stage 2</h3>
<div class="group"><label for="escalate-reviewer">Reviewer (email address; not the Stage 1 handler)</label><input type="email" id="escalate-reviewer" name="reviewer" spellcheck="false"></div>
<div class="group"><label for="escalate-reason">Reason</label><textarea id="escalate-reason" name="reason" rows="3"></textarea></div>
<button type="submit">Escalate</button></form>

<form method="post" action="/officer/cases/{{$ref}}/ombudsman" class="action"><input type="hidden" name="csrf" value="{{$csrf}}">
<h3>Ombudsman</h3>
<div class="group"><label for="ombudsman-which">Ombudsman</label><select id="ombudsman-which" name="ombudsman"><option value="">Choose</option><option value="lgsco">Local Government and Social Care Ombudsman</option><option value="housing">Housing Ombudsman</option></select></div>
<div class="group"><label for="ombudsman-referred">Referred on</label><input type="date" id="ombudsman-referred" name="referred_on"></div>
<div class="group"><label for="ombudsman-decision">Decision (when it comes)</label><select id="ombudsman-decision" name="decision"><option value="">No decision yet</option><option value="upheld">Upheld</option><option value="not_upheld">Not upheld</option><option value="not_investigated">Not investigated</option><option value="settled">Settled</option></select></div>
<div class="group"><label for="ombudsman-decided">Decided on</label><input type="date" id="ombudsman-decided" name="decided_on"></div>
<div class="group"><label for="ombudsman-remedy">Remedy</label><textarea id="ombudsman-remedy" name="remedy" rows="2"></textarea></div>
<button type="submit">Record</button></form>

<form method="post" action="/officer/cases/{{$ref}}/close" class="action"><input type="hidden" name="csrf" value="{{$csrf}}">
<h3>Close</h3><div class="group"><label for="close-note">Closing note</label><textarea id="close-note" name="note" rows="2"></textarea></div>
<button type="submit">Close the case</button></form>
{{end}}
{{if .HoldForm}}{{$ref := .Case.Ref}}{{$csrf := .CSRF}}{{$held := .Case.Hold}}<h2>Legal hold</h2>
<form method="post" action="/officer/cases/{{$ref}}/{{if $held}}release{{else}}hold{{end}}" class="action"><input type="hidden" name="csrf" value="{{$csrf}}">
<p class="hint">{{if $held}}Releasing the hold starts the retention period again from the closure: a case past it is destroyed at once.{{else}}A case under legal hold is never destroyed, whatever its retention period, until the hold is released.{{end}}</p>
<div class="group"><label for="hold-reason">Reason</label><textarea id="hold-reason" name="reason" rows="2"></textarea></div>
<button type="submit">{{if $held}}Release the legal hold{{else}}Place a legal hold{{end}}</button></form>{{end}}`)
