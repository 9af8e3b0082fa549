package casesimport_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/feedback"
)

// TestReadEncodedCSV checks what a council's spreadsheet writes: UTF-8 with or without a BOM
// (and a quoted header after it), Windows-1252 when the file says so, and nothing else.
func TestReadEncodedCSV(t *testing.T) {
	utf8Row := "reference,kind,channel,received_date,lessons_learned\nA-1,comment,web,2019-01-02,Café £5 – “quotes”\n"
	cp1252Row := []byte("reference,kind,channel,received_date,lessons_learned\nA-1,comment,web,2019-01-02,Caf\xe9 \xa35 \x96 \x93quotes\x94\n")
	tests := []struct {
		name    string
		file    []byte
		enc     string
		lessons string // what row 2's last field reads; "" for a refusal
		refusal string
	}{
		{"UTF-8", []byte(utf8Row), "", "Café £5 – “quotes”", ""},
		{"UTF-8 with a BOM", append([]byte("\ufeff"), utf8Row...), "utf-8", "Café £5 – “quotes”", ""},
		{"a BOM and a quoted header", []byte("\ufeff\"reference\",\"kind\",\"channel\",\"received_date\",\"lessons_learned\"\n\"A-1\",comment,web,2019-01-02,Café £5 – “quotes”\n"), "", "Café £5 – “quotes”", ""},
		{"Windows-1252 declared", cp1252Row, "windows-1252", "Café £5 – “quotes”", ""},
		{"Windows-1252 declared in another spelling", cp1252Row, "CP1252", "Café £5 – “quotes”", ""},
		{"Windows-1252 not declared", cp1252Row, "", "", "Line 2 of the file is not UTF-8 text: save the file as CSV UTF-8"},
		{"an encoding Intake does not read", []byte(utf8Row), "utf-16", "", "utf-16"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := casesimport.ReadEncodedCSV(bytes.NewReader(tt.file), tt.enc)
			if tt.refusal != "" {
				if feedback.ErrorCode(err) != feedback.EINVALID || !strings.Contains(feedback.ErrorMessage(err), tt.refusal) {
					t.Fatalf("ReadEncodedCSV = %v; want EINVALID saying %q", err, tt.refusal)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"reference", "kind", "channel", "received_date", "lessons_learned"}, f.Header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			if got := f.Rows[0].Fields[4]; got != tt.lessons || strings.ContainsRune(got, '\uFFFD') {
				t.Errorf("lessons = %q, want %q", got, tt.lessons)
			}
		})
	}
}

// TestImport_TimeOfDay: a received date with a time decides the financial year (and the due
// dates) by the instant in Europe/London.
func TestImport_TimeOfDay(t *testing.T) {
	ctx := context.Background()
	f := sevenoaksFixture(t)
	file := "reference,kind,channel,service_area,received_date\n" +
		"T-1,complaint,web,Legal,2019-03-31T23:30:00+01:00\n" + // 23:30 on Sunday 31 March in London: 2018/19
		"T-2,complaint,web,Legal,2019-03-31T23:30:00Z\n" + // 00:30 on Monday 1 April in London: 2019/20
		"T-3,complaint,web,Legal,29/03/2019 23:30\n" + // a Friday night, as a UK spreadsheet writes it
		"T-4,complaint,web,Legal,2019-03-29 08:15\n" +
		"T-5,complaint,web,Legal,29/03/2019\n"
	res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, file), false)
	if err != nil || !res.Written || res.Imported != 5 {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	london, _ := time.LoadLocation("Europe/London")
	tests := []struct {
		ref               string
		received, respond time.Time
	}{
		// Stage 1 is due 10 working days after the day received: a Sunday night and a Friday
		// night both fall due on 12 April, half an hour later (a Monday) on 15 April.
		{"T-1", time.Date(2019, 3, 31, 23, 30, 0, 0, london), time.Date(2019, 4, 12, 0, 0, 0, 0, london)},
		{"T-2", time.Date(2019, 4, 1, 0, 30, 0, 0, london), time.Date(2019, 4, 15, 0, 0, 0, 0, london)},
		{"T-3", time.Date(2019, 3, 29, 23, 30, 0, 0, london), time.Date(2019, 4, 12, 0, 0, 0, 0, london)},
		{"T-4", time.Date(2019, 3, 29, 8, 15, 0, 0, london), time.Date(2019, 4, 12, 0, 0, 0, 0, london)},
		{"T-5", time.Date(2019, 3, 29, 0, 0, 0, 0, london), time.Date(2019, 4, 12, 0, 0, 0, 0, london)},
	}
	for _, tt := range tests {
		c, err := f.store.Get(ctx, tt.ref)
		if err != nil {
			t.Fatal(err)
		}
		if !c.ReceivedAt.Equal(tt.received) || !c.RespondBy.Equal(tt.respond) {
			t.Errorf("%s: received %v, respond by %v; want %v, %v", tt.ref, c.ReceivedAt.In(london), c.RespondBy.In(london), tt.received, tt.respond)
		}
	}
}

