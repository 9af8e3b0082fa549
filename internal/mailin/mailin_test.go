package mailin_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/jhillyerd/enmime/v2"

	"github.com/council/intake/internal/clock"
	"github.com/council/intake/internal/dynamo"
	"github.com/council/intake/internal/embedded/embeddedtest"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/mailin"
	"github.com/council/intake/internal/mailparse"
	"github.com/council/intake/internal/mototest"
	"github.com/council/intake/internal/s3blobs"
	"github.com/council/intake/internal/schedule"
	"github.com/council/intake/internal/sesmail"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// monday is 10:00 on Monday 21 December 2026.
var monday = time.Date(2026, 12, 21, 10, 0, 0, 0, time.UTC)

// letter is an email Intake sent, as read back from wherever the stack keeps sent mail.
type letter struct {
	To, Subject, Text string
	Headers           map[string]string
}

// stack is Intake with one set of adapters: the embedded ones, or AWS's on moto.
type stack struct {
	svc   *feedback.Service
	recv  *mailin.Receiver
	clock *clock.Fixed
	sent  func(t *testing.T) []letter
	// tags, on moto, returns the tags of a stored object as key=value.
	tags func(t *testing.T, key string) []string
	// files, in the corpus test, names the message each case was opened by.
	files map[string]string
}

// council is the council both stacks serve.
var council = embeddedtest.Options{
	Now: monday,
	Council: feedback.Council{Name: "Example District Council", From: "Example District Council <feedback@intake.example.gov.uk>",
		ReplyDomain: "intake.example.gov.uk"},
	Routing:   feedback.Routing{Areas: map[string]string{}, Triage: "triage@example.gov.uk"},
	Mailboxes: map[string]feedback.Kind{"complaints@example.gov.uk": feedback.KindComplaint, "feedback@example.gov.uk": feedback.KindAuto},
	AckLimit:  3,
}

func embeddedStack(t *testing.T) *stack {
	st := embeddedtest.Open(t, council)
	return &stack{svc: st.Service, clock: st.Clock,
		recv: &mailin.Receiver{Blobs: st.Blobs, Service: st.Service, Limits: mailparse.DefaultLimits(), Log: slog.New(slog.DiscardHandler)},
		sent: func(t *testing.T) []letter {
			all, err := st.Outbox.List()
			if err != nil {
				t.Fatal(err)
			}
			var out []letter
			for _, m := range all {
				// The outbox keeps what the mailer writes itself as fields, not headers.
				h := map[string]string{"Reply-To": m.ReplyTo, "Message-Id": "<" + m.MessageID + ">"}
				for k, v := range m.Headers {
					h[k] = v
				}
				out = append(out, letter{To: m.To[0], Subject: m.Subject, Text: m.Text, Headers: h})
			}
			return out
		}}
}

var names atomic.Int64

