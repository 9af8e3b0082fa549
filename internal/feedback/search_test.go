package feedback_test

import (
	"slices"
	"testing"

	"github.com/council/intake/internal/feedback"
)

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"07700 900123", "07700900123", true},
		{"+44 7700 900123", "07700900123", true},
		{"+44 (0)7700 900123", "07700900123", true},
		{"(07700) 900-123", "07700900123", true},
		{"0044 7700 900123", "07700900123", true},
		{"447700900123", "07700900123", true},
		{"07700.900.123", "07700900123", true},
		{"01632 960001", "01632960001", true},
		{"020 7946 0018", "02079460018", true},
		{"+1 202 555 0143", "+12025550143", true},
		{"0800 123", "", false},
		{"7700 900123", "", false},
		{"07700 9001234567", "", false},
		{"07700 900123 ext 4", "", false},
		{"0770+0900123", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := feedback.NormalizePhone(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizePhone(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestSearchWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Zoë Brontë", []string{"zoe", "bronte"}},
		{"ZOE bronte zoë", []string{"zoe", "bronte"}},
		{"@Ada_Resident wrote: the BIN!", []string{"ada_resident", "wrote", "the", "bin"}},
		{"Ångström café-naïve", []string{"angstrom", "cafe", "naive"}},
		{"flat 3, 42 Larkspur Rd.", []string{"flat", "3", "42", "larkspur", "rd"}},
		{"https://example.com/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", []string{"https", "example", "com"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := feedback.SearchWords(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("SearchWords(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestSearchKeys(t *testing.T) {
	base := func() *feedback.Case {
		return &feedback.Case{Subject: "Missed bin", Message: "The bin on Larkspur Road was missed again.",
			Contact: feedback.Contact{Name: "Zoë Brontë", Email: "Zoe@Example.com", Phone: "+44 7700 900123", Handle: "x:zoe_b"}}
	}
	long := base()
	for i := range 40 {
		long.Message += " word" + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	tests := []struct {
		name string
		c    *feedback.Case
		max  int
	}{
		{"a case", base(), 11}, // email, phone, handle, 2 name words, 6 words (the, on and again... left out)
		{"a long message is capped", long, 3 + 2 + feedback.MaxSearchWords},
		{"no contact", &feedback.Case{Message: "the"}, 0},
	}
	for _, tt := range tests {
		keys := feedback.SearchKeys(tt.c)
		if len(keys) > tt.max {
			t.Errorf("%s: %d keys; want at most %d", tt.name, len(keys), tt.max)
		}
		if len(keys) > 0 && !feedback.HasSearchKeys(tt.c, keys) {
			t.Errorf("%s: the case does not carry its own keys", tt.name)
		}
	}
	// The same person however written: the keys do not change.
	other := base()
	other.Contact = feedback.Contact{Name: "ZOE BRONTE", Email: "zoe@example.COM", Phone: "(07700) 900-123", Handle: "x:ZOE_B"}
	if a, b := feedback.SearchKeys(base()), feedback.SearchKeys(other); !slices.Equal(a, b) {
		t.Errorf("the keys of one person written two ways differ:\n%v\n%v", a, b)
	}
}
