package config_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/feedback"
)

func TestLoad_Defaults(t *testing.T) {
	c, err := config.Load(config.Map(nil))
	if err != nil {
		t.Fatalf("Load with no settings: %v", err)
	}
	p := c.Policy()
	if p.AcknowledgeWorkingDays != 1 || p.Stage1WorkingDays != 10 || p.Stage2WorkingDays != 20 ||
		p.RetainComplaintYears != 2 || p.RetainOmbudsmanYears != 6 || p.RetainOtherYears != 1 || p.RetainRestrictionYears != 3 {
		t.Errorf("default policy = %+v; want the councils' numbers (1, 10, 20 working days; 2, 6, 1, 3 years)", p)
	}
	if got := c.Council().ConsoleURL; got != "http://127.0.0.1:3000" {
		t.Errorf("default console URL = %q; want the local runner's address", got)
	}
	r, err := c.RoutingTable()
	if err != nil || r.Owner("planning") != "planning@example.gov.uk" || r.Owner("unknown") != "customer.services@example.gov.uk" {
		t.Errorf("default routing = %+v, %v", r, err)
	}
}

func TestLoad_Errors(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		required []string
		want     string
	}{
		{"missing table", nil, []string{"INTAKE_TABLE"}, "INTAKE_TABLE is required"},
		{"required staff left to its default", nil, []string{"INTAKE_STAFF"}, "INTAKE_STAFF is required"},
		{"required console URL left to its default", map[string]string{"INTAKE_CONSOLE_URL": " "}, []string{"INTAKE_CONSOLE_URL"}, "INTAKE_CONSOLE_URL is required"},
		{"session key parameter not a path", map[string]string{"INTAKE_SESSION_KEY_PARAMETER": "intake-key"}, nil, "INTAKE_SESSION_KEY_PARAMETER"},
		{"social secrets parameter not a path", map[string]string{"INTAKE_SOCIAL_SECRETS_PARAMETER": "social secrets"}, nil, "INTAKE_SOCIAL_SECRETS_PARAMETER"},
		{"bad routing", map[string]string{"INTAKE_ROUTING": "waste=waste@x.gov.uk,planning"}, nil, `"planning"`},
		{"bad mailbox", map[string]string{"INTAKE_ROUTING": "waste=not-an-address"}, nil, "INTAKE_ROUTING"},
		{"bad from", map[string]string{"INTAKE_FROM_ADDRESS": "nobody"}, nil, "INTAKE_FROM_ADDRESS"},
		{"bad holiday", map[string]string{"INTAKE_EXTRA_HOLIDAYS": "19/09/2022"}, nil, "INTAKE_EXTRA_HOLIDAYS"},
		{"bad number", map[string]string{"INTAKE_STAGE1_WORKING_DAYS": "ten"}, nil, `INTAKE_STAGE1_WORKING_DAYS is not valid: "ten" is not a whole number`},
		{"zero stage", map[string]string{"INTAKE_STAGE1_WORKING_DAYS": "0"}, nil, "Stage1WorkingDays"},
		{"console not a URL", map[string]string{"INTAKE_CONSOLE_URL": "intake.example.gov.uk"}, nil, "INTAKE_CONSOLE_URL"},
		{"short session key", map[string]string{"INTAKE_SESSION_KEY": "secret"}, nil, "INTAKE_SESSION_KEY must be at least 32"},
		{"short social secret", map[string]string{"INTAKE_SOCIAL_SECRETS": "tool=short"}, nil, "INTAKE_SOCIAL_SECRETS"},
		{"social secret without a monitor", map[string]string{"INTAKE_SOCIAL_SECRETS": "=" + strings.Repeat("s", 32)}, nil, "no monitor name"},
		{"reference without year", map[string]string{"INTAKE_REFERENCE_FORMAT": "FB-{seq}"}, nil, "{year}"},
		{"reply templates not JSON", map[string]string{"INTAKE_REPLY_TEMPLATES": `[{"name": "a"`}, nil, "INTAKE_REPLY_TEMPLATES must be a JSON array"},
		{"reply template without text", map[string]string{"INTAKE_REPLY_TEMPLATES": `[{"name": "a", "text": " "}]`}, nil, "template 1 needs"},
		{"reply templates file missing", map[string]string{"INTAKE_REPLY_TEMPLATES": "/nonexistent/templates.json"}, nil, "cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(config.Map(tt.env), tt.required...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Load error = %v; want one mentioning %s", err, tt.want)
			}
		})
	}
}

