package mailin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/council/intake/internal/feedback"
)

// The tests of issue 25: one per class of real-world email the channel got wrong.

func caseOf(t *testing.T, s *stack, ref string) *feedback.Case {
	t.Helper()
	c, err := s.svc.Store.Get(context.Background(), ref)
	if err != nil {
		t.Fatalf("case %s: %v", ref, err)
	}
	return c
}

func flagged(c *feedback.Case, code feedback.FlagCode) (string, bool) {
	for _, f := range c.Flags {
		if f.Code == code {
			return f.Note, true
		}
	}
	return "", false
}

// Class 1: a Message-ID is sent back byte for byte, and threading still matches it in any case.
func TestReceive_MessageIDsKeptByteForByte(t *testing.T) {
	stacks(t, func(t *testing.T, s *stack) {
		const id = "053EA370F1C9AB4@MEMASFRK004.Example.COM"
		out := s.receive(t, complaintFrom("ada@example.com", id))
		acks := s.to(t, "ada@example.com")
		if len(acks) != 1 {
			t.Fatalf("%d acknowledgements, want 1", len(acks))
		}
		if got := acks[0].Headers["In-Reply-To"]; got != "<"+id+">" {
			t.Errorf("In-Reply-To = %q; want <%s> exactly", got, id)
		}
		if got := acks[0].Headers["References"]; got != "<"+id+">" {
			t.Errorf("References = %q; want <%s> exactly", got, id)
		}
		// Comparisons may normalise: a reply naming the id in another case still threads.
		reply := email([][2]string{{"From", "ada@example.com"}, {"To", "complaints@example.gov.uk"}, {"Subject", "more"},
			{"In-Reply-To", "<" + strings.ToLower(id) + ">"}, {"Message-ID", "<Reply-1@Mail.Example.com>"}}, "And another thing.\n")
		if got := s.receive(t, reply); got.Outcome != feedback.EmailThreaded || got.Reference != out.Reference {
			t.Errorf("reply = %+v; want threaded on %s", got, out.Reference)
		}
		if c := caseOf(t, s, out.Reference); c.MessageID != id || len(c.Messages) != 1 || c.Messages[0].MessageID != "Reply-1@Mail.Example.com" {
			t.Errorf("stored ids: case %q, messages %+v; want them as sent", c.MessageID, c.Messages)
		}
	})
}

// Class 2: a From that is not exactly one valid mailbox is never repaired into an address.
func TestReceive_InvalidSenderIsNeverRepaired(t *testing.T) {
	for _, from := range []string{"power quadrant system@example.com", "ada@example.com, ben@example.com", "Ada <ada at example.com>", "ada@"} {
		t.Run(from, func(t *testing.T) {
			s := embeddedStack(t)
			out := s.receive(t, email([][2]string{{"From", from}, {"To", "complaints@example.gov.uk"},
				{"Subject", "Bins"}, {"Message-ID", "<invalid-from@mail.example.com>"}}, "Missed again.\n"))
			if out.Outcome != feedback.EmailCreated {
				t.Fatalf("outcome %+v; want created", out)
			}
			for _, l := range s.sent(t) {
				if l.To != "triage@example.gov.uk" {
					t.Errorf("a letter went to %q: an address nobody gave", l.To)
				}
			}
			c := caseOf(t, s, out.Reference)
			if c.Contact.Email != "" {
				t.Errorf("contact email %q; want none", c.Contact.Email)
			}
			note, ok := flagged(c, feedback.FlagNoReplyAddress)
			if !ok || !strings.Contains(note, from) {
				t.Errorf("flags %+v; want %s showing the raw header %q", c.Flags, feedback.FlagNoReplyAddress, from)
			}
		})
	}
}

// Class 3: every inline text or HTML part is kept, in order; HTML parts are also kept as files.
func TestReceive_NoPartIsLost(t *testing.T) {
	s := embeddedStack(t)
	raw := "From: Ada <ada@example.com>\r\nTo: complaints@example.gov.uk\r\nSubject: Bins\r\nMessage-ID: <mixed@mail.example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n" +
		"--m\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>First the <span>HTML</span> words.</p>\r\n" +
		"--m\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThen the plain words.\r\n" +
		"--m\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=\"bin.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n" +
		"--m\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div>Ada Resident, 1 High Street</div>\r\n--m--\r\n"
	out := s.receive(t, raw)
	c := caseOf(t, s, out.Reference)
	first, plain, sig := strings.Index(c.Message, "First the HTML words."), strings.Index(c.Message, "Then the plain words."), strings.Index(c.Message, "Ada Resident, 1 High Street")
	if first < 0 || plain < first || sig < plain {
		t.Errorf("case text %q; want the three parts in order", c.Message)
	}
	if len(c.Attachments) != 3 {
		t.Errorf("attachments %v; want the two HTML parts and the image", c.Attachments)
	}
}