func awsStack(t *testing.T) *stack {
	ctx := context.Background()
	url := mototest.Endpoint(t)
	cfg := mototest.Config()
	cfg.BaseEndpoint = aws.String(url)
	n := names.Add(1)
	table, bucket, group := fmt.Sprintf("mailin-%d-%d", time.Now().UnixNano(), n), fmt.Sprintf("mailin-%d-%d", time.Now().UnixNano(), n), fmt.Sprintf("mailin-%d", n)
	db := dynamodb.NewFromConfig(cfg)
	if err := dynamo.CreateTable(ctx, db, table); err != nil {
		t.Fatal(err)
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(mototest.Region)}}); err != nil {
		t.Fatal(err)
	}
	ses := sesv2.NewFromConfig(cfg)
	if _, err := ses.CreateEmailIdentity(ctx, &sesv2.CreateEmailIdentityInput{EmailIdentity: aws.String("intake.example.gov.uk")}); err != nil {
		t.Fatal(err)
	}
	sc := scheduler.NewFromConfig(cfg)
	if _, err := sc.CreateScheduleGroup(ctx, &scheduler.CreateScheduleGroupInput{Name: aws.String(group)}); err != nil {
		t.Fatal(err)
	}
	sched, err := schedule.New(sc, schedule.Config{Group: group,
		TargetARN: "arn:aws:lambda:eu-west-2:123456789012:function:reminders", RoleARN: "arn:aws:iam::123456789012:role/scheduler"})
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFixed(monday)
	svc := council.Service(t, clk)
	svc.Store = dynamo.New(db, table, clk)
	svc.Mailer = sesmail.New(ses, sesmail.WithClock(clk))
	svc.Scheduler = sched
	svc.Blobs = s3blobs.New(cfg, bucket)
	since := len(mototest.SentRaw(t, url))
	var read []letter
	return &stack{svc: &svc, clock: clk,
		tags: func(t *testing.T, key string) []string {
			out, err := s3c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatal(err)
			}
			var tags []string
			for _, tg := range out.TagSet {
				tags = append(tags, aws.ToString(tg.Key)+"="+aws.ToString(tg.Value))
			}
			return tags
		},
		recv: &mailin.Receiver{Blobs: svc.Blobs, Service: &svc, Bucket: bucket, Limits: mailparse.DefaultLimits(), Log: slog.New(slog.DiscardHandler)},
		sent: func(t *testing.T) []letter {
			// Each letter is parsed once: a corpus run reads the list after every message.
			for _, r := range mototest.SentRaw(t, url)[since+len(read):] {
				env, err := enmime.ReadEnvelope(strings.NewReader(r.RawData))
				if err != nil {
					t.Fatal(err)
				}
				h := map[string]string{}
				for _, k := range env.GetHeaderKeys() {
					h[k] = env.GetHeader(k)
				}
				to, _ := env.AddressList("To")
				read = append(read, letter{To: to[0].Address, Subject: env.GetHeader("Subject"), Text: env.Text, Headers: h})
			}
			return slices.Clone(read)
		}}
}

// stacks runs a test on every stack.
func stacks(t *testing.T, run func(t *testing.T, s *stack)) {
	t.Run("embedded", func(t *testing.T) { run(t, embeddedStack(t)) })
	t.Run("aws-on-moto", func(t *testing.T) { run(t, awsStack(t)) })
}

