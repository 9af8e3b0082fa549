// Package config reads Intake's settings from the environment once, at start-up, into one typed
// struct, and says exactly which variable is missing or wrong. template.yaml sets these
// variables in AWS; the local runner sets sensible defaults.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/workdays"
)

// Config is every setting. docs/operations.md lists them all with their defaults.
type Config struct {
	CouncilName    string `env:"INTAKE_COUNCIL_NAME, default=Example District Council"`
	CouncilPhone   string `env:"INTAKE_COUNCIL_PHONE, default=01632 960000"`
	CouncilWebsite string `env:"INTAKE_COUNCIL_WEBSITE, default=https://www.example.gov.uk"`
	// FromAddress is the sender of every email, e.g. "Example Council <feedback@intake.example.gov.uk>".
	FromAddress string `env:"INTAKE_FROM_ADDRESS, default=Example District Council <feedback@intake.example.gov.uk>"`
	// ReplyDomain receives replies at reply+<ref>@domain.
	ReplyDomain string `env:"INTAKE_REPLY_DOMAIN, default=intake.example.gov.uk"`
	// Routing maps service areas to mailboxes: "waste=waste@council.gov.uk,planning=...".
	Routing string `env:"INTAKE_ROUTING, default=bins-and-recycling=waste.team@example.gov.uk,council-tax=revenues@example.gov.uk,planning=planning@example.gov.uk,housing=housing@example.gov.uk,parking=parking@example.gov.uk"`
	// ReportIntroduction opens the annual report (paragraphs separated by a blank line).
	ReportIntroduction string `env:"INTAKE_REPORT_INTRODUCTION"`
	// ReportEmptyAreas is "show" to list every service area in the report's by-area tables,
	// zeros included, or "hide" to leave out areas with nothing to report.
	ReportEmptyAreas string `env:"INTAKE_REPORT_EMPTY_AREAS, default=hide"`
	// Staff is the directory of who may sign in to the console and the API, and in what role:
	// "address=role" or "address=role:area|area", comma-separated (roles: officer, manager,
	// admin, monitor). The default suits the local runner's example routing.
	Staff string `env:"INTAKE_STAFF, default=complaints@example.gov.uk=admin,planning.manager@example.gov.uk=manager:planning|housing,planning@example.gov.uk=officer:planning,housing@example.gov.uk=officer:housing,waste.team@example.gov.uk=officer:bins-and-recycling,revenues@example.gov.uk=officer:council-tax,parking@example.gov.uk=officer:parking,customer.services@example.gov.uk=officer,monitor@example.gov.uk=monitor"`
	// MailAddresses are the addresses Intake receives mail at, each with the kind of feedback
	// sent there, or "auto" to let the words decide: "complaints@…=complaint,feedback@…=auto".
	MailAddresses string `env:"INTAKE_MAIL_ADDRESSES, default=complaints@intake.example.gov.uk=complaint,compliments@intake.example.gov.uk=compliment,feedback@intake.example.gov.uk=auto"`
	// ConsoleURL is the officer console's base URL: sign-in links and the case links in
	// officers' emails start with it. A console served over plain http (locally) gets a
	// session cookie without the Secure attribute.
	ConsoleURL string `env:"INTAKE_CONSOLE_URL, default=http://127.0.0.1:3000"`
	// SessionKey keys the hashes of sign-in links and sessions and the CSRF tokens: at least
	// 32 bytes. In AWS it is an SSM SecureString or Secrets Manager value; the local runner
	// generates one into its data directory when it is not set.
	SessionKey string `env:"INTAKE_SESSION_KEY"`
	// SessionKeyParameter names the SSM SecureString that holds the session key in AWS (the
	// officer function reads it once, on its first request), so that the key is never a plain
	// environment variable in the function's configuration.
	SessionKeyParameter string `env:"INTAKE_SESSION_KEY_PARAMETER"`
	// SignInLinkKey is the KMS key (its ARN) that sign-in links' emails are sealed with on
	// their way from the officer function to the notifier (internal/kmsseal), in AWS only.
	SignInLinkKey string `env:"INTAKE_SIGNIN_LINK_KEY"`
	// TriageMailbox receives anything no routing entry claims.
	TriageMailbox string `env:"INTAKE_TRIAGE_MAILBOX, default=customer.services@example.gov.uk"`
	// ExtraHolidays are one-off bank holidays, comma-separated YYYY-MM-DD.
	ExtraHolidays string `env:"INTAKE_EXTRA_HOLIDAYS, default=2022-09-19"`

	AckWorkingDays         int `env:"INTAKE_ACK_WORKING_DAYS, default=1"`
	Stage1WorkingDays      int `env:"INTAKE_STAGE1_WORKING_DAYS, default=10"`
	Stage2WorkingDays      int `env:"INTAKE_STAGE2_WORKING_DAYS, default=20"`
	WarningWorkingDays     int `env:"INTAKE_WARNING_WORKING_DAYS, default=2"`
	ReminderHour           int `env:"INTAKE_REMINDER_HOUR, default=9"`
	RetainComplaintYears   int `env:"INTAKE_RETAIN_COMPLAINT_YEARS, default=2"`
	RetainOmbudsmanYears   int `env:"INTAKE_RETAIN_OMBUDSMAN_YEARS, default=6"`
	RetainOtherYears       int `env:"INTAKE_RETAIN_OTHER_YEARS, default=1"`
	RetainRestrictionYears int `env:"INTAKE_RETAIN_RESTRICTION_YEARS, default=3"`
	// RetainDestructionLogYears is how long a destruction log line is kept.
	RetainDestructionLogYears int `env:"INTAKE_RETAIN_DESTRUCTION_LOG_YEARS, default=6"`
	// StatisticsYears is how long a destroyed case's anonymous statistical record is kept.
	StatisticsYears int `env:"INTAKE_STATISTICS_YEARS, default=10"`
	// RestrictionReviewMonths is how long after a decision a restriction is reviewed (1 to 6).
	RestrictionReviewMonths int `env:"INTAKE_RESTRICTION_REVIEW_MONTHS, default=6"`
	// MarkerYears is how long a staff-safety marker is kept (1 to 3).
	MarkerYears     int    `env:"INTAKE_SAFETY_MARKER_YEARS, default=3"`
	ReferenceFormat string `env:"INTAKE_REFERENCE_FORMAT, default=FB-{year}-{seq:6}"`
	// EscalateWorkingDays is how long after a Stage 1 response the resident may ask for Stage 2.
	EscalateWorkingDays int `env:"INTAKE_ESCALATE_WORKING_DAYS, default=20"`
	// HousingAreas are the service areas whose complaints go to the Housing Ombudsman,
	// separated by "|" or ","; every other area's go to the LGSCO.
	HousingAreas string `env:"INTAKE_HOUSING_AREAS, default=housing"`
	// ReplyTemplates are the saved replies officers may start a reply to a resident from: a
	// JSON array of {"name", "text"} given inline (starting with "[") or in the file it names;
	// the text may hold {reference}, {name} and {due}.
	ReplyTemplates string `env:"INTAKE_REPLY_TEMPLATES"`
	// APITokens are the local officer API's bearer tokens: "token=email,token=email", each
	// email in INTAKE_STAFF. In AWS the API's JWT authoriser stands in their place.
	APITokens string `env:"INTAKE_API_TOKENS"`
	// JWTTrustedEmailClaim names a claim of officers' JWTs that the identity provider vouches
	// for as the holder's address (e.g. "upn" or "email" for a provider that sends no
	// email_verified). Unset, the API trusts the "email" claim only when the token says
	// email_verified is true.
	JWTTrustedEmailClaim string `env:"INTAKE_JWT_TRUSTED_EMAIL_CLAIM"`
	// AckLimitPerRecipient is the most acknowledgements sent to one address in 24 hours, so
	// that the public form cannot be used to mail anyone council-branded letters; 0 turns the
	// limit off.
	AckLimitPerRecipient int `env:"INTAKE_ACK_LIMIT_PER_RECIPIENT, default=3"`
	// SocialSecrets are the social-media monitoring tools' signing secrets:
	// "monitor=secret,monitor=secret", each secret at least 32 characters: the local runner's
	// and `make invoke-social`'s. In AWS they are never an environment variable: the social
	// function reads the SecureString SocialSecretsParameter names.
	SocialSecrets string `env:"INTAKE_SOCIAL_SECRETS"`
	// SocialSecretsParameter names the SSM SecureString that holds SocialSecrets in AWS (the
	// social function reads it once, on its first request). Empty: no monitoring tool is known.
	SocialSecretsParameter string `env:"INTAKE_SOCIAL_SECRETS_PARAMETER"`

	// AWS resources; the local runner does not use them.
	Table             string `env:"INTAKE_TABLE"`
	MailBucket        string `env:"INTAKE_MAIL_BUCKET"`
	ScheduleGroup     string `env:"INTAKE_SCHEDULE_GROUP"`
	ReminderTargetARN string `env:"INTAKE_REMINDER_TARGET_ARN"`
	SchedulerRoleARN  string `env:"INTAKE_SCHEDULER_ROLE_ARN"`
	ScheduleDLQARN    string `env:"INTAKE_SCHEDULE_DLQ_ARN"`
	SESConfigSet      string `env:"INTAKE_SES_CONFIGURATION_SET"`
}

