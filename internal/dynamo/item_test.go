package dynamo

import (
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/feedback/storetest"
)

func TestMarshalCase_IndexAttributes(t *testing.T) {
	at := storetest.Start
	done := feedback.Effects{
		feedback.EffectAcknowledgement: {State: feedback.EffectDone, At: at},
		feedback.EffectAssignment:      {State: feedback.EffectDone, At: at},
		feedback.EffectSchedules:       {State: feedback.EffectDone, At: at},
	}
	tests := []struct {
		name string
		edit func(*feedback.Case)
		want map[string]string
	}{
		{"new open complaint", nil, map[string]string{
			AttrPendingPK: "PENDING", AttrPendingSK: "2026-12-21T10:00:00.000000000Z#FB-1",
			AttrCasesPK: "open", AttrCasesSK: "2027-01-07#FB-1",
			AttrContactPK: "ada@example.com", AttrContactSK: "FB-1",
		}},
		{"by telephone only", func(c *feedback.Case) { c.Effects = done; c.Status = feedback.StatusClosed; c.Contact.Email = "" }, map[string]string{
			AttrCasesPK: "closed", AttrCasesSK: "2027-01-07#FB-1", AttrContactPK: "01632960001", AttrContactSK: "FB-1",
		}},
		{"anonymous", func(c *feedback.Case) {
			c.Effects = done
			c.Status, c.Contact = feedback.StatusClosed, feedback.Contact{}
		}, map[string]string{AttrCasesPK: "closed", AttrCasesSK: "2027-01-07#FB-1"}},
		{"side effects done", func(c *feedback.Case) { c.Effects = done }, map[string]string{
			AttrCasesPK: "open", AttrCasesSK: "2027-01-07#FB-1",
			AttrContactPK: "ada@example.com", AttrContactSK: "FB-1",
		}},
		{"closed", func(c *feedback.Case) { c.Effects = done; c.Status = feedback.StatusClosed }, map[string]string{
			AttrCasesPK: "closed", AttrCasesSK: "2027-01-07#FB-1",
			AttrContactPK: "ada@example.com", AttrContactSK: "FB-1",
		}},
		{"compliment, unassigned", func(c *feedback.Case) {
			c.Effects = feedback.Effects{
				feedback.EffectAcknowledgement: {State: feedback.EffectSkipped, At: at, Reason: "no address"},
				feedback.EffectAssignment:      {State: feedback.EffectDone, At: at},
			}
			c.Kind, c.RespondBy, c.AssignedTo = feedback.KindCompliment, time.Time{}, ""
		}, map[string]string{AttrCasesPK: "open", AttrCasesSK: "2026-12-22#FB-1", AttrContactPK: "ada@example.com", AttrContactSK: "FB-1"}},
		{"times in another zone sort by instant", func(c *feedback.Case) {
			c.Effects = done
			c.ReceivedAt = time.Date(2026, 12, 21, 11, 0, 0, 500, time.FixedZone("", 3600))
			c.RespondBy = time.Date(2027, 6, 1, 0, 0, 0, 0, time.FixedZone("BST", 3600))
		}, map[string]string{
			AttrCasesPK: "open", AttrCasesSK: "2027-06-01#FB-1",
			AttrContactPK: "ada@example.com", AttrContactSK: "FB-1",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := storetest.NewCase("FB-1", at)
			if tt.edit != nil {
				tt.edit(c)
			}
			item, err := marshalCase(c)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, a := range []string{AttrPendingPK, AttrPendingSK, AttrCasesPK, AttrCasesSK, AttrContactPK, AttrContactSK} {
				if v, ok := item[a]; ok {
					got[a] = v.(*types.AttributeValueMemberS).Value
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("index attributes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMarshalCase_RoundTrip(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	c := storetest.NewCase("FB-2026-000001", time.Date(2026, 6, 1, 9, 30, 0, 123456789, london))
	c.RespondBy = time.Date(2026, 6, 15, 0, 0, 0, 0, london)
	c.Effects = feedback.Effects{
		feedback.EffectAcknowledgement:          {State: feedback.EffectFailed, At: c.ReceivedAt.Add(time.Hour), Reason: "x", MessageID: "m", Attempts: 3},
		feedback.ReminderEffect("FB-1-warning"): {ClaimedBy: "w#1", ClaimedUntil: c.ReceivedAt.Add(2 * time.Hour)},
	}
	c.Messages = []feedback.Correspondence{{At: c.ReceivedAt.Add(time.Hour), Channel: feedback.ChannelEmail, From: "ada@example.com",
		Subject: "Re: bins", Text: "And again.", Quoted: "> earlier", MessageID: "m-1@example.com", Raw: "inbound/b.eml", Attachments: []string{"photo.jpg"},
		CopyTo: "named.officer@example.gov.uk"}}
	c.MessageID, c.Raw, c.Attachments = "m-0@example.com", "inbound/a.eml", []string{"cases/FB-2026-000001/1-a.pdf"}
	c.Flags = []feedback.Flag{{Code: "undeliverable", At: c.ReceivedAt, Note: "bounced", Cleared: c.ReceivedAt.Add(time.Hour)}}
	c.History = []feedback.Event{{At: c.ReceivedAt, By: "intake", Action: "created", Detail: "by web", Reason: "r"},
		{At: c.ReceivedAt, By: "bo@council.example", Action: "assigned", Detail: "from cy to di", Named: []string{"cy@council.example", "di@council.example"}}}
	c.Stages = []feedback.StageRecord{
		{Stage: feedback.Stage1, OpenedAt: c.ReceivedAt, Handler: "cy@council.example", RespondBy: c.RespondBy, ExtendedBy: 5,
			ExtensionReason: "waiting for a contractor", Response: feedback.Response{Outcome: feedback.OutcomeNotUpheld,
				Summary: "We found <no> fault.", Lessons: "none", Remedy: "an apology", CompensationPence: 2550,
				SentBy: feedback.SentByPost, At: c.ReceivedAt.Add(time.Hour), By: "cy@council.example"}},
		{Stage: feedback.Stage2, OpenedAt: c.ReceivedAt.Add(2 * time.Hour)},
	}
	c.Ombudsman = feedback.OmbudsmanRecord{Which: feedback.OmbudsmanHousing, ReferredOn: c.ReceivedAt, Decision: feedback.DecisionSettled,
		DecidedOn: c.ReceivedAt.Add(24 * time.Hour), Remedy: "£100"}
	c.Letters = []feedback.Letter{
		{Name: "extension-stage1", At: c.ReceivedAt, To: "ada@example.com", Subject: "More time", Text: "t", HTML: "<p>h</p>"},
		{Name: "assignment-3", At: c.ReceivedAt, To: "cy@council.example", Subject: "s", Text: "t", Staff: true, ByPost: true},
	}
	c.ClosedAt = c.ReceivedAt.Add(48 * time.Hour)
	c.ExpiresAt = c.ClosedAt.AddDate(2, 0, 0)
	c.IdempotencyKey, c.Version = "ses:123", 7
	c.Hold = &feedback.Hold{By: "complaints@example.gov.uk", At: c.ClosedAt.Add(time.Hour), Reason: "litigation"}

	item, err := marshalCase(c)
	if err != nil {
		t.Fatal(err)
	}
	// 2028-06-03T08:30:00.123456789Z, rounded up.
	if n := item[AttrExpiresAt].(*types.AttributeValueMemberN).Value; n != "1843633801" {
		t.Errorf("expires_at = %s; want the retention end in epoch seconds rounded up, 1843633801", n)
	}
	got, err := unmarshalCase(item)
	if err != nil {
		t.Fatal(err)
	}
	// Instants and offsets survive; only the zone's name does not.
	eq := cmp.Comparer(func(a, b time.Time) bool {
		return a.Equal(b) && a.Format(time.RFC3339Nano) == b.Format(time.RFC3339Nano)
	})
	if diff := cmp.Diff(c, got, eq); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// TestMarshalCase_Claims: claims are written apart from the effects' outcomes (which the month
// index carries), and an item written when claims were kept in the effects reads the same.
func TestMarshalCase_Claims(t *testing.T) {
	at := storetest.Start
	c := storetest.NewCase("FB-1", at)
	c.Effects = feedback.Effects{
		feedback.EffectAcknowledgement: {ClaimedBy: "w#1", ClaimedUntil: at.Add(time.Minute)},
		feedback.EffectAssignment:      {State: feedback.EffectDone, At: at},
	}
	item, err := marshalCase(c)
	if err != nil {
		t.Fatal(err)
	}
	effects := item["effects"].(*types.AttributeValueMemberM).Value
	if ack := effects[feedback.EffectAcknowledgement].(*types.AttributeValueMemberM).Value; len(ack) != 0 {
		t.Errorf("the claim was written into the effect: %v", ack)
	}
	if _, ok := item["claims"].(*types.AttributeValueMemberM).Value[feedback.EffectAcknowledgement]; !ok {
		t.Errorf("claims = %v; want the acknowledgement's", item["claims"])
	}
	old := item
	delete(old, "claims")
	effects[feedback.EffectAcknowledgement] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"claimed_by": str("w#1"), "claimed_until": str(at.Add(time.Minute).Format(time.RFC3339Nano)),
	}}
	got, err := unmarshalCase(old)
	if err != nil {
		t.Fatal(err)
	}
	if e := got.Effects[feedback.EffectAcknowledgement]; e.ClaimedBy != "w#1" || !e.ClaimedUntil.Equal(at.Add(time.Minute)) {
		t.Errorf("a claim in the old layout read as %+v", e)
	}
}

func TestDestructionRecord_NoPersonalData(t *testing.T) {
	// A destruction log item has exactly these attributes: nothing a case's contact, message or
	// letters could fill.
	item, err := attributevalue.MarshalMap(destructionRecord{PK: "p", SK: "s", Ref: "FB-2026-000001", Kind: "complaint",
		Channel: "email", ReceivedAt: "a", ClosedAt: "b", ExpiredAt: "c", DestroyedAt: "d", Reason: "r", Objects: 2, KeepUntil: "k", ExpiresAt: 1})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range item {
		names = append(names, k)
	}
	sort.Strings(names)
	want := []string{"PK", "SK", "channel", "closed_at", "destroyed_at", "expired_at", "expires_at", "keep_until", "kind", "objects", "reason", "received_at", "ref"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("destruction item attributes (-want +got):\n%s", diff)
	}
}

func TestMarshalRestriction_RoundTrip(t *testing.T) {
	r := storetest.NewRestriction("RS-2026-0001", time.Date(2026, 12, 21, 10, 0, 0, 123456789, time.UTC))
	r.Status, r.LiftedOn, r.ExpiresAt, r.Version = feedback.RestrictionLifted, r.DecidedOn.AddDate(0, 1, 0), r.DecidedOn.AddDate(3, 1, 0), 4
	item, err := marshalRestriction(r)
	if err != nil {
		t.Fatal(err)
	}
	if pk := item[AttrPK].(*types.AttributeValueMemberS).Value; pk != "RESTRICTIONS" {
		t.Errorf("PK = %s; want the register's one partition", pk)
	}
	if _, ok := item[AttrExpiresAt]; !ok {
		t.Error("a lifted restriction has no expires_at: TTL would never destroy it")
	}
	got, err := unmarshalRestriction(item)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if _, ok, _ := CaseFromStreamImage(nil); ok {
		t.Error("an empty image read as a case")
	}
}