// receive stores raw as SES would, takes it in, and carries out the side effects as the
// notifier would.
func (s *stack) receive(t *testing.T, raw string) feedback.EmailOutcome {
	t.Helper()
	ctx := context.Background()
	key, err := s.recv.Store(ctx, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.recv.Receive(ctx, key)
	if err != nil {
		t.Fatalf("Receive: %v", err)
	}
	if out.Reference != "" {
		if err := s.svc.Process(ctx, out.Reference); err != nil {
			t.Fatalf("Process %s: %v", out.Reference, err)
		}
	}
	return out
}

func (s *stack) to(t *testing.T, addr string) []letter {
	var out []letter
	for _, l := range s.sent(t) {
		if strings.EqualFold(l.To, addr) {
			out = append(out, l)
		}
	}
	return out
}

// email writes a message the way a mail program would.
func email(headers [][2]string, body string) string {
	var b strings.Builder
	for _, h := range headers {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	b.WriteString(strings.ReplaceAll(body, "\n", "\r\n"))
	return b.String()
}

func complaintFrom(sender, id string) string {
	return email([][2]string{
		{"From", "Ada Resident <" + sender + ">"}, {"To", "complaints@example.gov.uk"},
		{"Subject", "Bins missed again"}, {"Message-ID", "<" + id + ">"}, {"Date", "Mon, 21 Dec 2026 09:58:00 +0000"},
	}, "My bins have been missed for the third week running.\n")
}

func TestReceive_CreatesAndAcknowledgesAsAReply(t *testing.T) {
	stacks(t, func(t *testing.T, s *stack) {
		out := s.receive(t, complaintFrom("ada@example.com", "first@mail.example.com"))
		if out.Outcome != feedback.EmailCreated || out.Reference != "FB-2026-000001" {
			t.Fatalf("outcome = %+v; want created FB-2026-000001", out)
		}
		acks := s.to(t, "ada@example.com")
		if len(acks) != 1 {
			t.Fatalf("%d letters to the sender, want 1 acknowledgement", len(acks))
		}
		ack := acks[0]
		for name, ok := range map[string]bool{
			"subject answers theirs with the reference": ack.Subject == "Re: Bins missed again [FB-2026-000001]",
			"In-Reply-To is their Message-ID":           ack.Headers["In-Reply-To"] == "<first@mail.example.com>",
			"References is their Message-ID":            ack.Headers["References"] == "<first@mail.example.com>",
			"Reply-To finds the case":                   strings.Contains(ack.Headers["Reply-To"], "reply+fb-2026-000001@intake.example.gov.uk"),
			"auto-replied":                              ack.Headers["Auto-Submitted"] == "auto-replied",
		} {
			if !ok {
				t.Errorf("acknowledgement: %s: headers %v, subject %q", name, ack.Headers, ack.Subject)
			}
		}
		assign := s.to(t, "triage@example.gov.uk")
		if len(assign) != 1 || !strings.Contains(assign[0].Text, "by email") {
			t.Errorf("assignment = %+v; want one saying it came by email", assign)
		}
		// SES and S3 deliver at least once: the same message again changes nothing.
		if again := s.receive(t, complaintFrom("ada@example.com", "first@mail.example.com")); again.Reference != out.Reference {
			t.Errorf("the same message again gave %+v", again)
		}
		if n := len(s.sent(t)); n != 2 {
			t.Errorf("%d letters after a redelivery, want 2", n)
		}
	})
}

func TestReceive_Threading(t *testing.T) {
	tests := []struct {
		name    string
		reply   func(ackID string) [][2]string
		want    string // outcome
		sameRef bool
	}{
		{"the reply address alone", func(string) [][2]string {
			return [][2]string{{"From", "ada@example.com"}, {"To", "reply+fb-2026-000001@intake.example.gov.uk"}, {"Subject", "more"}, {"Message-ID", "<r1@mail.example.com>"}}
		}, feedback.EmailThreaded, true},
		{"In-Reply-To alone", func(ack string) [][2]string {
			return [][2]string{{"From", "ada@example.com"}, {"To", "complaints@example.gov.uk"}, {"Subject", "more"}, {"In-Reply-To", ack}, {"Message-ID", "<r2@mail.example.com>"}}
		}, feedback.EmailThreaded, true},
		{"the reference in the subject alone", func(string) [][2]string {
			return [][2]string{{"From", "Ada <ADA@example.com>"}, {"To", "complaints@example.gov.uk"}, {"Subject", "About fb-2026-000001"}, {"Message-ID", "<r3@mail.example.com>"}}
		}, feedback.EmailThreaded, true},
		{"the reference from a stranger opens a new case", func(string) [][2]string {
			return [][2]string{{"From", "eve@example.com"}, {"To", "complaints@example.gov.uk"}, {"Subject", "Re: FB-2026-000001"}, {"Message-ID", "<r4@mail.example.com>"}}
		}, feedback.EmailCreated, false},
		{"a reference that does not exist opens a new case", func(string) [][2]string {
			return [][2]string{{"From", "ada@example.com"}, {"To", "complaints@example.gov.uk"}, {"Subject", "Re: FB-2026-000999"}, {"Message-ID", "<r5@mail.example.com>"}}
		}, feedback.EmailCreated, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stacks(t, func(t *testing.T, s *stack) {
				first := s.receive(t, complaintFrom("ada@example.com", "first@mail.example.com"))
				ack := s.to(t, "ada@example.com")[0]
				before := len(s.sent(t))
				s.clock.Advance(time.Hour)
				out := s.receive(t, email(tt.reply(ack.Headers["Message-Id"]), "I have more to add.\n"))
				if out.Outcome != tt.want || (out.Reference == first.Reference) != tt.sameRef {
					t.Fatalf("outcome = %+v; want %s (same case: %v)", out, tt.want, tt.sameRef)
				}
				if !tt.sameRef {
					return
				}
				letters := s.sent(t)[before:]
				if len(letters) != 1 || letters[0].To != "triage@example.gov.uk" || !strings.Contains(letters[0].Text, "I have more to add.") {
					t.Errorf("after a threaded reply: %+v; want only the officer told, with the words", letters)
				}
				c, _ := s.svc.Store.Get(context.Background(), first.Reference)
				if len(c.Messages) != 1 || c.Messages[0].Text != "I have more to add." {
					t.Errorf("messages on the case: %+v", c.Messages)
				}
			})
		})
	}
}

func TestReceive_NeverAnswersMachines(t *testing.T) {
	stacks(t, func(t *testing.T, s *stack) {
		first := s.receive(t, complaintFrom("ada@example.com", "first@mail.example.com"))
		ackID := s.to(t, "ada@example.com")[0].Headers["Message-Id"]
		before := len(s.sent(t))
		outOfOffice := email([][2]string{{"From", "ada@example.com"}, {"To", "reply+fb-2026-000001@intake.example.gov.uk"},
			{"Subject", "Automatic reply: Re: Bins missed again"}, {"Auto-Submitted", "auto-replied"}, {"In-Reply-To", ackID},
			{"Message-ID", "<ooo@mail.example.com>"}}, "I am away until January.\n")
		list := email([][2]string{{"From", "news@lists.example.org"}, {"To", "feedback@example.gov.uk"}, {"Subject", "Newsletter"},
			{"List-Id", "<news.lists.example.org>"}, {"Message-ID", "<list@lists.example.org>"}}, "This month's news.\n")
		ours := email([][2]string{{"From", "feedback@intake.example.gov.uk"}, {"To", "complaints@example.gov.uk"}, {"Subject", "loop"},
			{"Message-ID", "<loop@intake.example.gov.uk>"}}, "Our own letter come back.\n")
		bounce := "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.net>\r\nTo: feedback@intake.example.gov.uk\r\n" +
			"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <bounce@mx.example.net>\r\nMIME-Version: 1.0\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
			"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.net\r\n\r\n" +
			"Final-Recipient: rfc822; ada@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n" +
			"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: feedback@intake.example.gov.uk\r\nTo: ada@example.com\r\n" +
			"Subject: Re: Bins missed again [FB-2026-000001]\r\nMessage-ID: " + ackID + "\r\n\r\n--b--\r\n"
		for name, raw := range map[string]string{"out of office": outOfOffice, "mailing list": list, "our own address": ours, "bounce": bounce} {
			if out := s.receive(t, raw); out.Outcome != feedback.EmailIgnored {
				t.Errorf("%s: outcome %+v, want ignored", name, out)
			}
		}
		letters := s.sent(t)[before:]
		if len(letters) != 1 || letters[0].To != "triage@example.gov.uk" || !strings.Contains(letters[0].Subject, "bounced") {
			t.Errorf("letters after four machine messages: %+v; want only the officer told of the bounce", letters)
		}
		c, _ := s.svc.Store.Get(context.Background(), first.Reference)
		undeliverable := false
		for _, f := range c.Flags {
			undeliverable = undeliverable || f.Code == feedback.FlagUndeliverable
		}
		if !undeliverable || len(c.Messages) != 0 {
			t.Errorf("case after a bounce: flags %+v, messages %d; want undeliverable and no messages", c.Flags, len(c.Messages))
		}
	})
}

func TestReceive_AcknowledgementLimitPerSender(t *testing.T) {
	stacks(t, func(t *testing.T, s *stack) {
		var last feedback.EmailOutcome
		for i := 1; i <= 4; i++ {
			raw := strings.Replace(complaintFrom("ada@example.com", fmt.Sprintf("m%d@mail.example.com", i)), "Bins missed again", fmt.Sprintf("Complaint %d", i), 1)
			last = s.receive(t, raw)
			s.clock.Advance(time.Hour)
		}
		if last.Outcome != feedback.EmailCreated {
			t.Fatalf("the fourth message: %+v; want a case", last)
		}
		if acks := s.to(t, "ada@example.com"); len(acks) != 3 {
			t.Errorf("%d acknowledgements to one sender in 4 hours; want 3", len(acks))
		}
	})
}

func TestReceive_Verdicts(t *testing.T) {
	tests := []struct {
		name     string
		header   [][2]string
		outcome  string
		flag     feedback.FlagCode
		wantAcks int
	}{
		{"virus", [][2]string{{"X-SES-Virus-Verdict", "FAIL"}}, feedback.EmailQuarantined, feedback.FlagQuarantined, 0},
		{"spam", [][2]string{{"X-SES-Spam-Verdict", "FAIL"}}, feedback.EmailQuarantined, feedback.FlagSuspectedSpam, 0},
		{"forged sender", [][2]string{{"Authentication-Results", "amazonses.com; spf=fail smtp.mailfrom=example.com; dkim=fail; dmarc=fail header.from=example.com"}}, feedback.EmailCreated, feedback.FlagUnauthenticated, 0},
		{"clean", [][2]string{{"X-SES-Spam-Verdict", "PASS"}, {"X-SES-Virus-Verdict", "PASS"}}, feedback.EmailCreated, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := embeddedStack(t)
			headers := append([][2]string{{"From", "ada@example.com"}, {"To", "complaints@example.gov.uk"}, {"Subject", "Bins"}, {"Message-ID", "<v@mail.example.com>"}}, tt.header...)
			out := s.receive(t, email(headers, "Missed again.\n"))
			if out.Outcome != tt.outcome {
				t.Fatalf("outcome %+v, want %s", out, tt.outcome)
			}
			c, _ := s.svc.Store.Get(context.Background(), out.Reference)
			flagged := tt.flag == ""
			for _, f := range c.Flags {
				flagged = flagged || f.Code == tt.flag
			}
			if !flagged {
				t.Errorf("flags %+v; want %s", c.Flags, tt.flag)
			}
			if n := len(s.to(t, "ada@example.com")); n != tt.wantAcks {
				t.Errorf("%d acknowledgements, want %d", n, tt.wantAcks)
			}
			if len(s.to(t, "triage@example.gov.uk")) != 1 {
				t.Error("the officer was not told")
			}
		})
	}
}

