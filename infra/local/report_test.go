package main

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestLocalRunner_LiveCasesInTheReport: a complaint received, answered late and escalated in
// the running runner shows in the right rows of the annual report.
func TestLocalRunner_LiveCasesInTheReport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the local runner")
	}
	bin := buildRunner(t)
	r := start(t, bin, t.TempDir(), "-now", "2026-12-21T10:00:00Z",
		"-api-tokens", tokOfficer+"=planning@example.gov.uk,"+tokAdmin+"=complaints@example.gov.uk")
	resp, body := r.post(t, "application/json", `{"kind":"complaint","email":"ada@example.com","service_area":"planning","message":"Lost objection."}`, nil)
	var created struct {
		Reference string `json:"reference"`
	}
	if resp.StatusCode != http.StatusCreated || json.Unmarshal(body, &created) != nil {
		t.Fatalf("POST /v1/feedback = %d %s", resp.StatusCode, body)
	}
	ref := created.Reference
	r.clock(t, "2027-01-12T10:00:00Z") // due 7 January: this answer is late
	if status, c := r.api(t, "POST", "/v1/cases/"+ref+"/respond", tokOfficer, `{"outcome":"not_upheld","summary":"No fault found.","sent_by":"email"}`); status != http.StatusOK {
		t.Fatalf("respond = %d %v", status, c)
	}
	r.clock(t, "2027-01-13T10:00:00Z")
	if status, c := r.api(t, "POST", "/v1/cases/"+ref+"/escalate", tokAdmin, `{"reviewer":"planning.manager@example.gov.uk","reason":"Unhappy."}`); status != http.StatusOK {
		t.Fatalf("escalate = %d %v", status, c)
	}

	req, _ := http.NewRequest("GET", r.base+"/v1/reports/annual?year=2026&format=json", nil)
	req.Header.Set("Authorization", "Bearer "+tokAdmin)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var report struct {
		Year   string `json:"year"`
		Tables []struct {
			ID   string `json:"id"`
			Rows []struct {
				Label string   `json:"label"`
				Cells []string `json:"cells"`
			} `json:"rows"`
		} `json:"tables"`
	}
	if res.StatusCode != http.StatusOK || json.NewDecoder(res.Body).Decode(&report) != nil || report.Year != "2026/27" {
		t.Fatalf("GET /v1/reports/annual = %d, year %q", res.StatusCode, report.Year)
	}
	// This year's figure is the third cell of these tables ("", last year, [%,] this year).
	want := map[string]map[string]string{
		"received_by_stage": {"Stage 1": "1", "Stage 2": "1"},
		"stage1_outcomes":   {"Complaint not upheld": "1"},
		"stage1_timeliness": {"Late": "1", "Within timescale": "0"},
	}
	for _, tbl := range report.Tables {
		rows, ok := want[tbl.ID]
		if !ok {
			continue
		}
		for _, row := range tbl.Rows {
			w, ok := rows[row.Label]
			if !ok {
				continue
			}
			got := row.Cells[len(row.Cells)-1]
			if tbl.ID == "stage1_timeliness" {
				got = row.Cells[2] // count, then its percentage
			}
			if got != w {
				t.Errorf("%s / %s = %v; want %s this year", tbl.ID, row.Label, row.Cells, w)
			}
			delete(rows, row.Label)
		}
		if len(rows) > 0 {
			t.Errorf("%s has no rows %v", tbl.ID, rows)
		}
		delete(want, tbl.ID)
	}
	if len(want) > 0 {
		t.Errorf("the report has no tables %v", want)
	}
}