// Lookup finds one environment variable, as os.LookupEnv does; Map makes one from a map for
// tests and tools.
type Lookup func(name string) (value string, ok bool)

// Map is a Lookup over m: a variable not in m is unset.
func Map(m map[string]string) Lookup {
	return func(name string) (string, bool) {
		v, ok := m[name]
		return v, ok
	}
}

// Load reads and validates the configuration through lookup (os.LookupEnv in production, Map
// in tests). A variable that is set, even to nothing, is used as it is; one that is not set
// takes its default. required names the AWS variables the calling function cannot run without.
//
// The struct tags are read here rather than by a configuration library: the settings are only
// strings and whole numbers, and a library that links encoding/gob adds a millisecond to every
// function's cold start (docs/performance.md: Lambda functions).
func Load(lookup Lookup, required ...string) (*Config, error) {
	var c Config
	for _, f := range fields(&c) {
		raw, ok := lookup(f.env)
		if !ok {
			raw = f.fallback
		}
		switch f.value.Kind() {
		case reflect.String:
			f.value.SetString(raw)
		case reflect.Int:
			n, err := strconv.Atoi(strings.TrimSpace(raw))
			if err != nil {
				return nil, fmt.Errorf("config: %s is not valid: %q is not a whole number", f.env, raw)
			}
			f.value.SetInt(int64(n))
		default:
			return nil, fmt.Errorf("config: %s: a setting of kind %s cannot be read", f.env, f.value.Kind())
		}
	}
	// A required setting must be set by the deployer: a default (the example staff, the local
	// console address) is no answer for a function in AWS.
	var unset []string
	for _, name := range required {
		if v, ok := lookup(name); ok && strings.TrimSpace(v) != "" {
			continue
		}
		unset = append(unset, name)
	}
	if err := c.validate(required, unset); err != nil {
		return nil, err
	}
	return &c, nil
}