func TestReceive_ReplyToAClosedCaseIsFlagged(t *testing.T) {
	s := embeddedStack(t)
	first := s.receive(t, complaintFrom("ada@example.com", "first@mail.example.com"))
	s.svc.Store.Update(context.Background(), first.Reference, func(c *feedback.Case) error { c.Status = feedback.StatusClosed; return nil })
	out := s.receive(t, email([][2]string{{"From", "ada@example.com"}, {"To", "reply+fb-2026-000001@intake.example.gov.uk"},
		{"Subject", "I am not happy with your answer"}, {"Message-ID", "<late@mail.example.com>"}}, "Please review it.\n"))
	if out.Outcome != feedback.EmailThreaded || out.Reference != first.Reference {
		t.Fatalf("outcome %+v", out)
	}
	c, _ := s.svc.Store.Get(context.Background(), first.Reference)
	if len(c.Flags) != 1 || c.Flags[0].Code != feedback.FlagReplyToClosed {
		t.Errorf("flags %+v; want reply_to_closed", c.Flags)
	}
	notice := s.to(t, "triage@example.gov.uk")
	if len(notice) != 2 || !strings.Contains(notice[1].Text, "Stage 2") {
		t.Errorf("officer letters %+v; want the assignment and a notice mentioning Stage 2", notice)
	}
}

