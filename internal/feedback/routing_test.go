package feedback_test

import (
	"testing"

	"github.com/council/intake/internal/feedback"
)

func TestRouting_LabelAndFind(t *testing.T) {
	r := feedback.Routing{
		Areas: map[string]string{"planning": "dev@x.gov.uk", "it": "it@x.gov.uk", "bins-and-recycling": "waste@x.gov.uk"},
		Names: map[string]string{"planning": "Development Services", "it": "IT Services"},
	}
	labels := []struct{ area, want string }{
		{"planning", "Development Services"},
		{"it", "IT Services"},
		{"bins-and-recycling", "Bins and recycling"}, // no display name: the key, readable
	}
	for _, tt := range labels {
		if got := r.Label(tt.area); got != tt.want {
			t.Errorf("Label(%q) = %q, want %q", tt.area, got, tt.want)
		}
	}
	finds := []struct {
		in, want string
		ok       bool
	}{
		{"planning", "planning", true},
		{"PLANNING", "planning", true},
		{"Development Services", "planning", true},
		{" development services ", "planning", true},
		{"it services", "it", true},
		{"Bins-And-Recycling", "bins-and-recycling", true},
		{"Bins and recycling", "bins-and-recycling", true},
		{"Parking", "", false},
		{"", "", false},
	}
	for _, tt := range finds {
		got, ok := r.Find(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Find(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