// setting is one field of Config: its environment variable, its default and its value.
type setting struct {
	env, fallback string
	value         reflect.Value
}

// fields lists the settings of c, read from the struct tags, so that no list of variable names
// is kept by hand beside them.
func fields(c *Config) []setting {
	v := reflect.ValueOf(c).Elem()
	out := make([]setting, v.NumField())
	for i := range out {
		f := v.Type().Field(i)
		// `env:"NAME, default=VALUE"`: the default is the rest of the tag, commas and all.
		name, opts, _ := strings.Cut(f.Tag.Get("env"), ",")
		fallback, _ := strings.CutPrefix(strings.TrimSpace(opts), "default=")
		out[i] = setting{env: name, fallback: fallback, value: v.Field(i)}
	}
	return out
}

func (c *Config) validate(required, unset []string) error {
	var problems []string
	values := map[string]string{}
	for _, f := range fields(c) {
		values[f.env] = fmt.Sprint(f.value.Interface())
	}
	for _, name := range required {
		v, known := values[name]
		switch {
		case !known:
			problems = append(problems, name+" is not a setting Intake knows")
		case strings.TrimSpace(v) == "" || slices.Contains(unset, name):
			problems = append(problems, name+" is required and not set")
		}
	}
	if _, err := mail.ParseAddress(c.FromAddress); err != nil {
		problems = append(problems, fmt.Sprintf("INTAKE_FROM_ADDRESS %q is not an email address (like \"Council <feedback@example.gov.uk>\")", c.FromAddress))
	}
	if _, err := c.RoutingTable(); err != nil {
		problems = append(problems, err.Error())
	}
	if e := c.ReportEmptyAreas; e != "show" && e != "hide" {
		problems = append(problems, fmt.Sprintf("INTAKE_REPORT_EMPTY_AREAS %q must be show or hide", e))
	}
	if _, err := c.Mailboxes(); err != nil {
		problems = append(problems, err.Error())
	}
	if _, err := c.Directory(); err != nil {
		problems = append(problems, err.Error())
	}
	if _, err := c.Tokens(); err != nil && !strings.HasPrefix(err.Error(), "INTAKE_STAFF") {
		problems = append(problems, err.Error())
	}
	if _, err := c.MonitorSecrets(); err != nil {
		problems = append(problems, err.Error())
	}
	if _, err := workdays.ParseDates(c.ExtraHolidays); err != nil {
		problems = append(problems, "INTAKE_EXTRA_HOLIDAYS: "+err.Error())
	}
	if u, err := url.Parse(c.ConsoleURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("INTAKE_CONSOLE_URL %q is not an http or https address like https://intake.example.gov.uk", c.ConsoleURL))
	}
	if p := c.SessionKeyParameter; p != "" && (!strings.HasPrefix(p, "/") || strings.ContainsAny(p, " \t")) {
		problems = append(problems, fmt.Sprintf("INTAKE_SESSION_KEY_PARAMETER %q is not an SSM parameter name like /intake/session-key", p))
	}
	if p := c.SocialSecretsParameter; p != "" && (!strings.HasPrefix(p, "/") || strings.ContainsAny(p, " \t")) {
		problems = append(problems, fmt.Sprintf("INTAKE_SOCIAL_SECRETS_PARAMETER %q is not an SSM parameter name like /intake/social-secrets", p))
	}
	if c.SessionKey != "" && len(c.SessionKey) < feedback.MinSessionKeyBytes {
		problems = append(problems, fmt.Sprintf("INTAKE_SESSION_KEY must be at least %d characters (it is %d): generate one with openssl rand -hex 32", feedback.MinSessionKeyBytes, len(c.SessionKey)))
	}
	if c.AckLimitPerRecipient < 0 {
		problems = append(problems, fmt.Sprintf("INTAKE_ACK_LIMIT_PER_RECIPIENT must be 0 (no limit) or more, not %d", c.AckLimitPerRecipient))
	}
	if err := c.Policy().Validate(); err != nil {
		problems = append(problems, err.Error())
	}
	if _, err := c.Templates(); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return errors.New("config: " + strings.Join(problems, "; "))
	}
	return nil
}