func TestLoad_Values(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		got  func(*config.Config) string
		want string
	}{
		{"unset takes the default", nil, func(c *config.Config) string { return c.ExtraHolidays }, "2022-09-19"},
		{"set to nothing is nothing, not the default", map[string]string{"INTAKE_EXTRA_HOLIDAYS": ""},
			func(c *config.Config) string { return c.ExtraHolidays }, ""},
		{"a default with commas is whole", nil, func(c *config.Config) string { return c.MailAddresses },
			"complaints@intake.example.gov.uk=complaint,compliments@intake.example.gov.uk=compliment,feedback@intake.example.gov.uk=auto"},
		{"a number with spaces round it", map[string]string{"INTAKE_REMINDER_HOUR": " 8 "},
			func(c *config.Config) string { return fmt.Sprint(c.ReminderHour) }, "8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(config.Map(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			if got := tt.got(c); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

func TestConfig_Templates(t *testing.T) {
	file := filepath.Join(t.TempDir(), "templates.json")
	if err := os.WriteFile(file, []byte(`[{"name": "Chase", "text": "About {reference}: by {due}."}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	want := []feedback.ReplyTemplate{{Name: "Chase", Text: "About {reference}: by {due}."}}
	for name, v := range map[string]string{"inline": `[{"name": "Chase", "text": "About {reference}: by {due}."}]`, "a file": file} {
		c, err := config.Load(config.Map(map[string]string{"INTAKE_REPLY_TEMPLATES": v}))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		svc, err := c.Service(nil, nil)
		if err != nil || !reflect.DeepEqual(svc.ReplyTemplates, want) {
			t.Errorf("%s: the service's templates = %v, %v; want %v", name, svc.ReplyTemplates, err, want)
		}
	}
}

func TestLoad_FifteenDayStage1(t *testing.T) {
	c, err := config.Load(config.Map(map[string]string{"INTAKE_STAGE1_WORKING_DAYS": "15"}))
	if err != nil || c.Policy().Stage1WorkingDays != 15 {
		t.Fatalf("a council using 15 working days for Stage 1 must be a setting: %v", err)
	}
}

func TestConfig_Tokens(t *testing.T) {
	tests := []struct {
		name    string
		tokens  string
		want    map[string]string
		wantErr string
	}{
		{"none", "", map[string]string{}, ""},
		{"two", "tok-0123456789abcdef=Planning@example.gov.uk, tok-fedcba9876543210=complaints@example.gov.uk",
			map[string]string{"tok-0123456789abcdef": "planning@example.gov.uk", "tok-fedcba9876543210": "complaints@example.gov.uk"}, ""},
		{"short token", "abc=planning@example.gov.uk", nil, "shorter than 16"},
		{"not in the directory", "tok-0123456789abcdef=nobody@example.gov.uk", nil, "not in INTAKE_STAFF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(config.Map(map[string]string{"INTAKE_API_TOKENS": tt.tokens}))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), "INTAKE_API_TOKENS") || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load error = %v; want one naming INTAKE_API_TOKENS and %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Tokens()
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Tokens = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestConfig_MonitorSecrets(t *testing.T) {
	secret := strings.Repeat("a", config.MinSocialSecretChars)
	tests := []struct {
		name, env string
		want      map[string]string
		wantErr   string
	}{
		{"none", "", map[string]string{}, ""},
		{"two", " brandwatch=" + secret + " , hootsuite=" + secret + "b", map[string]string{"brandwatch": secret, "hootsuite": secret + "b"}, ""},
		{"twice", "a=" + secret + ",a=" + secret, nil, `"a" is given twice`},
		{"short, and the secret never quoted", "a=abc123", nil, "shorter than 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &config.Config{SocialSecrets: tt.env}
			got, err := c.MonitorSecrets()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "abc123") {
					t.Errorf("err = %v, want %q without the secret", err, tt.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("MonitorSecrets = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestConfig_RoutingTable_DisplayNames(t *testing.T) {
	tests := []struct {
		name, routing string
		labels        map[string]string // key -> display name
		owners        map[string]string // key -> mailbox
		err           string
	}{
		{"keys only, as before", "planning=planning@x.gov.uk,it=it@x.gov.uk", map[string]string{"planning": "Planning", "it": "It"},
			map[string]string{"planning": "planning@x.gov.uk"}, ""},
		{"a display name after the mailbox", "planning=planning@x.gov.uk;Development Services, it = it@x.gov.uk ; IT Services ",
			map[string]string{"planning": "Development Services", "it": "IT Services"},
			map[string]string{"planning": "planning@x.gov.uk", "it": "it@x.gov.uk"}, ""},
		{"an empty display name", "planning=planning@x.gov.uk;", nil, nil, `"planning=planning@x.gov.uk;"`},
		{"a display name used twice", "planning=p@x.gov.uk;Development,dev=d@x.gov.uk;development", nil, nil, "Development"},
		{"a display name that is another area's key", "planning=p@x.gov.uk;IT,it=i@x.gov.uk", nil, nil, "IT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := config.Load(config.Map(map[string]string{"INTAKE_ROUTING": tt.routing, "INTAKE_STAFF": "a@x.gov.uk=admin"}))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "INTAKE_ROUTING") {
					t.Fatalf("Load error = %v; want one naming INTAKE_ROUTING and %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r, err := c.RoutingTable()
			if err != nil {
				t.Fatal(err)
			}
			for k, want := range tt.labels {
				if got := r.Label(k); got != want {
					t.Errorf("Label(%q) = %q, want %q", k, got, want)
				}
			}
			for k, want := range tt.owners {
				if got := r.Owner(k); got != want {
					t.Errorf("Owner(%q) = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestConfig_Council_Report(t *testing.T) {
	c, err := config.Load(config.Map(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Council(); got.ReportIntroduction != "" || got.ReportEmptyAreas {
		t.Errorf("default report settings = %q, %v; want no introduction and empty areas left out", got.ReportIntroduction, got.ReportEmptyAreas)
	}
	c, err = config.Load(config.Map(map[string]string{
		"INTAKE_REPORT_INTRODUCTION": "This report covers formal complaints.\n\nIt is for information.",
		"INTAKE_REPORT_EMPTY_AREAS":  "show",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Council(); got.ReportIntroduction != "This report covers formal complaints.\n\nIt is for information." || !got.ReportEmptyAreas {
		t.Errorf("report settings = %q, %v", got.ReportIntroduction, got.ReportEmptyAreas)
	}
	if _, err := config.Load(config.Map(map[string]string{"INTAKE_REPORT_EMPTY_AREAS": "yes"})); err == nil || !strings.Contains(err.Error(), "INTAKE_REPORT_EMPTY_AREAS") {
		t.Errorf("a bad INTAKE_REPORT_EMPTY_AREAS: %v", err)
	}
}