// Class 4: the acknowledgement goes to a single valid Reply-To, never to a no-reply address.
func TestReceive_AcknowledgesWhereSomeoneReads(t *testing.T) {
	tests := []struct {
		name    string
		from    string
		replyTo string
		ackTo   string // "" means none
	}{
		{"noreply", "Parish <noreply@example.org>", "", ""},
		{"No_Reply", "No_Reply@example.org", "", ""},
		{"do-not-reply", "DO-NOT-REPLY@example.org", "", ""},
		{"donotreply", "donotreply@example.org", "", ""},
		{"reply-to", "Parish <noreply@example.org>", "info@example.org", "info@example.org"},
		{"reply-to a person", "ada@example.com", "Ada at home <ada.home@example.net>", "ada.home@example.net"},
		{"two reply-to", "ada@example.com", "a@example.net, b@example.net", "ada@example.com"},
		{"no-reply reply-to", "ada@example.com", "no-reply@example.net", "ada@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := embeddedStack(t)
			h := [][2]string{{"From", tt.from}, {"To", "complaints@example.gov.uk"}, {"Subject", "Bins"}, {"Message-ID", "<r@mail.example.com>"}}
			if tt.replyTo != "" {
				h = append(h, [2]string{"Reply-To", tt.replyTo})
			}
			out := s.receive(t, email(h, "Missed again.\n"))
			if out.Outcome != feedback.EmailCreated {
				t.Fatalf("outcome %+v", out)
			}
			var acks []string
			for _, l := range s.sent(t) {
				if l.To != "triage@example.gov.uk" {
					acks = append(acks, l.To)
				}
			}
			want := []string{tt.ackTo}
			if tt.ackTo == "" {
				want = nil
			}
			if strings.Join(acks, ",") != strings.Join(want, ",") {
				t.Errorf("acknowledged %v; want %v", acks, want)
			}
			if _, ok := flagged(caseOf(t, s, out.Reference), feedback.FlagNoReplyAddress); ok != (tt.ackTo == "") {
				t.Errorf("flagged %s: %v; want %v", feedback.FlagNoReplyAddress, ok, tt.ackTo == "")
			}
		})
	}
}

// Class 5: the same Message-ID is the same message only when the sender and the words agree.
func TestReceive_SameMessageIDDifferentMessages(t *testing.T) {
	stacks(t, func(t *testing.T, s *stack) {
		ada := complaintFrom("ada@example.com", "same@mail.example.com")
		first := s.receive(t, ada)
		ben := email([][2]string{{"From", "Ben <ben@example.com>"}, {"To", "complaints@example.gov.uk"},
			{"Subject", "Potholes"}, {"Message-ID", "<same@mail.example.com>"}}, "The pothole on Mill Lane is deeper.\n")
		second := s.receive(t, ben)
		if second.Outcome != feedback.EmailCreated || second.Reference == first.Reference {
			t.Fatalf("a different message with the same id: %+v; want a new case (first %s)", second, first.Reference)
		}
		if c := caseOf(t, s, second.Reference); !strings.Contains(c.Message, "Mill Lane") {
			t.Errorf("second case text %q", c.Message)
		}
		// The same message again, even relayed with another header, is still one message.
		relayed := "Received: from relay.example.net\r\n" + ben
		for _, raw := range []string{ben, relayed, ada} {
			if again := s.receive(t, raw); again.Reason != "received before" {
				t.Errorf("a redelivery: %+v; want received before", again)
			}
		}
		// A different follow-up with a follow-up's id is a new message on the case.
		f1 := email([][2]string{{"From", "ada@example.com"}, {"To", "reply+" + strings.ToLower(first.Reference) + "@intake.example.gov.uk"},
			{"Subject", "more"}, {"Message-ID", "<dup-follow@mail.example.com>"}}, "First follow-up.\n")
		f2 := strings.Replace(f1, "First follow-up.", "Second follow-up.", 1)
		s.receive(t, f1)
		s.receive(t, f2)
		s.receive(t, f2)
		c := caseOf(t, s, first.Reference)
		if len(c.Messages) != 2 || c.Messages[1].Text != "Second follow-up." {
			t.Errorf("messages %+v; want both follow-ups once each", c.Messages)
		}
	})
}