// Service returns the intake service the settings describe, before its adapters: the clock,
// the calendar, the policy, the council, the routing, the staff directory, the mailboxes and
// the acknowledgement limit. It is the one recipe from settings to service: each function's
// setup adds DynamoDB and the AWS adapters it names, the local runner the embedded ones.
func (c *Config) Service(clk feedback.Clock, log *slog.Logger) (feedback.Service, error) {
	cal, err := c.Calendar()
	if err != nil {
		return feedback.Service{}, err
	}
	routing, err := c.RoutingTable()
	if err != nil {
		return feedback.Service{}, err
	}
	mailboxes, err := c.Mailboxes()
	if err != nil {
		return feedback.Service{}, err
	}
	staff, err := c.Directory()
	if err != nil {
		return feedback.Service{}, err
	}
	templates, err := c.Templates()
	if err != nil {
		return feedback.Service{}, err
	}
	return feedback.Service{
		ReplyTemplates: templates,
		Clock:          clk,
		Calendar:       cal,
		Policy:         c.Policy(),
		Council:        c.Council(),
		Routing:        routing,
		Staff:          staff,
		Log:            log,
		AckLimit:       c.AckLimitPerRecipient,
		Mailboxes:      mailboxes,
	}, nil
}

// Templates parses INTAKE_REPLY_TEMPLATES: inline JSON, or the JSON file it names.
func (c *Config) Templates() ([]feedback.ReplyTemplate, error) {
	v := strings.TrimSpace(c.ReplyTemplates)
	if v == "" {
		return nil, nil
	}
	raw := []byte(v)
	if !strings.HasPrefix(v, "[") {
		var err error
		if raw, err = os.ReadFile(v); err != nil {
			return nil, fmt.Errorf("INTAKE_REPLY_TEMPLATES names a file that cannot be read: %w", err)
		}
	}
	var ts []feedback.ReplyTemplate
	if err := json.Unmarshal(raw, &ts); err != nil {
		return nil, fmt.Errorf("INTAKE_REPLY_TEMPLATES must be a JSON array of {\"name\": …, \"text\": …}: %w", err)
	}
	seen := map[string]bool{}
	for i, t := range ts {
		if strings.TrimSpace(t.Name) == "" || strings.TrimSpace(t.Text) == "" || seen[t.Name] {
			return nil, fmt.Errorf("INTAKE_REPLY_TEMPLATES: template %d needs a name of its own and a text", i+1)
		}
		seen[t.Name] = true
	}
	return ts, nil
}

