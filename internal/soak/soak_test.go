package soak

import (
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/outbox"
)

// TestResult_Line is the line a machine reads, and what fails a run.
func TestResult_Line(t *testing.T) {
	tests := []struct {
		res  Result
		line string
		ok   bool
	}{
		{Result{Deliveries: 10000, Redeliveries: 9871, Kills: 25, Faults: 0.2, Stored: 5000, P99: 41 * time.Millisecond},
			"soak: deliveries=10000 redeliveries=9871 kills=25 faults=20% stored=5000 lost=0 duplicated=0 stuck=0 orphaned=0 p99_ms=41", true},
		{Result{Deliveries: 5, Faults: 0.05, Lost: []string{"a"}, Orphaned: []string{"b", "c"}},
			"soak: deliveries=5 redeliveries=0 kills=0 faults=5% stored=0 lost=1 duplicated=0 stuck=0 orphaned=2 p99_ms=0", false},
		{Result{Duplicated: []string{"a"}}, "soak: deliveries=0 redeliveries=0 kills=0 faults=0% stored=0 lost=0 duplicated=1 stuck=0 orphaned=0 p99_ms=0", false},
		{Result{Stuck: []string{"a"}}, "soak: deliveries=0 redeliveries=0 kills=0 faults=0% stored=0 lost=0 duplicated=0 stuck=1 orphaned=0 p99_ms=0", false},
		{Result{Resent: []string{"a", "b"}}, "soak: deliveries=0 redeliveries=0 kills=0 faults=0% stored=0 lost=0 duplicated=0 stuck=0 orphaned=0 p99_ms=0 resent=2", true},
	}
	for _, tt := range tests {
		if got := tt.res.Line(); got != tt.line {
			t.Errorf("Line() = %q\nwant      %q", got, tt.line)
		}
		if tt.res.OK() != tt.ok {
			t.Errorf("%s: OK() = %v, want %v", tt.line, tt.res.OK(), tt.ok)
		}
	}
}

// TestAudit: each way a run can go wrong is found, and put under its heading; a letter sent
// twice is a duplicate unless Resent explains it.
func TestAudit(t *testing.T) {
	due := time.Date(2027, 1, 7, 0, 0, 0, 0, time.UTC)
	open := func(ref, message string, es feedback.Effects) *feedback.Case {
		return &feedback.Case{Ref: ref, Status: feedback.StatusOpen, Stage: feedback.Stage1, RespondBy: due, Message: message, Effects: es}
	}
	done := feedback.Effect{State: feedback.EffectDone}
	sent := func(n int) []outbox.Sent { return make([]outbox.Sent, n) }
	tests := []struct {
		name  string
		state State
		items []string // tokens of items accepted
		want  string   // the one finding, as "heading: start of it"; "" for none
	}{
		{"all well", State{Cases: []*feedback.Case{open("FB-1", "soak-item-000001", feedback.Effects{"acknowledgement": done})},
			Letters: map[string][]outbox.Sent{"FB-1/acknowledgement": sent(1)}}, []string{"soak-item-000001"}, ""},
		{"accepted and not stored", State{}, []string{"soak-item-000002"}, "lost: soak-item-000002 (web) was accepted"},
		{"stored twice", State{Cases: []*feedback.Case{open("FB-1", "soak-item-000003", nil), open("FB-2", "soak-item-000003", nil)}},
			[]string{"soak-item-000003"}, "duplicated: soak-item-000003 (web) is stored as 2 cases"},
		{"recorded as sent, never sent", State{Cases: []*feedback.Case{open("FB-1", "", feedback.Effects{"assignment": done})}}, nil,
			"lost: FB-1/assignment is recorded as sent"},
		{"sent twice", State{Cases: []*feedback.Case{open("FB-1", "", feedback.Effects{"assignment": done})},
			Letters: map[string][]outbox.Sent{"FB-1/assignment": sent(2)}}, nil, "duplicated: FB-1/assignment was sent 2 times"},
		{"sent twice, explained", State{Cases: []*feedback.Case{open("FB-1", "", feedback.Effects{"assignment": done})},
			Letters: map[string][]outbox.Sent{"FB-1/assignment": sent(2)}, Resent: func(string) string { return "its record was lost" }}, nil, ""},
		{"pending", State{Cases: []*feedback.Case{open("FB-1", "", feedback.Effects{"assignment": {}})}}, nil, "stuck: FB-1: assignment is pending"},
		{"a reminder for a closed case", State{Cases: []*feedback.Case{{Ref: "FB-1", Status: feedback.StatusClosed}},
			Reminders: []feedback.Reminder{{Name: "FB-1-stage1-due-20270107", Ref: "FB-1", Stage: feedback.Stage1, Due: due}}}, nil,
			"orphaned: FB-1-stage1-due-20270107: its case is closed"},
		{"a reminder for another date", State{Cases: []*feedback.Case{open("FB-1", "", nil)},
			Reminders: []feedback.Reminder{{Name: "FB-1-stage1-due-20270101", Ref: "FB-1", Stage: feedback.Stage1, Due: due.AddDate(0, 0, -6)}}}, nil,
			"orphaned: FB-1-stage1-due-20270101: it is for a response date of 2027-01-01"},
		{"a reminder still wanted", State{Cases: []*feedback.Case{open("FB-1", "", nil)},
			Reminders: []feedback.Reminder{{Name: "FB-1-stage1-due-20270107", Ref: "FB-1", Stage: feedback.Stage1, Due: due}}}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var items []*Item
			for i, tok := range tt.items {
				it := NewItem(i+1, "web")
				it.Token = tok
				it.Answered("")
				items = append(items, it)
			}
			res := &Result{}
			Audit(res, tt.state, items)
			got := res.Findings()
			switch {
			case tt.want == "" && len(got) != 0:
				t.Errorf("findings %q; want none", got)
			case tt.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tt.want)):
				t.Errorf("findings %q; want one starting %q", got, tt.want)
			}
			if tt.state.Resent != nil && len(res.Resent) != 1 {
				t.Errorf("resent %q; want the explained letter", res.Resent)
			}
		})
	}
}