// Class 7: bounces and automatic replies as real systems send them are never answered.
func TestReceive_MachineMailAsRealSystemsSendIt(t *testing.T) {
	tests := []struct {
		name    string
		headers [][2]string
		body    string
	}{
		{"post_master bounce", [][2]string{{"From", "post_master@mx.example.net"}, {"Subject", "Returned mail: see transcript for details"}},
			"The original message was received at Mon, 21 Dec 2026\n----- The following addresses had permanent fatal errors -----\n"},
		{"carrier bounce from no-reply", [][2]string{{"From", "no-reply@carrier.example.jp"}, {"Subject", "=?ISO-2022-JP?B?GyRCJWEhPCVrJSglaSE8GyhC?= (Mail error)"}},
			"Your mail could not be delivered.\n"},
		{"iCloud vacation", [][2]string{{"From", "ada@example.com"}, {"Subject", "Re: Bins"}, {"X-Apple-Action", "VACATION"}}, "I am away.\n"},
		{"X-Autoreply", [][2]string{{"From", "ada@example.com"}, {"Subject", "Re: Bins"}, {"X-Autoreply", "yes"}}, "I am away.\n"},
		{"X-Autorespond", [][2]string{{"From", "ada@example.com"}, {"Subject", "Re: Bins"}, {"X-Autorespond", "Away"}}, "I am away.\n"},
		{"autoresponder X-Mailer", [][2]string{{"From", "ada@example.com"}, {"Subject", "Re: Bins"}, {"X-Mailer", "Vacation 1.2.7"}}, "I am away.\n"},
		{"Welsh out-of-office subject from no-reply", [][2]string{{"From", "noreply@example.org"}, {"Subject", "Ateb awtomatig: Bins"}}, "I ffwrdd.\n"},
		{"German out-of-office subject", [][2]string{{"From", "ada@example.com"}, {"Subject", "Abwesenheitsnotiz: Bins"}}, "Ich bin nicht im Büro.\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := embeddedStack(t)
			h := append(append([][2]string{}, tt.headers...), [2]string{"To", "complaints@example.gov.uk"}, [2]string{"Message-ID", "<m@mail.example.com>"})
			out := s.receive(t, email(h, tt.body))
			if out.Outcome != feedback.EmailIgnored {
				t.Errorf("outcome %+v; want ignored", out)
			}
			if n := len(s.sent(t)); n != 0 {
				t.Errorf("%d letters sent; want none", n)
			}
		})
	}
	// A person writing about an out-of-office is still a person.
	s := embeddedStack(t)
	person := email([][2]string{{"From", "ada@example.com"}, {"To", "complaints@example.gov.uk"}, {"Subject", "Your out of office staff were rude"},
		{"Message-ID", "<p@mail.example.com>"}}, "Nobody answered.\n")
	if out := s.receive(t, person); out.Outcome != feedback.EmailCreated {
		t.Errorf("a person's complaint: %+v; want created", out)
	}
}

// Class 9: harmless oddities are noted in words an officer understands, not flagged.
func TestReceive_HarmlessOdditiesAreNotFlagged(t *testing.T) {
	s := embeddedStack(t)
	out := s.receive(t, email([][2]string{{"From", "Ada <ada@example.com>"}, {"To", "complaints@example.gov.uk, <Council"},
		{"Subject", "Bins"}, {"Date", "Monday 21st December 2026 about ten"}, {"Message-ID", "<odd@mail.example.com>"}}, "Missed again.\n"))
	c := caseOf(t, s, out.Reference)
	if note, ok := flagged(c, feedback.FlagUnreadable); ok {
		t.Errorf("flagged unreadable: %q; want no flag for a malformed To or Date", note)
	}
	if len(s.to(t, "ada@example.com")) != 1 {
		t.Error("the resident was not acknowledged")
	}
	// What was lost is still flagged.
	lost := "From: ada@example.com\r\nTo: complaints@example.gov.uk\r\nSubject: Bins\r\nMessage-ID: <lost@mail.example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nMissed.\r\n" +
		"--m\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not base64!!!\r\n"
	c = caseOf(t, s, s.receive(t, lost).Reference)
	if _, ok := flagged(c, feedback.FlagUnreadable); !ok {
		t.Errorf("flags %+v; want unreadable for a truncated message with damaged content", c.Flags)
	}
}
