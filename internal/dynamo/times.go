package dynamo

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Times as items keep them: RFC 3339 strings in records, and epoch seconds for TTL.

// timeParser parses a record's times, keeping the first error.
type timeParser struct {
	ref string
	err error
}

func (p *timeParser) parse(attr, s string) time.Time {
	if s == "" || p.err != nil {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.err = fmt.Errorf("case %s: attribute %s: %w", p.ref, attr, err)
	}
	return t
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

// epoch returns t as TTL epoch seconds, rounded up so that TTL never deletes an item before its
// retention end; 0 for the zero time.
func epoch(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// inTTLReach keeps an item's TTL attribute within DynamoDB's reach: TTL ignores an expiry more
// than five years in the past, so an item written already expired (a case released from a
// long legal hold, a marker or restriction decided long ago, the idempotency key of a
// back-dated import) would never be deleted, nor, for a case, its files destroyed. Such an
// item expires for TTL at now instead, and TTL deletes it within days; the record keeps its
// real retention end (retain_until), which reads and the destruction log use, and it reads as
// expired either way.
func inTTLReach(item map[string]types.AttributeValue, now time.Time) map[string]types.AttributeValue {
	n, ok := item[AttrExpiresAt].(*types.AttributeValueMemberN)
	if !ok {
		return item
	}
	if exp, err := strconv.ParseInt(n.Value, 10, 64); err == nil && exp < now.Unix() {
		item[AttrExpiresAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}
	}
	return item
}

// expiredEpoch reports whether an item with TTL value exp (0 for none) has expired at now.
func expiredEpoch(exp int64, now time.Time) bool {
	return exp != 0 && now.Unix() >= exp
}