// TestReceive_Corpus takes in every message of the parser's corpus: each becomes a case, or is
// ignored as the machine mail it is; none is lost and none is answered twice.
func TestReceive_Corpus(t *testing.T) {
	ignored := map[string]bool{
		"bounce-exchange-headers.eml": true, "bounce-rfc3464.eml": true, "delay-report.eml": true,
		"exchange-out-of-office.eml": true, "gmail-vacation.eml": true, "mailer-daemon-plain.eml": true,
		"mailing-list.eml": true, "x-autoreply.eml": true,
	}
	quarantined := map[string]bool{"ses-verdicts.eml": true}
	files, err := filepath.Glob("../mailparse/testdata/*.eml")
	if err != nil || len(files) < 30 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	stacks(t, func(t *testing.T, s *stack) {
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(f)
			out := s.receive(t, string(raw))
			want := feedback.EmailCreated
			switch {
			case ignored[name]:
				want = feedback.EmailIgnored
			case quarantined[name]:
				want = feedback.EmailQuarantined
			}
			if out.Outcome != want {
				t.Errorf("%s: outcome %+v, want %s", name, out, want)
			}
			if want != feedback.EmailIgnored && out.Reference == "" {
				t.Errorf("%s: no reference", name)
			}
		}
		// Every message again: nothing new.
		before := len(s.sent(t))
		for _, f := range files {
			raw, _ := os.ReadFile(f)
			s.receive(t, string(raw))
		}
		if after := len(s.sent(t)); after != before {
			t.Errorf("taking the corpus in twice sent %d more letters", after-before)
		}
	})
}