// TestImport_OneRowPerStage: an older system's export with a Stage 2 row after the Stage 1 row
// of the same reference imports as one case; rows that disagree, or repeat a stage, are refused
// saying so.
func TestImport_OneRowPerStage(t *testing.T) {
	ctx := context.Background()
	header := "reference,kind,channel,service_area,received_date,stage_reached,stage1_outcome,stage1_response_date,stage2_opened_date,stage2_outcome,stage2_response_date,closed_date\n"
	t.Run("imports as one case", func(t *testing.T) {
		f := sevenoaksFixture(t)
		file := header +
			"S-1,complaint,email,Legal,2019-01-07,stage1,not_upheld,2019-01-14,,,,\n" +
			"S-2,comment,web,Legal,2019-01-08,,,,,,,2019-01-09\n" +
			"S-1,complaint,email,Legal,2019-01-07,stage2,,,2019-01-21,upheld,2019-02-11,2019-02-12\n"
		res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, file), false)
		if err != nil || !res.Written || res.Imported != 2 || len(res.Problems) != 0 {
			t.Fatalf("Import = %+v, %v", res, err)
		}
		c, err := f.store.Get(ctx, "S-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Stages) != 2 || c.Stages[0].Response.Outcome != feedback.OutcomeNotUpheld || c.Stages[1].Response.Outcome != feedback.OutcomeUpheld || c.Status != feedback.StatusClosed {
			t.Errorf("S-1 = %+v", c)
		}
	})
	t.Run("refused, saying why", func(t *testing.T) {
		f := sevenoaksFixture(t)
		tests := []struct {
			name, rows string
			want       []casesimport.Problem
		}{
			{"the rows disagree", "S-1,complaint,email,Legal,2019-01-07,stage1,not_upheld,2019-01-14,,,,\n" +
				"S-1,complaint,email,Benefits,2019-01-07,stage2,,,2019-01-21,upheld,2019-02-11,\n",
				[]casesimport.Problem{{Line: 3, Column: "service_area", Message: `S-1's Stage 1 row (line 2) says "Legal" and its Stage 2 row says "Benefits": a case's rows must agree.`}}},
			{"two Stage 1 rows", "S-1,complaint,email,Legal,2019-01-07,stage1,,,,,,\nS-1,complaint,email,Legal,2019-01-07,stage1,,,,,,\n",
				[]casesimport.Problem{{Line: 3, Column: "reference", Message: "S-1 is also on line 2: each case may appear once, or as a Stage 1 row followed by its Stage 2 row."}}},
			{"the Stage 2 row first", "S-1,complaint,email,Legal,2019-01-07,stage2,not_upheld,2019-01-14,2019-01-21,,,\nS-1,complaint,email,Legal,2019-01-07,stage1,,,,,,\n",
				[]casesimport.Problem{{Line: 3, Column: "reference", Message: "S-1 is also on line 2: each case may appear once, or as a Stage 1 row followed by its Stage 2 row."}}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, header+tt.rows), false)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(tt.want, res.Problems); diff != "" || res.Written {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
	})
}

// TestImport_OneProblemPerMistake: a mistake is reported once, not again by every check that
// reads what it spoiled; independent mistakes on one row are each reported.
func TestImport_OneProblemPerMistake(t *testing.T) {
	ctx := context.Background()
	f := sevenoaksFixture(t)
	header := "reference,kind,channel,service_area,received_date,stage_reached,stage1_outcome,stage1_response_date,stage1_compensation,ombudsman,ombudsman_referred_date,lessons_learned\n"
	tests := []struct {
		name, row string
		want      []casesimport.Problem
	}{
		{"a misspelt kind", "B-1,complain,web,Legal,2019-01-07,stage1,upheld,2019-01-14,10.00,lgsco,2019-02-01,Be quicker.\n",
			[]casesimport.Problem{{Line: 2, Column: "kind", Message: `"complain" is not a kind of feedback: write complaint, compliment, comment, service_request or out_of_scope.`}}},
		{"a bad received date", "B-2,complaint,web,Legal,2019-13-07,stage1,upheld,2019-01-14,,,,\n",
			[]casesimport.Problem{{Line: 2, Column: "received_date", Message: `"2019-13-07" is not a date: write YYYY-MM-DD or DD/MM/YYYY, with a time of day if there is one (2019-03-31, 31/03/2019 23:30 or 2019-03-31T23:30:00+01:00).`}}},
		{"two independent mistakes", "B-3,complaint,fax,Nowhere,2019-01-07,stage1,,,,,,\n",
			[]casesimport.Problem{
				{Line: 2, Column: "channel", Message: `"fax" is not a channel: write web, email, social, phone, letter or in_person.`},
				{Line: 2, Column: "service_area", Message: `"Nowhere" is not one of the council's service areas (` + strings.Join(sevenoaksAreas, ", ") + ")."},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, header+tt.row), false)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, res.Problems); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestImport_AreaByKeyOrName: a service area is matched by its key or its display name in any
// case, and stored by its key.
func TestImport_AreaByKeyOrName(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, time.Date(2019, 4, 8, 9, 0, 0, 0, time.UTC))
	f.svc.Routing = feedback.Routing{Areas: map[string]string{"planning": "p@x.gov.uk", "it": "it@x.gov.uk"},
		Names: map[string]string{"planning": "Development Services", "it": "IT Services"}, Triage: "t@x.gov.uk"}
	file := "reference,kind,channel,service_area,received_date\n" +
		"K-1,comment,web,DEVELOPMENT SERVICES,2019-01-02\nK-2,comment,web,Planning,2019-01-02\nK-3,comment,web,it services,2019-01-02\nK-4,comment,web,It,2019-01-02\n"
	res, err := casesimport.Import(ctx, f.svc, ana, readImport(t, file), false)
	if err != nil || !res.Written || res.Imported != 4 {
		t.Fatalf("Import = %+v, %v", res, err)
	}
	for ref, want := range map[string]string{"K-1": "planning", "K-2": "planning", "K-3": "it", "K-4": "it"} {
		if c, err := f.store.Get(ctx, ref); err != nil || c.ServiceArea != want || c.AssignedTo != f.svc.Routing.Areas[want] {
			t.Errorf("%s: area %q assigned to %q (%v); want %q", ref, c.ServiceArea, c.AssignedTo, err, want)
		}
	}
}
