package mailparse_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/mailparse"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// want is what one corpus message must parse to. Empty strings and nil slices in the fragment
// fields are not checked; the structured fields (auto, report, verdicts, attachments, problems)
// are always compared, so a message with none of them must have none.
type want struct {
	from        feedback.Address
	subject     string
	date        string // RFC 3339; "" means the zero time
	messageID   string // checked when set, or when noMessageID is
	noMessageID bool
	inReplyTo   []string
	references  []string

	text      string // a fragment of Text
	newText   string // a fragment of NewText
	notNew    string // a fragment that must have been cut from NewText...
	quoted    string // ...and is in Quoted
	fromHTML  bool
	forwarded bool

	attachments []string // names, in order
	inline      []string // names of the inline attachments
	auto        feedback.AutoSignals
	report      *feedback.Report
	verdicts    feedback.Verdicts
	problems    []string // each must be a fragment of one problem; none means no problems
}

func TestParse_Corpus(t *testing.T) {
	tests := map[string]want{
		"outlook-html-winmail.eml": {
			from:        feedback.Address{Name: "Priya Shah", Email: "priya.shah@example.com"},
			subject:     "RE: Your missed collection",
			date:        "2026-03-03T10:14:55Z",
			messageID:   "AM0PR01MB1234ABCD@AM0PR01MB1234.eurprd01.prod.outlook.example.com",
			text:        "not collected again this week",
			newText:     "Regards,\nPriya Shah",
			notNew:      "Sent: 02 March 2026 09:12",
			quoted:      "we will collect your bin within two working days",
			attachments: []string{"winmail.dat"},
		},
		"gmail-reply-reference.eml": {
			from:       feedback.Address{Name: "Gareth Evans", Email: "gareth.evans@example.com"},
			subject:    "Re: Your complaint FB-2026-000123 has been received",
			date:       "2026-03-03T11:02:41Z",
			messageID:  "CAFx9q=abc123def456@mail.gmail.example.com",
			inReplyTo:  []string{"0102018e-ack-000123@eu-west-2.amazonses.example.com"},
			references: []string{"0102018e-ack-000123@eu-west-2.amazonses.example.com"},
			newText:    "The pothole is still there",
			notNew:     "reference FB-2026-000123",
			quoted:     "On Mon, 2 Mar 2026 at 09:14, Intake Team <complaints@example.gov.uk>\nwrote:",
		},
		"apple-mail-inline-image.eml": {
			from:        feedback.Address{Name: "Tomos Hughes", Email: "tomos.hughes@example.org"},
			subject:     "Fly-tipping behind the library",
			date:        "2026-03-04T08:30:00Z",
			messageID:   "5C1D2E3F-AAAA-4BBB-8CCC-DDDDEEEEFFFF@example.org",
			newText:     "pile of mattresses behind the library",
			notNew:      "Sent from my iPhone",
			quoted:      "Sent from my iPhone",
			attachments: []string{"IMG_0042.png"},
			inline:      []string{"IMG_0042.png"},
		},
		"qp-windows-1252.eml": {
			from:    feedback.Address{Name: "O'Brien, Siobhan", Email: "siobhan.obrien@example.com"},
			subject: "Garden waste charge",
			date:    "2026-03-05T14:00:00Z",
			text:    "charged £45 for a “garden waste” permit I never asked for – please refund it.\nThe café",
		},
		"welsh-base64.eml": {
			from:    feedback.Address{Name: "Siôn ap Rhys", Email: "sion@example.cymru"},
			subject: "Cwyn: dŵr ar y ffordd ger tŷ fy nain",
			date:    "2026-03-06T09:00:00Z",
			newText: "Mae'r ffordd ger tŷ fy nain yn beryglus. Mae'r dŵr yn llifo",
		},
		"polish-base64.eml": {
			from:    feedback.Address{Name: "Agnieszka Nowak", Email: "agnieszka.nowak@example.com"},
			subject: "Śmieci nie odebrane",
			date:    "2026-03-06T10:00:00+01:00",
			text:    "Zażółć gęślą jaźń – śmieci nie zostały odebrane",
		},
		"arabic-base64.eml": {
			from:    feedback.Address{Name: "فاطمة حسن", Email: "fatima.hassan@example.org"},
			subject: "شكوى بخصوص القمامة",
			date:    "2026-03-07T12:00:00+03:00",
			text:    "لم يتم جمع القمامة من شارعنا منذ أسبوعين.",
		},
		"iso-2022-jp.eml": {
			from:    feedback.Address{Name: "Yuki Tanaka", Email: "yuki.tanaka@example.com"},
			subject: "街灯の故障",
			date:    "2026-03-08T07:00:00+09:00",
			text:    "公園の街灯が壊れています。",
		},
		"html-only.eml": {
			from:     feedback.Address{Name: "Robert Clarke", Email: "rob.clarke@example.com"},
			subject:  "Parking permit",
			date:     "2026-03-09T16:45:00Z",
			text:     "My parking permit renewal cost £60 & it still hasn't arrived.",
			notNew:   "alert(1)",
			fromHTML: true,
			// The HTML the words came from is kept as a file (issue 25).
			attachments: []string{"attachment-1.html"},
		},
		"html-only-reply.eml": {
			from:      feedback.Address{Name: "Nia Williams", Email: "nia.williams@example.com"},
			subject:   "Re: Your complaint FB-2026-000300",
			date:      "2026-03-17T10:00:00Z",
			inReplyTo: []string{"ack-000300@example.gov.uk"},
			newText:   "Yes, the graffiti is still on the bus shelter.",
			notNew:    "Is the graffiti still there?",
			quoted:    "> Is the graffiti still there?",
			fromHTML:  true,
			// The HTML the words came from is kept as a file (issue 25).
			attachments: []string{"attachment-1.html"},
		},
		"attachments.eml": {
			from:        feedback.Address{Name: "Helen Morris", Email: "helen.morris@example.com"},
			subject:     "Damp in my council flat",
			date:        "2026-03-10T10:00:00Z",
			text:        "surveyor's letter and a photo",
			attachments: []string{"surveyor-letter.pdf", "damp photo.jpg"},
		},
		"forwarded-gmail.eml": {
			from:      feedback.Address{Name: "Daniel Price", Email: "daniel.price@example.com"},
			subject:   "Fwd: Noise from the depot",
			date:      "2026-03-11T08:00:00Z",
			newText:   "Forwarding my neighbour's email",
			notNew:    "reversing at 4am",
			quoted:    "---------- Forwarded message ---------\nFrom: Margaret Bell",
			forwarded: true,
		},
		"reply-in-reply-to-only.eml": {
			from:      feedback.Address{Name: "Keith Walker", Email: "keith.walker@example.com"},
			subject:   "Re: your letter",
			date:      "2026-03-12T13:00:00Z",
			messageID: "reply.2@example.com",
			inReplyTo: []string{"letter-0001@example.gov.uk"},
			newText:   "want to go to stage 2",
		},
		"exchange-out-of-office.eml": {
			from:      feedback.Address{Name: "Alan Jones", Email: "alan.jones@example.com"},
			subject:   "Automatic reply: Your complaint FB-2026-000200",
			date:      "2026-03-13T09:00:01Z",
			inReplyTo: []string{"ack-000200@example.gov.uk"},
			text:      "out of the office until 23 March",
			auto:      feedback.AutoSignals{AutoSubmitted: "auto-generated", AutoResponseSuppress: "All"},
		},
		"gmail-vacation.eml": {
			from:       feedback.Address{Name: "Lucy Green", Email: "lucy.green@example.com"},
			subject:    "Re: Your complaint FB-2026-000201",
			date:       "2026-03-13T09:05:00Z",
			inReplyTo:  []string{"ack-000201@example.gov.uk"},
			references: []string{"ack-000201@example.gov.uk"},
			text:       "on holiday",
			auto:       feedback.AutoSignals{AutoSubmitted: "auto-replied", Precedence: "bulk", ReturnPath: "lucy.green@example.com"},
		},
		"x-autoreply.eml": {
			from:    feedback.Address{Name: "Info Desk", Email: "info@example.org"},
			subject: "Thank you for your email",
			date:    "2026-03-18T10:00:00Z",
			text:    "reply within 5 days",
			auto:    feedback.AutoSignals{AutoReplyHeader: true, AutoReplyBy: "X-Autoreply"},
		},
		"bounce-rfc3464.eml": {
			from:        feedback.Address{Name: "Mail Delivery Subsystem", Email: "mailer-daemon@mx.example.net"},
			subject:     "Undelivered Mail Returned to Sender",
			date:        "2026-03-02T09:14:05Z",
			text:        "could not\nbe delivered",
			attachments: []string{"attachment-1.txt", "attachment-2.eml"},
			auto:        feedback.AutoSignals{AutoSubmitted: "auto-replied", NullReturnPath: true, FromDaemon: true},
			report: &feedback.Report{
				Type:               "delivery-status",
				Recipients:         []feedback.ReportRecipient{{Email: "nobody.here@example.net", Action: "failed", Status: "5.1.1"}},
				OriginalMessageIDs: []string{"0102018e-ack-000123@eu-west-2.amazonses.example.com"},
			},
		},
		"bounce-exchange-headers.eml": {
			from:        feedback.Address{Email: "postmaster@example.org"},
			subject:     "Undeliverable: Reminder about your complaint",
			date:        "2026-03-03T10:00:00Z",
			text:        "Delivery has failed to these recipients or groups.",
			attachments: []string{"attachment-1.txt", "attachment-2.txt"},
			auto:        feedback.AutoSignals{NullReturnPath: true, FromDaemon: true},
			report: &feedback.Report{
				Type: "delivery-status",
				Recipients: []feedback.ReportRecipient{
					{Email: "first.person@example.org", Action: "failed", Status: "5.2.2"},
					{Email: "second.person@example.org", Action: "failed", Status: "5.1.10"},
				},
				OriginalMessageIDs: []string{"reminder-77@example.gov.uk"},
			},
		},
		"delay-report.eml": {
			from:        feedback.Address{Email: "mailer-daemon@relay.example.com"},
			subject:     "Delayed Mail (still being retried)",
			date:        "2026-03-03T14:00:00Z",
			text:        "It will be retried.",
			attachments: []string{"attachment-1.txt"},
			auto:        feedback.AutoSignals{NullReturnPath: true, FromDaemon: true},
			report: &feedback.Report{
				Type:       "delivery-status",
				Recipients: []feedback.ReportRecipient{{Email: "slow.server@example.net", Action: "delayed", Status: "4.4.1"}},
			},
		},
		"mailer-daemon-plain.eml": {
			from:    feedback.Address{Name: "Mail Delivery System", Email: "mailer-daemon@mx.example.com"},
			subject: "Mail delivery failed: returning message to sender",
			date:    "2026-03-16T10:00:00Z",
			text:    "This is a permanent error.",
			auto:    feedback.AutoSignals{NullReturnPath: true, FromDaemon: true},
		},
		"mailing-list.eml": {
			from:    feedback.Address{Name: "Parish News", Email: "news@lists.example.org"},
			subject: "[Parish News] March newsletter",
			date:    "2026-03-04T07:00:00Z",
			text:    "summer fete",
			auto: feedback.AutoSignals{
				Precedence:      "list",
				ListID:          "Parish News <residents.lists.example.org>",
				ListUnsubscribe: "<mailto:leave@lists.example.org>, <https://lists.example.org/leave>",
			},
		},
		"encoded-subject-split.eml": {
			from:    feedback.Address{Name: "Renée Dubois", Email: "renee.dubois@example.com"},
			subject: "Complaint about the road in Llanfair—it is dangerous",
			date:    "2026-03-05T18:00:00Z",
			text:    "no pavement",
		},
		"no-date-no-message-id.eml": {
			from:        feedback.Address{Email: "anon@example.net"},
			subject:     "Street light out",
			noMessageID: true,
			text:        "outside number 4",
		},
		"truncated-multipart.eml": {
			from:        feedback.Address{Name: "Emma Wilson", Email: "emma.wilson@example.com"},
			subject:     "Overgrown hedge",
			date:        "2026-03-06T11:00:00Z",
			text:        "blocks the pavement",
			attachments: []string{"plan.pdf"},
			problems:    []string{"may be truncated"},
		},
		"unknown-charset.eml": {
			from:     feedback.Address{Name: "Zed Example", Email: "zed@example.com"},
			subject:  "Library opening hours",
			date:     "2026-03-07T10:00:00Z",
			text:     "open on Sundays",
			problems: []string{"character set that could not be read"},
		},
		"deep-nesting.eml": {
			from:     feedback.Address{Name: "Mallory Example", Email: "mallory@example.com"},
			subject:  "Nested",
			date:     "2026-03-08T10:00:00Z",
			text:     "Top level text that must survive.",
			notNew:   "deep secret",
			problems: []string{"nested more than 20 levels deep was not opened"},
		},
		"inline-reply.eml": {
			from:       feedback.Address{Name: "Ian Fletcher", Email: "ian.fletcher@example.com"},
			subject:    "Re: Questions about your complaint FB-2026-000150",
			date:       "2026-03-09T12:00:00Z",
			inReplyTo:  []string{"q-000150@example.gov.uk"},
			references: []string{"ack-000150@example.gov.uk", "q-000150@example.gov.uk"},
			newText:    "About three weeks ago.\n\nNobody has visited.",
			notNew:     "Has anyone from the council visited?",
			quoted:     "wrote:\n> When did the leak start?",
		},
		"signature.eml": {
			from:    feedback.Address{Name: "Jane Doe", Email: "jane.doe@example.com"},
			subject: "Thank you to the library staff",
			date:    "2026-03-10T15:00:00Z",
			newText: "thank the staff at Westgate library",
			notNew:  "07700 900123",
			quoted:  "-- \nJane Doe\n07700 900123",
		},
		"outlook-original-message.eml": {
			from:    feedback.Address{Name: "Brown, Michael", Email: "michael.brown@example.co.uk"},
			subject: "RE: Council tax band",
			date:    "2026-03-11T09:30:00Z",
			newText: "the house next door is band B.",
			notNew:  "Your property is in band C.",
			quoted:  "-----Original Message-----\nFrom: Council Tax",
		},
		"outlook-welsh.eml": {
			from:    feedback.Address{Name: "Gwen Morgan", Email: "gwen.morgan@example.cymru"},
			subject: "ATB: Biniau",
			date:    "2026-03-19T10:00:00Z",
			newText: "Dydy'r biniau ddim wedi cael eu casglu eto.",
			notNew:  "Byddwn yn casglu",
			quoted:  "Oddi wrth: Gwasanaethau Gwastraff",
		},
		"ses-verdicts.eml": {
			from:    feedback.Address{Name: "Prize Desk", Email: "winner@example.net"},
			subject: "You have won",
			date:    "2026-03-12T07:59:00Z",
			text:    "Claim your prize now.",
			auto:    feedback.AutoSignals{ReturnPath: "bulk@example.net"},
			// The sender's own "spf=pass; dkim=pass; dmarc=pass" further down is ignored.
			verdicts: feedback.Verdicts{Spam: "FAIL", Virus: "PASS", SPF: "FAIL", DKIM: "FAIL", DMARC: "FAIL"},
		},
		"header-injection.eml": {
			from:    feedback.Address{Name: "Eve Bcc: victim@example.org", Email: "eve@example.com"},
			subject: "Hello Bcc: victim@example.org tab",
			date:    "2026-03-13T10:00:00Z",
			text:    "Just testing.",
		},
		"many-attachments.eml": {
			from:    feedback.Address{Name: "Sam Lee", Email: "sam.lee@example.com"},
			subject: "All my receipts",
			date:    "2026-03-14T10:00:00Z",
			text:    "Receipts attached.",
			attachments: func() []string {
				var n []string
				for i := 1; i <= 20; i++ {
					n = append(n, "receipt-"+twoDigits(i)+".csv")
				}
				return n
			}(),
			problems: []string{"the message has 25 attachments; only the first 20 were kept"},
		},
		"nasty-filenames.eml": {
			from:    feedback.Address{Name: "Mallory Example", Email: "mallory@example.com"},
			subject: "Files",
			date:    "2026-03-15T10:00:00Z",
			text:    "See files.",
			attachments: []string{
				"passwd",
				"invoicefdp.exe", // the right-to-left override that made it read "invoiceexe.pdf" is gone
				"attachment-3",
				"_CON.txt",
				strings.Repeat("a", 116) + ".pdf",
				"café menu.pdf",
				"hidden",
			},
		},
		"attached-message.eml": {
			from:        feedback.Address{Name: "Omar Farouk", Email: "omar.farouk@example.com"},
			subject:     "FW: Penalty charge notice",
			date:        "2026-03-16T11:00:00Z",
			newText:     "I was parked legally",
			attachments: []string{"attachment-1.eml"},
		},
		"headerless.eml": {
			text:     "Hello council,\nthe bins were not collected on Friday.",
			problems: []string{"no readable header"},
		},
	}

	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(tests) {
		t.Errorf("%d .eml files in testdata, %d in the table: every file needs its expectations", len(files), len(tests))
	}
	for name, w := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := os.Open(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			m, err := mailparse.Parse(f, mailparse.Limits{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			check(t, m, w)
		})
	}
}

