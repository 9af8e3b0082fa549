package feedback

import (
	"log/slog"
	"sort"
	"strings"

	"github.com/council/intake/internal/workdays"
)

// Council is who Intake speaks for: the name and contact details residents see in every email,
// and the addresses mail goes from.
type Council struct {
	Name    string
	Phone   string
	Website string
	// From is the address acknowledgements and officer emails are sent from.
	From string
	// ReplyDomain receives replies: each case's Reply-To is reply+<ref>@ReplyDomain, so a reply
	// finds its case even if the resident edits the subject.
	ReplyDomain string
	// ReportIntroduction is the annual report's introduction, as the complaints team writes it:
	// paragraphs separated by a blank line. Empty: the report starts with its summary.
	ReportIntroduction string
	// ReportEmptyAreas lists every service area in the report's by-area tables, zeros
	// included; otherwise an area with nothing to report is left out.
	ReportEmptyAreas bool
	// ConsoleURL is the officer console's base URL (e.g. https://intake.example.gov.uk); the
	// assignment and reminder emails link from it straight to the case. Empty: no link.
	ConsoleURL string
}

// Routing maps service areas to the officer or team mailbox that owns them; anything else goes
// to the triage mailbox.
type Routing struct {
	// Areas maps each service area's key (lower case, as the form and the staff directory
	// write it) to its mailbox.
	Areas map[string]string
	// Names are the areas' display names by key ("planning" → "Development Services"), as the
	// report shows them; an area without one is shown as AreaLabel writes its key.
	Names  map[string]string
	Triage string
}

// Label is area's display name: the configured one, or its key made readable.
func (r Routing) Label(area string) string {
	if n := r.Names[area]; n != "" {
		return n
	}
	return AreaLabel(area)
}

// Find matches s to a service area by its key or its display name, ignoring case and the
// spaces round it, as a person (or an earlier system) writes it.
func (r Routing) Find(s string) (key string, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", false
	}
	for _, a := range r.AreaNames() {
		if strings.EqualFold(a, s) || strings.EqualFold(r.Label(a), s) {
			return a, true
		}
	}
	return "", false
}

// AreaNames lists the service areas in alphabetical order.
func (r Routing) AreaNames() []string {
	names := make([]string, 0, len(r.Areas))
	for a := range r.Areas {
		names = append(names, a)
	}
	sort.Strings(names)
	return names
}

// Owner returns the mailbox for area, or the triage mailbox.
func (r Routing) Owner(area string) string {
	if m, ok := r.Areas[area]; ok && m != "" {
		return m
	}
	return r.Triage
}

// AreaLabel turns a service-area key such as "bins-and-recycling" into "Bins and recycling".
func AreaLabel(area string) string {
	if area == "" {
		return "Not sure"
	}
	s := strings.ReplaceAll(area, "-", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// Service is the intake and lifecycle service: it takes submissions in, stores them and then
// carries out their side effects.
type Service struct {
	Store     Store
	Mailer    Mailer
	Scheduler Scheduler
	Clock     Clock
	Calendar  *workdays.Calendar
	Policy    Policy
	Council   Council
	Routing   Routing
	// Staff is the directory of who may work cases, and in what role; managers in it receive
	// overdue reminders for their areas.
	Staff Directory
	Log   *slog.Logger
	// Metrics, when set, counts what the service does (CloudWatch, through internal/emf).
	Metrics Metrics
	// Blobs keeps raw inbound mail and attachments (the email channel).
	Blobs Blobs
	// Mailboxes maps the addresses Intake receives mail at to the kind of feedback sent there;
	// KindAuto lets the words decide.
	Mailboxes map[string]Kind

	// Workers are how this process claims side effects.
	Workers WorkerSettings
	// AckLimit is the most acknowledgements sent to one address in 24 hours (0: no limit);
	// further items from that address are stored and flagged, not acknowledged.
	AckLimit int
	// Restrictions is the restrictions register, against which every new message is screened.
	Restrictions RestrictionStore
	// Markers is the staff-safety list, shown with the cases of the people on it.
	Markers MarkerStore
	// Sealer, when set (AWS), seals each sign-in link's email into its link item for the
	// notifier to send from the table's stream (SignIn.RequestLink, LinkCourier).
	Sealer Sealer
	// ReplyTemplates are the saved replies officers may start a reply to a resident from.
	ReplyTemplates []ReplyTemplate
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}