// Policy returns the council's policy from the settings.
func (c *Config) Policy() feedback.Policy {
	return feedback.Policy{
		AcknowledgeWorkingDays:    c.AckWorkingDays,
		Stage1WorkingDays:         c.Stage1WorkingDays,
		Stage2WorkingDays:         c.Stage2WorkingDays,
		WarningWorkingDays:        c.WarningWorkingDays,
		ReminderHour:              c.ReminderHour,
		RetainComplaintYears:      c.RetainComplaintYears,
		RetainOmbudsmanYears:      c.RetainOmbudsmanYears,
		RetainOtherYears:          c.RetainOtherYears,
		RetainRestrictionYears:    c.RetainRestrictionYears,
		RetainDestructionLogYears: c.RetainDestructionLogYears,
		StatisticsYears:           c.StatisticsYears,
		RestrictionReviewMonths:   c.RestrictionReviewMonths,
		MarkerYears:               c.MarkerYears,
		ReferenceFormat:           c.ReferenceFormat,
		EscalateWorkingDays:       c.EscalateWorkingDays,
		HousingAreas:              splitList(c.HousingAreas),
	}
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '|' }) {
		if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// Tokens parses INTAKE_API_TOKENS into the staff address each bearer token stands for. Every
// address must be in the staff directory, and a token must be long enough not to be guessed.
func (c *Config) Tokens() (map[string]string, error) {
	dir, err := c.Directory()
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var bad []string
	for _, entry := range strings.Split(c.APITokens, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		tok, email, ok := strings.Cut(entry, "=")
		tok, email = strings.TrimSpace(tok), strings.ToLower(strings.TrimSpace(email))
		_, known := dir.Lookup(email)
		switch {
		case !ok || len(tok) < 16:
			bad = append(bad, "an entry whose token is missing or shorter than 16 characters")
		case !known:
			bad = append(bad, fmt.Sprintf("a token for %q, who is not in INTAKE_STAFF", email))
		default:
			out[tok] = email
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("INTAKE_API_TOKENS must be token=email,…: %s", strings.Join(bad, "; "))
	}
	return out, nil
}

// MinSocialSecretChars is the shortest signing secret a monitoring tool may have.
const MinSocialSecretChars = 32

// MonitorSecrets parses INTAKE_SOCIAL_SECRETS into each monitoring tool's signing secret. The
// error never quotes a secret.
func (c *Config) MonitorSecrets() (map[string]string, error) {
	out := map[string]string{}
	var bad []string
	for i, entry := range strings.Split(c.SocialSecrets, ",") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		id, secret, ok := strings.Cut(entry, "=")
		id, secret = strings.TrimSpace(id), strings.TrimSpace(secret)
		switch {
		case !ok || id == "" || strings.ContainsAny(id, " \t"):
			bad = append(bad, fmt.Sprintf("entry %d has no monitor name", i+1))
		case len(secret) < MinSocialSecretChars:
			bad = append(bad, fmt.Sprintf("the secret of %q is shorter than %d characters (generate one with openssl rand -hex 32)", id, MinSocialSecretChars))
		case out[id] != "":
			bad = append(bad, fmt.Sprintf("%q is given twice", id))
		default:
			out[id] = secret
		}
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("INTAKE_SOCIAL_SECRETS must be monitor=secret,…: %s", strings.Join(bad, "; "))
	}
	return out, nil
}

// Council returns who Intake speaks for.
func (c *Config) Council() feedback.Council {
	return feedback.Council{Name: c.CouncilName, Phone: c.CouncilPhone, Website: c.CouncilWebsite,
		From: c.FromAddress, ReplyDomain: c.ReplyDomain, ConsoleURL: strings.TrimRight(c.ConsoleURL, "/"),
		ReportIntroduction: strings.TrimSpace(c.ReportIntroduction), ReportEmptyAreas: c.ReportEmptyAreas == "show"}
}

// RoutingTable parses INTAKE_ROUTING and INTAKE_TRIAGE_MAILBOX.
func (c *Config) RoutingTable() (feedback.Routing, error) {
	r := feedback.Routing{Areas: map[string]string{}, Triage: strings.TrimSpace(c.TriageMailbox)}
	if a, err := mail.ParseAddress(r.Triage); err != nil || a.Address != r.Triage {
		return r, fmt.Errorf("INTAKE_TRIAGE_MAILBOX %q is not a bare email address", c.TriageMailbox)
	}
	var bad []string
	for _, entry := range strings.Split(c.Routing, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		area, box, ok := strings.Cut(entry, "=")
		// A display name may follow the mailbox after a semicolon, which no address has, so
		// that "planning=planning@…" reads as it always did.
		box, name, named := strings.Cut(box, ";")
		area, box, name = strings.ToLower(strings.TrimSpace(area)), strings.TrimSpace(box), strings.TrimSpace(name)
		a, err := mail.ParseAddress(box)
		if !ok || area == "" || err != nil || a.Address != box || (named && name == "") {
			bad = append(bad, fmt.Sprintf("%q", entry))
			continue
		}
		r.Areas[area] = box
		if named {
			if r.Names == nil {
				r.Names = map[string]string{}
			}
			r.Names[area] = name
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		return r, fmt.Errorf("INTAKE_ROUTING entries must be service-area=mailbox@domain or service-area=mailbox@domain;Display name, separated by commas; these are not: %s", strings.Join(bad, ", "))
	}
	return r, uniqueAreaNames(r)
}

// uniqueAreaNames checks that no two areas answer to the same name, key or display name, in
// any case: an import matches areas by either.
func uniqueAreaNames(r feedback.Routing) error {
	seen := map[string]string{}
	for _, area := range r.AreaNames() {
		names := []string{area}
		if l := r.Names[area]; l != "" && !strings.EqualFold(l, area) {
			names = append(names, l)
		}
		for _, n := range names {
			if other, dup := seen[strings.ToLower(n)]; dup {
				return fmt.Errorf("INTAKE_ROUTING names %q for both %s and %s: give each service area its own key and display name", n, other, area)
			}
			seen[strings.ToLower(n)] = area
		}
	}
	return nil
}

// Mailboxes parses INTAKE_MAIL_ADDRESSES.
func (c *Config) Mailboxes() (map[string]feedback.Kind, error) {
	out := map[string]feedback.Kind{}
	var bad []string
	for _, entry := range strings.Split(c.MailAddresses, ",") {
		if entry = strings.TrimSpace(entry); entry == "" {
			continue
		}
		addr, kind, ok := strings.Cut(entry, "=")
		addr, k := strings.ToLower(strings.TrimSpace(addr)), feedback.Kind(strings.ToLower(strings.TrimSpace(kind)))
		a, err := mail.ParseAddress(addr)
		if !ok || err != nil || a.Address != addr || (k != feedback.KindAuto && !k.Valid()) {
			bad = append(bad, fmt.Sprintf("%q", entry))
			continue
		}
		out[addr] = k
	}
	if len(bad) > 0 {
		return nil, fmt.Errorf("INTAKE_MAIL_ADDRESSES entries must be address=kind (complaint, compliment, comment, service_request, out_of_scope or auto); these are not: %s", strings.Join(bad, ", "))
	}
	return out, nil
}

// Directory parses INTAKE_STAFF.
func (c *Config) Directory() (feedback.Directory, error) {
	d, err := feedback.ParseDirectory(c.Staff)
	if err != nil {
		return nil, fmt.Errorf("INTAKE_STAFF: %w", err)
	}
	return d, nil
}

// Calendar returns the working-day calendar for Europe/London with the extra holidays.
func (c *Config) Calendar() (*workdays.Calendar, error) {
	loc, err := workdays.London()
	if err != nil {
		return nil, err
	}
	extra, err := workdays.ParseDates(c.ExtraHolidays)
	if err != nil {
		return nil, fmt.Errorf("config: INTAKE_EXTRA_HOLIDAYS: %w", err)
	}
	return workdays.New(loc, extra...), nil
}
