package feedback

import (
	"encoding/json"
	"testing"
	"time"
)

// TestParseEffect reads back every kind of stored effect name: the ledger's names are
// persisted, so each must parse to its kind and arguments and print as it was stored.
func TestParseEffect(t *testing.T) {
	day := time.Date(2027, 1, 14, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		want effectKey
	}{
		{"acknowledgement", effectKey{kind: effectAcknowledge}},
		{"assignment", effectKey{kind: effectAssign}},
		{"schedules", effectKey{kind: effectSchedule}},
		{"notice:undeliverable", effectKey{kind: effectBounceNotice}},
		{"follow-up:3", effectKey{kind: effectFollowUpNotice, n: 3}},
		{"letter:stage1-response", effectKey{kind: effectLetter, name: "stage1-response"}},
		{"schedules:stage1-20270114", effectKey{kind: effectStageSchedules, stage: Stage1, due: day}},
		{"unschedule:stage2-20270114", effectKey{kind: effectStageUnschedule, stage: Stage2, due: day}},
		{"reminder:FB-2026-000001-stage1-due", effectKey{kind: effectReminder, name: "FB-2026-000001-stage1-due"}},
		{"review-schedules:20270114", effectKey{kind: effectReviewSchedules, due: day}},
		{"review-unschedule:20270114", effectKey{kind: effectReviewUnschedule, due: day}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseEffect(tt.name, time.UTC)
			if got.kind != tt.want.kind || got.name != tt.want.name || got.n != tt.want.n || got.stage != tt.want.stage ||
				!got.due.Equal(tt.want.due) || got.unreadable {
				t.Errorf("parseEffect(%q) = %+v, want %+v", tt.name, got, tt.want)
			}
			if s := got.String(); s != tt.name {
				t.Errorf("String() = %q, want the stored name %q", s, tt.name)
			}
		})
	}
	for _, name := range []string{"", "acknowledgement:x", "letters:x", "follow-up"} {
		if k := parseEffect(name, time.UTC); k.kind != effectUnknown {
			t.Errorf("parseEffect(%q) = %+v, want an unknown effect", name, k)
		}
	}
	if k := parseEffect("schedules:stage1-2027", time.UTC); k.kind != effectStageSchedules || !k.unreadable {
		t.Errorf("a schedules effect with a bad date = %+v, want unreadable", k)
	}
}

// TestEffects_Pending orders the acknowledgement, then the assignment, then the rest by name,
// the reminders last.
func TestEffects_Pending(t *testing.T) {
	es := Effects{"reminder:a": {}, "schedules": {}, "letter:z": {}, "assignment": {}, "acknowledgement": {}, "done": {State: EffectDone}}
	got, want := es.Pending(), []string{"acknowledgement", "assignment", "letter:z", "schedules", "reminder:a"}
	if len(got) != len(want) {
		t.Fatalf("Pending() = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Pending() = %v, want %v", got, want)
		}
	}
}

// TestReminder_about tells a restriction's reminder from a case's by its field, and a
// restriction's reminder scheduled before the field existed by its id.
func TestReminder_about(t *testing.T) {
	tests := []struct {
		payload string
		want    ReminderOf
	}{
		{`{"name":"FB-2026-000001-stage1-due","ref":"FB-2026-000001","purpose":"due"}`, ReminderOfCase},
		{`{"name":"RS-2026-0001-review-20270114","ref":"RS-2026-0001","purpose":"review","of":"restriction"}`, ReminderOfRestriction},
		{`{"name":"RS-2026-0001-review-20270114","ref":"RS-2026-0001","purpose":"review"}`, ReminderOfRestriction},
	}
	for _, tt := range tests {
		var r Reminder
		if err := json.Unmarshal([]byte(tt.payload), &r); err != nil {
			t.Fatal(err)
		}
		if got := r.about(); got != tt.want {
			t.Errorf("%s: about() = %q, want %q", tt.payload, got, tt.want)
		}
	}
}
