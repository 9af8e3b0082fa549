package web

import (
	"net/http"
	"net/url"

	"github.com/council/intake/internal/feedback"
)

// Search: the box on every console page, and the page of what it finds (feedback.Service.Search,
// the API's GET /v1/cases?q=), combinable with the work queue's filters and listed as its rows
// are, open and closed cases alike, only those the officer may see.

// searchView is what the search page shows besides the rows.
type searchView struct {
	Q string
	// Status is "open", "closed" or "" (both).
	Status string
	// Filtered says a filter narrowed the search, so the page offers to clear them.
	Filtered bool
	// Clear is the same search without its filters.
	Clear string
}

// searchPath is the search page's address: what is searched for, with the filters.
func searchPath(q string, filters CaseQuery, status, cursor string) string {
	v := url.Values{"q": {q}}
	for k, s := range map[string]string{"service_area": filters.ServiceArea, "kind": string(filters.Kind), "stage": string(filters.Stage),
		"channel": string(filters.Channel), "status": status, "cursor": cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return "/officer/search?" + v.Encode()
}

func (c *Console) search(w http.ResponseWriter, r *http.Request) {
	who := sessionOf(r).Staff
	if !canWorkCases(who) {
		c.notFound(w, r, nil)
		return
	}
	v := r.URL.Query()
	filters := parseQuery(v)
	status := v.Get("status")
	if status != string(feedback.StatusOpen) && status != string(feedback.StatusClosed) {
		status = ""
	}
	sv := &searchView{Q: v.Get("q"), Status: status,
		Filtered: filters.ServiceArea != "" || filters.Kind != "" || filters.Stage != "" || filters.Channel != "" || status != ""}
	sv.Clear = searchPath(sv.Q, CaseQuery{}, "", "")
	d := c.view(r, "Search cases")
	if sv.Q != "" {
		d.Title = "Search results for " + sv.Q
	}
	d.SearchPage, d.Query = sv, filters
	for _, a := range c.Service.Routing.AreaNames() {
		d.Areas = append(d.Areas, option{Value: a, Label: feedback.AreaLabel(a)})
	}
	if sv.Q == "" {
		c.render(w, http.StatusOK, searchPage, d)
		return
	}
	page, err := c.Service.Search(r.Context(), who, sv.Q, feedback.CaseQuery{Status: feedback.Status(status), ServiceArea: filters.ServiceArea,
		Kind: filters.Kind, Stage: filters.Stage, Channel: filters.Channel, Cursor: v.Get("cursor"), Limit: PageSize})
	if feedback.ErrorCode(err) == feedback.EINVALID {
		c.fieldErrors(&d, err)
		for i, fe := range d.Errors {
			if fe.Field == "q" { // the search box's mistake, linked to the box
				d.Errors[i].Field = "search"
			}
		}
		c.render(w, http.StatusUnprocessableEntity, searchPage, d)
		return
	}
	if err != nil {
		c.fail(w, r, err)
		return
	}
	for _, k := range page.Cases {
		left, dated := c.Service.WorkingDaysLeft(k)
		row := c.queueRow(queued{Case: k, left: left, dated: dated && k.Status == feedback.StatusOpen})
		if k.Status != feedback.StatusOpen {
			row.Due, row.Tag, row.TagClass = "Closed "+shortDate(k.ClosedAt.In(c.Service.Calendar.Location())), "Closed", "tag-grey"
		}
		d.Rows = append(d.Rows, row)
	}
	d.Total = len(d.Rows)
	if page.Next != "" {
		d.Next = searchPath(sv.Q, filters, status, page.Next)
	}
	c.render(w, http.StatusOK, searchPage, d)
}

// searchBox is the search form in the service navigation of every page of someone who works
// cases.
const searchBox = `{{if .SearchBox}}<li class="search"><form method="get" action="/officer/search" role="search" aria-label="Cases" novalidate>
<label for="search">Search cases</label>
<input type="search" id="search" name="q" value="{{with .SearchPage}}{{.Q}}{{end}}" spellcheck="false" autocomplete="off"{{if .FieldErrs.search}} aria-describedby="search-error" aria-invalid="true"{{end}}>
<button type="submit">Search</button></form></li>{{end}}`

var searchPage = consolePage("search", errorSummary+`{{$s := .SearchPage}}
<h1>{{if $s.Q}}Search results<span class="caption">for “{{$s.Q}}”</span>{{else}}Search cases{{end}}</h1>
{{with .FieldErrs.search}}<p class="msg" id="search-error"><span class="visually-hidden">Error:</span> {{.}}</p>{{end}}
{{if not $s.Q}}<p>Use the search box at the top of the page. `+searchHints+`</p>
{{else if not .Errors}}
<form method="get" action="/officer/search" class="filters" aria-label="Filter the search" novalidate>
<input type="hidden" name="q" value="{{$s.Q}}">
<div class="group"><label for="f-status">Status</label>
<select id="f-status" name="status"><option value="">Open and closed</option><option value="open"{{if eq $s.Status "open"}} selected{{end}}>Open</option><option value="closed"{{if eq $s.Status "closed"}} selected{{end}}>Closed</option></select></div>
`+queueFilterFields+`<button type="submit">Apply</button>
</form>
{{if .Rows}}<p id="count">{{.Total}} case{{if ne .Total 1}}s{{end}}{{if .Next}} on this page{{end}}, newest received first.</p>
`+queueTable+`
{{else}}<p id="count">No cases match “{{$s.Q}}”{{if $s.Filtered}} with these filters{{end}}.</p>
<h2 class="heading-s">Try</h2>
<ul>{{if $s.Filtered}}<li><a href="{{$s.Clear}}">searching without the filters</a></li>{{end}}
<li>checking the spelling, or fewer words</li>
<li>`+searchHints+`</li></ul>{{end}}
{{if .Next}}<nav class="paging" aria-label="Pages of results"><a href="{{.Next}}" rel="next">Next page</a></nav>{{end}}
{{end}}`)

// searchHints say what a search finds.
const searchHints = `You can search by a case's reference (like FB-2026-42), the resident's email address, telephone number (in any format) or social media handle, their name, or words from the subject or messages.`