// TestReceive_SenderSESCannotReach: an email from josé@example.com is taken in, but SES cannot
// write to a mailbox with an accented letter. The acknowledgement fails for good, with its
// reason on the case; the officer is still told (and told to phone or write); the reminders are
// still scheduled.
func TestReceive_SenderSESCannotReach(t *testing.T) {
	stacks(t, func(t *testing.T, s *stack) {
		raw := email([][2]string{{"From", "José <josé@example.com>"}, {"To", "complaints@example.gov.uk"},
			{"Subject", "Bins"}, {"Message-ID", "<jose@mail.example.com>"}}, "Missed again.\n")
		key, err := s.recv.Store(context.Background(), []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		out, err := s.recv.Receive(context.Background(), key)
		if err != nil || out.Outcome != feedback.EmailCreated {
			t.Fatalf("Receive = %+v, %v", out, err)
		}
		if err := s.svc.Process(context.Background(), out.Reference); err != nil {
			t.Fatalf("Process: %v (a failure for good must not be retried)", err)
		}
		c, _ := s.svc.Store.Get(context.Background(), out.Reference)
		ack := c.Effects[feedback.EffectAcknowledgement]
		if ack.State != feedback.EffectFailed || ack.Reason == "" {
			t.Errorf("acknowledgement %+v; want failed, with the reason", ack)
		}
		if c.Effects[feedback.EffectSchedules].State != feedback.EffectDone {
			t.Errorf("reminders %+v; want scheduled", c.Effects[feedback.EffectSchedules])
		}
		told := s.to(t, "triage@example.gov.uk")
		if len(told) != 1 || !strings.Contains(told[0].Text, "contact the resident another way") {
			t.Errorf("officer letters %+v; want the assignment telling them to phone or write", told)
		}
	})
}

// TestReceiver_TagsUnmatchedMail: on S3, mail that never becomes part of a case is tagged for the
// bucket's lifecycle rule to expire; a case's mail is not, and goes with its case.
func TestReceiver_TagsUnmatchedMail(t *testing.T) {
	s := awsStack(t)
	ctx := context.Background()
	tests := []struct {
		name    string
		raw     string
		outcome string
		want    []string
	}{
		{"an automatic reply", email([][2]string{{"From", "Ada <ada@example.com>"}, {"To", "complaints@intake.example.gov.uk"},
			{"Subject", "Out of office"}, {"Auto-Submitted", "auto-replied"}, {"Message-ID", "<ooo-1@example.com>"}}, "I am away."),
			feedback.EmailIgnored, []string{s3blobs.UnmatchedTag}},
		{"a new complaint", complaintFrom("ben@example.com", "<tag-2@example.com>"), feedback.EmailCreated, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := s.recv.Store(ctx, []byte(tt.raw))
			if err != nil {
				t.Fatal(err)
			}
			out, err := s.recv.Receive(ctx, key)
			if err != nil || out.Outcome != tt.outcome {
				t.Fatalf("Receive = %+v, %v; want %s", out, err, tt.outcome)
			}
			if got := s.tags(t, key); !slices.Equal(got, tt.want) {
				t.Errorf("tags of %s = %v; want %v", key, got, tt.want)
			}
		})
	}
}