func twoDigits(i int) string { return string([]byte{byte('0' + i/10), byte('0' + i%10)}) }

func check(t *testing.T, m *feedback.InboundEmail, w want) {
	t.Helper()
	if m.From != w.from {
		t.Errorf("From = %+v, want %+v", m.From, w.from)
	}
	if m.Subject != w.subject {
		t.Errorf("Subject = %q, want %q", m.Subject, w.subject)
	}
	wantDate := time.Time{}
	if w.date != "" {
		wantDate, _ = time.Parse(time.RFC3339, w.date)
	}
	if !m.Date.Equal(wantDate) {
		t.Errorf("Date = %v, want %v", m.Date, wantDate)
	}
	if (w.messageID != "" || w.noMessageID) && m.MessageID != w.messageID {
		t.Errorf("MessageID = %q, want %q", m.MessageID, w.messageID)
	}
	if diff := cmp.Diff(w.inReplyTo, m.InReplyTo, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("InReplyTo (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(w.references, m.References, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("References (-want +got):\n%s", diff)
	}
	if !strings.Contains(m.Text, w.text) {
		t.Errorf("Text = %q, want it to contain %q", m.Text, w.text)
	}
	if !strings.Contains(m.NewText, w.newText) {
		t.Errorf("NewText = %q, want it to contain %q", m.NewText, w.newText)
	}
	if w.notNew != "" && strings.Contains(m.NewText, w.notNew) {
		t.Errorf("NewText = %q, want %q cut from it", m.NewText, w.notNew)
	}
	if !strings.Contains(m.Quoted, w.quoted) {
		t.Errorf("Quoted = %q, want it to contain %q", m.Quoted, w.quoted)
	}
	if m.TextFromHTML != w.fromHTML {
		t.Errorf("TextFromHTML = %v, want %v", m.TextFromHTML, w.fromHTML)
	}
	if m.Forwarded != w.forwarded {
		t.Errorf("Forwarded = %v, want %v", m.Forwarded, w.forwarded)
	}
	var names, inline []string
	for _, a := range m.Attachments {
		names = append(names, a.Name)
		if a.Inline {
			inline = append(inline, a.Name)
		}
		if a.Size != len(a.Content) || a.Size == 0 {
			t.Errorf("attachment %q: Size %d, %d bytes of content", a.Name, a.Size, len(a.Content))
		}
		if a.ContentType == "" {
			t.Errorf("attachment %q has no content type", a.Name)
		}
	}
	if diff := cmp.Diff(w.attachments, names, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("attachment names (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(w.inline, inline, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("inline attachments (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(w.auto, m.Auto); diff != "" {
		t.Errorf("Auto (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(w.report, m.Report, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Report (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(w.verdicts, m.Verdicts); diff != "" {
		t.Errorf("Verdicts (-want +got):\n%s", diff)
	}
	if len(w.problems) == 0 && len(m.Problems) > 0 {
		t.Errorf("Problems = %q, want none", m.Problems)
	}
	for _, p := range w.problems {
		if !containsFragment(m.Problems, p) {
			t.Errorf("Problems = %q, want one containing %q", m.Problems, p)
		}
	}
	checkSafe(t, m)
}

func containsFragment(list []string, frag string) bool {
	for _, s := range list {
		if strings.Contains(s, frag) {
			return true
		}
	}
	return false
}

// checkSafe asserts what every parse must guarantee, whatever the input: one-line fields hold no
// line break or NUL, and nothing of Text was lost between NewText and Quoted.
func checkSafe(t testing.TB, m *feedback.InboundEmail) {
	t.Helper()
	single := []string{m.From.Name, m.From.Email, m.Subject, m.MessageID,
		m.Auto.AutoSubmitted, m.Auto.Precedence, m.Auto.AutoResponseSuppress, m.Auto.ListID,
		m.Auto.ListUnsubscribe, m.Auto.ReturnPath}
	single = append(single, m.InReplyTo...)
	single = append(single, m.References...)
	for _, list := range [][]feedback.Address{m.ReplyTo, m.To, m.Cc} {
		for _, a := range list {
			single = append(single, a.Name, a.Email)
		}
	}
	for _, a := range m.Attachments {
		single = append(single, a.Name, a.ContentType, a.ContentID)
		if strings.ContainsAny(a.Name, `/\`) || a.Name == "" || len(a.Name) > 120 {
			t.Errorf("attachment name %q is not safe", a.Name)
		}
	}
	if m.Report != nil {
		single = append(single, m.Report.Type)
		single = append(single, m.Report.OriginalMessageIDs...)
		for _, r := range m.Report.Recipients {
			single = append(single, r.Email, r.Action, r.Status)
		}
	}
	for _, s := range single {
		if strings.ContainsAny(s, "\r\n\x00") {
			t.Errorf("one-line field %q holds a CR, LF or NUL", s)
		}
	}
	for _, s := range []string{m.Text, m.NewText, m.Quoted} {
		if strings.ContainsAny(s, "\r\x00") {
			t.Errorf("text %q holds a CR or NUL", s)
		}
	}
	kept := map[string]bool{}
	for _, l := range strings.Split(m.NewText+"\n"+m.Quoted, "\n") {
		kept[strings.TrimSpace(l)] = true
	}
	for _, l := range strings.Split(m.Text, "\n") {
		if strings.TrimSpace(l) != "" && !kept[strings.TrimSpace(l)] {
			t.Errorf("line %q of Text is in neither NewText nor Quoted", l)
			break
		}
	}
}
