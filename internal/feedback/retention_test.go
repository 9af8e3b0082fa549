package feedback_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/council/intake/internal/feedback"
)

// closedWithFiles stores a planning complaint on 21 December 2026 carrying a raw email, an
// attachment and a follow-up with its own raw form and attachment, responds to it "not upheld"
// and closes it on 6 January 2027.
func closedWithFiles(t *testing.T, f *fixture) *feedback.Case {
	t.Helper()
	ctx := context.Background()
	c := f.submitted(t)
	keys := []string{"inbound/" + c.Ref + "-first", "cases/" + c.Ref + "/1-photo.jpg", "inbound/" + c.Ref + "-reply", "cases/" + c.Ref + "/2-letter.pdf"}
	for _, k := range keys {
		if err := f.svc.Blobs.Put(ctx, k, []byte("Ada Resident, 1 High Street"), "application/octet-stream"); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.store.Update(ctx, c.Ref, func(c *feedback.Case) error {
		c.Raw, c.Attachments = keys[0], keys[1:2]
		c.Messages = append(c.Messages, feedback.Correspondence{At: c.ReceivedAt, Channel: feedback.ChannelEmail,
			From: "ada@example.com", Text: "And another thing.", Raw: keys[2], Attachments: keys[3:]})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(london("2027-01-06T11:00"))
	respond(t, f, cy, c.Ref)
	c, err := f.svc.Close(ctx, cy, c.Ref, "Responded; nothing more to do.")
	if err != nil {
		t.Fatal(err)
	}
	if want := london("2029-01-06T11:00"); !c.ExpiresAt.Equal(want) {
		t.Fatalf("expires_at = %s; want two years after closure, %s", c.ExpiresAt, want)
	}
	return c
}

func TestService_PurgeExpired(t *testing.T) {
	tests := []struct {
		name string
		hold bool
	}{
		{"destroyed when its retention period ends", false},
		{"kept under legal hold", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := lifecycleFixture(t)
			c := closedWithFiles(t, f)
			if tt.hold {
				f.clock.Set(london("2028-06-01T10:00"))
				held, err := f.svc.PlaceHold(ctx, ana, c.Ref, "Court proceedings about the planning decision.")
				if err != nil {
					t.Fatal(err)
				}
				if !held.ExpiresAt.IsZero() || held.Hold == nil {
					t.Fatalf("held case: expires_at %s, hold %+v; want no retention end while held", held.ExpiresAt, held.Hold)
				}
			}
			f.clock.Set(london("2029-01-06T10:59"))
			if n, err := f.svc.PurgeExpired(ctx); err != nil || n != 0 {
				t.Fatalf("PurgeExpired a minute early = %d, %v; want nothing", n, err)
			}
			f.clock.Set(london("2029-01-06T11:00"))
			n, err := f.svc.PurgeExpired(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, getErr := f.svc.Case(ctx, ana, c.Ref)
			page, err := f.svc.ListCases(ctx, ana, feedback.CaseQuery{Status: feedback.StatusClosed})
			if err != nil {
				t.Fatal(err)
			}
			_, blobErr := f.svc.Blobs.Get(ctx, c.Raw)
			log, err := f.store.ListDestructions(ctx, london("2029-01-01T00:00"), london("2029-02-01T00:00"))
			if err != nil {
				t.Fatal(err)
			}
			if tt.hold {
				if n != 0 || getErr != nil || len(page.Cases) != 1 || blobErr != nil || len(log) != 0 {
					t.Fatalf("under hold: purged %d, get %v, listed %d, raw mail %v, log %d; want it all kept", n, getErr, len(page.Cases), blobErr, len(log))
				}
				// Released after its retention end, it goes at the next purge.
				f.clock.Set(london("2029-02-01T10:00"))
				if _, err := f.svc.ReleaseHold(ctx, ana, c.Ref, "Proceedings concluded."); err != nil {
					t.Fatal(err)
				}
				if n, err = f.svc.PurgeExpired(ctx); err != nil || n != 1 {
					t.Fatalf("PurgeExpired after release = %d, %v; want 1", n, err)
				}
				log, _ = f.store.ListDestructions(ctx, london("2029-01-01T00:00"), london("2029-02-01T00:00"))
				if len(log) != 1 {
					t.Fatalf("destruction log after release: %d lines, want 1", len(log))
				}
				return
			}
			if n != 1 || feedback.ErrorCode(getErr) != feedback.ENOTFOUND || len(page.Cases) != 0 {
				t.Fatalf("purged %d, get %v, listed %d; want the case gone", n, getErr, len(page.Cases))
			}
			for _, k := range c.BlobKeys() {
				if _, err := f.svc.Blobs.Get(ctx, k); feedback.ErrorCode(err) != feedback.ENOTFOUND {
					t.Errorf("stored file %s after destruction: %v; want it deleted", k, err)
				}
			}
			if len(log) != 1 {
				t.Fatalf("destruction log: %d lines, want 1", len(log))
			}
			d := log[0]
			if d.Ref != c.Ref || d.Kind != feedback.KindComplaint || d.Reason != "retention period ended" || d.Objects != 4 ||
				!d.ClosedAt.Equal(c.ClosedAt) || !d.ExpiredAt.Equal(c.ExpiresAt) || !d.KeepUntil.Equal(london("2035-01-06T11:00")) {
				t.Errorf("destruction line = %+v", d)
			}
			line, _ := json.Marshal(d)
			for _, personal := range []string{"Ada", "ada@", "example.com", "High Street", "portal", "objection", "another thing"} {
				if strings.Contains(strings.ToLower(string(line)), strings.ToLower(personal)) {
					t.Errorf("destruction line holds personal data %q: %s", personal, line)
				}
			}
			// A second purge finds nothing and the reference is not reused.
			if n, err := f.svc.PurgeExpired(ctx); err != nil || n != 0 {
				t.Errorf("second PurgeExpired = %d, %v; want nothing", n, err)
			}
		})
	}
}

func TestService_Destroy_Refuses(t *testing.T) {
	ctx := context.Background()
	f := lifecycleFixture(t)
	c := closedWithFiles(t, f)
	tests := []struct {
		name string
		at   time.Time
		hold bool
	}{
		{"before its retention end", london("2029-01-06T10:00"), false},
		{"under legal hold", london("2029-01-07T10:00"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.clock.Set(tt.at)
			cc := *c
			if tt.hold {
				cc.Hold = &feedback.Hold{By: ana.Email, At: tt.at, Reason: "litigation"}
			}
			if _, err := f.svc.Destroy(ctx, &cc); feedback.ErrorCode(err) != feedback.ECONFLICT {
				t.Errorf("Destroy = %v; want %s", err, feedback.ECONFLICT)
			}
			if _, err := f.svc.Blobs.Get(ctx, c.Raw); err != nil {
				t.Errorf("raw mail after a refused Destroy: %v", err)
			}
		})
	}
}

func TestService_PlaceHold(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		who    feedback.StaffMember
		reason string
		want   string
	}{
		{"the complaints team", ana, "Information Commissioner's inquiry.", ""},
		{"a manager may not", bo, "Inquiry.", feedback.EFORBIDDEN},
		{"an officer may not", cy, "Inquiry.", feedback.EFORBIDDEN},
		{"a reason is needed", ana, " ", feedback.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := lifecycleFixture(t)
			c := closedWithFiles(t, f)
			got, err := f.svc.PlaceHold(ctx, tt.who, c.Ref, tt.reason)
			if feedback.ErrorCode(err) != tt.want {
				t.Fatalf("PlaceHold = %v; want code %q", err, tt.want)
			}
			if tt.want != "" {
				return
			}
			if got.Hold.By != ana.Email || !got.ExpiresAt.IsZero() || got.History[len(got.History)-1].Action != "legal hold placed" {
				t.Errorf("held case: hold %+v, expires_at %s", got.Hold, got.ExpiresAt)
			}
			if _, err := f.svc.PlaceHold(ctx, ana, c.Ref, "again"); feedback.ErrorCode(err) != feedback.ECONFLICT {
				t.Errorf("second PlaceHold = %v; want %s", err, feedback.ECONFLICT)
			}
			rel, err := f.svc.ReleaseHold(ctx, ana, c.Ref, "Inquiry closed.")
			if err != nil {
				t.Fatal(err)
			}
			if rel.Hold != nil || !rel.ExpiresAt.Equal(london("2029-01-06T11:00")) {
				t.Errorf("released: hold %+v, expires_at %s; want the retention end from closure again", rel.Hold, rel.ExpiresAt)
			}
		})
	}
}
