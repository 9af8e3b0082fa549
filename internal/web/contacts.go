package web

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"html/template"
	"net/http"
	"time"

	"github.com/council/intake/internal/feedback"
)

// Residents' rights over the officer API: a subject access export as a ZIP, and erasure.

func (h *Handler) contactRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/contacts/{contact}/export", h.exportContact)
	mux.HandleFunc("DELETE /v1/contacts/{contact}", h.api(h.eraseContact))
}

var summaryPage = parseLater(func() *template.Template {
	return template.Must(template.New("summary").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Information we hold about you</title></head>
<body style="font-family: Arial, sans-serif; line-height: 1.5; color: #0b0c0c">
<h1>Information we hold about you</h1>
<p>Prepared on {{.ExportedAt.Format "2 January 2006"}} for: {{range $i, $v := .Identities}}{{if $i}}, {{end}}{{$v}}{{end}}.
Everything below is also in data.json, in full.</p>
<h2>Your cases ({{len .Cases}})</h2>
{{range .Cases}}<section><h3>{{.Ref}}: {{.Kind}}, received {{.ReceivedAt.Format "2 January 2006"}}, {{.Status}}</h3>
{{if .Subject}}<p>Subject: {{.Subject}}</p>{{end}}<p style="white-space: pre-wrap">{{.Message}}</p>
{{range .Messages}}<p style="white-space: pre-wrap">{{.At.Format "2 January 2006"}}: {{.Text}}</p>{{end}}
{{if .Letters}}<h4>Letters</h4><ul>{{range .Letters}}<li>{{.At.Format "2 January 2006"}}: {{.Subject}}</li>{{end}}</ul>{{end}}
</section>{{else}}<p>None.</p>{{end}}
<h2>Restrictions on contact ({{len .Restrictions}})</h2>
{{range .Restrictions}}<p>{{.ID}}: {{range $i, $t := .Types}}{{if $i}}, {{end}}{{$t}}{{end}}. Reason: {{.Reason}}. Decided {{.DecidedOn.Format "2 January 2006"}}; {{.Status}}.</p>{{else}}<p>None.</p>{{end}}
<h2>Staff-safety markers ({{len .Markers}})</h2>
{{range .Markers}}<p>{{.ID}}: {{.Reason}}. Decided {{.DecidedOn.Format "2 January 2006"}}; kept until {{.ExpiresAt.Format "2 January 2006"}}.</p>{{else}}<p>None.</p>{{end}}
</body></html>
`))
})

// exportContact answers a subject access request: a ZIP holding data.json (everything, in
// full) and summary.html (readable).
func (h *Handler) exportContact(w http.ResponseWriter, r *http.Request) {
	h.api(func(r *http.Request, who feedback.StaffMember) (int, any, error) {
		p, err := h.Service.PersonData(r.Context(), who, r.PathValue("contact"))
		if err != nil {
			return 0, nil, err
		}
		z, err := subjectAccessZip(p)
		if err != nil {
			return 0, nil, err
		}
		return http.StatusOK, z, nil
	})(w, r)
}

// subjectAccessZip is the subject access export of p, as the API and the console give it.
func subjectAccessZip(p *feedback.PersonData) (zipBody, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return zipBody{}, err
	}
	var page bytes.Buffer
	if err := summaryPage().Execute(&page, p); err != nil {
		return zipBody{}, err
	}
	for _, f := range []struct {
		name string
		body []byte
	}{{"data.json", data}, {"summary.html", page.Bytes()}} {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: p.ExportedAt})
		if err != nil {
			return zipBody{}, err
		}
		if _, err := fw.Write(f.body); err != nil {
			return zipBody{}, err
		}
	}
	if err := zw.Close(); err != nil {
		return zipBody{}, err
	}
	return zipBody{buf.Bytes(), "subject-access-" + p.ExportedAt.Format(time.DateOnly) + ".zip"}, nil
}

// zipBody is an answer written as a ZIP download rather than JSON.
type zipBody struct {
	data []byte
	name string
}

func (h *Handler) eraseContact(r *http.Request, who feedback.StaffMember) (int, any, error) {
	var body struct {
		OverrideReason string `json:"override_reason"`
	}
	if err := decodeOptional(r, &body); err != nil {
		return 0, nil, err
	}
	out, err := h.Service.Erase(r.Context(), who, r.PathValue("contact"), body.OverrideReason)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, out, nil
}
