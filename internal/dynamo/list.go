package dynamo

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/council/intake/internal/feedback"
)

// ListPending returns the cases whose intake side effects are not all done, oldest first.
func (s *Store) ListPending(ctx context.Context) ([]*feedback.Case, error) {
	return s.query(ctx, "pending", IndexPending, AttrPendingPK+" = :pk", "", nil,
		map[string]types.AttributeValue{":pk": str(pendingValue)},
		(*feedback.Case).Pending)
}

// ListDue returns the open cases due (feedback.DueOn: the response date or, once Stage 1 has
// had its response, the last day to ask for Stage 2), as a civil date in onOrBefore's location,
// on or before onOrBefore's, soonest first. It reads the cases index (the open partition is in
// due-date order, feedback.ListKey). An item with neither date is keyed by its acknowledgement
// date and left out by the filter, unless it is a complaint at Stage 1: one answered before the
// window was recorded, which the sweep then dates (feedback.DueOn). The filter reads only what
// the index projects (CasesProjection), so that the index needs no new attribute.
func (s *Store) ListDue(ctx context.Context, onOrBefore time.Time) ([]*feedback.Case, error) {
	// The sort key is "YYYY-MM-DD#ref"; everything on the day sorts before the next day.
	y, m, d := onOrBefore.Date()
	next := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	cs, err := s.query(ctx, "due", IndexCases, AttrCasesPK+" = :pk AND "+AttrCasesSK+" < :next",
		"(attribute_exists(respond_by) OR #kind = :complaint AND #stage = :stage1)",
		map[string]string{"#kind": "kind", "#stage": "stage"},
		map[string]types.AttributeValue{":pk": str(string(feedback.StatusOpen)), ":next": str(next),
			":complaint": str(string(feedback.KindComplaint)), ":stage1": str(string(feedback.Stage1))},
		func(c *feedback.Case) bool {
			due := feedback.DueOn(c)
			return !due.IsZero() && due.Format(time.DateOnly) <= last
		})
	sort.SliceStable(cs, func(i, j int) bool { return feedback.DueOn(cs[i]).Before(feedback.DueOn(cs[j])) })
	return cs, err
}

// ListAssigned returns the open cases assigned to a mailbox, oldest first. It reads the cases
// index's open partition, filtered by officer: the console lists through ListCases and calls
// this only when it is given no list of its own, which no deployed function is, so an index
// kept for it would be written with every case and never read.
func (s *Store) ListAssigned(ctx context.Context, mailbox string) ([]*feedback.Case, error) {
	cs, err := s.query(ctx, "assigned", IndexCases, AttrCasesPK+" = :pk", "assigned_to = :mailbox", nil,
		map[string]types.AttributeValue{":pk": str(string(feedback.StatusOpen)), ":mailbox": str(mailbox)},
		func(c *feedback.Case) bool { return c.Status == feedback.StatusOpen && c.AssignedTo == mailbox })
	if err != nil {
		return nil, err
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if !cs[i].ReceivedAt.Equal(cs[j].ReceivedAt) {
			return cs[i].ReceivedAt.Before(cs[j].ReceivedAt)
		}
		return cs[i].Ref < cs[j].Ref
	})
	return cs, nil
}

// ListCases returns a page of the cases matching q from the cases index, in feedback.ListKey
// order. The simple filters go to DynamoDB as a filter expression, so that fewer items travel;
// the index holds only what they need (CasesProjection), so each page's cases are then read
// whole from the table in one batch and checked again with q.Matches, since the index is
// eventually consistent and the table is not.
func (s *Store) ListCases(ctx context.Context, q feedback.CaseQuery) (feedback.CasePage, error) {
	now := s.clock.Now()
	in, err := s.casesQuery(q, now)
	if err != nil {
		return feedback.CasePage{}, err
	}
	var page feedback.CasePage
	for {
		want := 0
		if q.Limit > 0 {
			want = q.Limit - len(page.Cases)
		}
		in.Limit = s.pageSize(want)
		var out *dynamodb.QueryOutput
		err := call(ctx, "list cases", func() (err error) { out, err = s.db.Query(ctx, in); return err })
		if err != nil {
			return feedback.CasePage{}, fmt.Errorf("dynamo: list cases: %w", err)
		}
		cases, err := s.matchingCases(ctx, out.Items, q, now)
		if err != nil {
			return feedback.CasePage{}, fmt.Errorf("dynamo: list cases: %w", err)
		}
		page.Cases = append(page.Cases, cases...)
		switch {
		case len(out.LastEvaluatedKey) == 0:
			return page, nil
		case q.Limit > 0 && len(page.Cases) >= q.Limit:
			page.Next = feedback.ListKey(page.Cases[len(page.Cases)-1])
			return page, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// casesQuery is the Query of the cases index that ListCases pages through: q's status
// partition (open if none), up to q.DueBefore, from q's cursor, leaving out at DynamoDB the
// items expired at now or not matching q's simple filters.
func (s *Store) casesQuery(q feedback.CaseQuery, now time.Time) (*dynamodb.QueryInput, error) {
	status := q.Status
	if status == "" {
		status = feedback.StatusOpen
	}
	names := map[string]string{"#exp": AttrExpiresAt, "#pk": AttrCasesPK}
	values := map[string]types.AttributeValue{
		":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		":pk":  str(string(status)),
	}
	cond := "#pk = :pk"
	if !q.DueBefore.IsZero() {
		cond += " AND #sk < :before"
		names["#sk"] = AttrCasesSK
		values[":before"] = str(q.DueBefore.Format(time.DateOnly))
	}
	filter := []string{"(attribute_not_exists(#exp) OR #exp > :now)"}
	for attr, v := range map[string]string{
		"assigned_to": q.AssignedTo, "service_area": q.ServiceArea, "kind": string(q.Kind),
		"stage": string(q.Stage), "channel": string(q.Channel),
	} {
		if v != "" {
			names["#"+attr], values[":"+attr] = attr, str(v)
			filter = append(filter, "#"+attr+" = :"+attr)
		}
	}
	if !q.DueBefore.IsZero() {
		names["#respond"] = "respond_by"
		filter = append(filter, "attribute_exists(#respond)")
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(IndexCases),
		KeyConditionExpression:    aws.String(cond),
		FilterExpression:          aws.String(strings.Join(filter, " AND ")),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	}
	if q.Cursor != "" {
		date, ref, ok := strings.Cut(q.Cursor, "#")
		if !ok || len(date) != len(time.DateOnly) || ref == "" {
			return nil, feedback.Errorf(feedback.EINVALID, "The cursor is not one this list gave.")
		}
		in.ExclusiveStartKey = map[string]types.AttributeValue{
			AttrPK: str(prefixCase + ref), AttrSK: str(skCase), AttrCasesPK: str(string(status)), AttrCasesSK: str(q.Cursor),
		}
	}
	return in, nil
}

// matchingCases reads whole from the table the cases of one page of the cases index that are
// live at now and match q, and keeps those that still match q as the table has them.
func (s *Store) matchingCases(ctx context.Context, items []map[string]types.AttributeValue, q feedback.CaseQuery, now time.Time) ([]*feedback.Case, error) {
	var refs []string
	for _, item := range items {
		c, err := unmarshalCase(item)
		if err != nil {
			return nil, err
		}
		if !c.Expired(now) && q.Matches(c) {
			refs = append(refs, c.Ref)
		}
	}
	cases, err := s.getCases(ctx, refs)
	if err != nil {
		return nil, err
	}
	var out []*feedback.Case
	for _, c := range cases {
		if q.Matches(c) {
			out = append(out, c)
		}
	}
	return out, nil
}

// pageSize is the Limit of a Query page that wants up to want more items (0: as many as come),
// capped at the store's pageLimit if it has one.
func (s *Store) pageSize(want int) *int32 {
	switch {
	case s.pageLimit > 0 && (want <= 0 || int32(want) > s.pageLimit):
		return aws.Int32(s.pageLimit)
	case want > 0:
		return aws.Int32(int32(want))
	}
	return nil
}

// ListReceived reads the month index, one received month (UTC) at a time from q.From's (or the
// cursor's) to q.To's, each a Query on one partition bounded by the sort key: never a Scan, and
// only the months asked for. The index projects MonthProjection, so the cases come back
// without message, contact, messages, letters, flags and history.
func (s *Store) ListReceived(ctx context.Context, q feedback.ReceivedQuery) (feedback.CasePage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = feedback.DefaultReceivedPage
	}
	if q.From.IsZero() || q.To.IsZero() {
		return feedback.CasePage{}, feedback.Errorf(feedback.EINVALID, "A list of cases received needs both dates.")
	}
	if !q.From.Before(q.To) {
		return feedback.CasePage{}, nil
	}
	month, start, err := receivedStart(q)
	if err != nil {
		return feedback.CasePage{}, err
	}
	now := s.clock.Now()
	var page feedback.CasePage
	for ; month.Before(q.To); month = month.AddDate(0, 1, 0) {
		in := s.monthQuery(month, q, now)
		in.ExclusiveStartKey, start = start, nil
		full, err := s.readMonth(ctx, in, limit, &page, now)
		if err != nil {
			return feedback.CasePage{}, fmt.Errorf("dynamo: list received %s: %w", month.Format("2006-01"), err)
		}
		if full {
			page.Next = feedback.ReceivedKey(page.Cases[len(page.Cases)-1])
			return page, nil
		}
	}
	return page, nil
}

// receivedStart returns the first month ListReceived reads, q.From's, and the key in it to
// start after: none, or, when q's cursor is past q.From, the cursor's month and case.
func receivedStart(q feedback.ReceivedQuery) (time.Time, map[string]types.AttributeValue, error) {
	month := time.Date(q.From.UTC().Year(), q.From.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	if q.Cursor == "" {
		return month, nil, nil
	}
	at, ref, ok := strings.Cut(q.Cursor, "#")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || ref == "" {
		return time.Time{}, nil, feedback.Errorf(feedback.EINVALID, "The cursor is not one this list gave.")
	}
	if q.Cursor < feedback.ReceivedBound(q.From) {
		return month, nil, nil
	}
	month = time.Date(t.UTC().Year(), t.UTC().Month(), 1, 0, 0, 0, 0, time.UTC)
	return month, map[string]types.AttributeValue{
		AttrPK: str(prefixCase + ref), AttrSK: str(skCase),
		AttrMonthPK: str(feedback.ReceivedMonth(t)), AttrMonthSK: str(q.Cursor),
	}, nil
}

// monthQuery is the Query of one month's partition of the month index for the cases received
// within q's dates and live at now.
func (s *Store) monthQuery(month time.Time, q feedback.ReceivedQuery, now time.Time) *dynamodb.QueryInput {
	return &dynamodb.QueryInput{
		TableName:              &s.table,
		IndexName:              aws.String(IndexMonth),
		KeyConditionExpression: aws.String("#pk = :month AND #sk BETWEEN :lo AND :hi"),
		FilterExpression:       aws.String("attribute_not_exists(#exp) OR #exp > :now"),
		ExpressionAttributeNames: map[string]string{
			"#pk": AttrMonthPK, "#sk": AttrMonthSK, "#exp": AttrExpiresAt,
		},
		// hi is an instant with no "#ref": every key received before q.To sorts below it
		// and none received at q.To equals it, so BETWEEN is the half-open range.
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":month": str(month.Format("2006-01")), ":lo": str(feedback.ReceivedBound(q.From)), ":hi": str(feedback.ReceivedBound(q.To)),
			":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}
}

// readMonth pages through one month's Query, adding the cases live at now to page until it
// holds limit; it reports whether it filled the page.
func (s *Store) readMonth(ctx context.Context, in *dynamodb.QueryInput, limit int, page *feedback.CasePage, now time.Time) (bool, error) {
	for {
		in.Limit = s.pageSize(limit - len(page.Cases))
		var out *dynamodb.QueryOutput
		err := call(ctx, "list received", func() (err error) { out, err = s.db.Query(ctx, in); return err })
		if err != nil {
			return false, err
		}
		if out.ConsumedCapacity != nil && s.readUnits != nil {
			s.readUnits(aws.ToFloat64(out.ConsumedCapacity.CapacityUnits), len(out.Items))
		}
		for _, item := range out.Items {
			c, err := unmarshalCase(item)
			if err != nil {
				return false, err
			}
			if !c.Expired(now) {
				page.Cases = append(page.Cases, c)
			}
		}
		if len(page.Cases) >= limit {
			return true, nil
		}
		if len(out.LastEvaluatedKey) == 0 {
			return false, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// query reads every page of an index that does not hold the whole case (so that a stamp on a
// case does not rewrite the whole case into it), filtered by filter if it is not empty, and
// reads each page's cases from the table in one batch. The index is eventually consistent, so
// each case is checked again against the predicate that put it in the list (keep); one gone
// or expired meanwhile is left out.
func (s *Store) query(ctx context.Context, what, index, cond, filter string, names map[string]string, values map[string]types.AttributeValue, keep func(*feedback.Case) bool) ([]*feedback.Case, error) {
	now := s.clock.Now()
	values[":now"] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)}
	live := "(attribute_not_exists(#exp) OR #exp > :now)"
	if filter != "" {
		live += " AND " + filter
	}
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String(cond),
		FilterExpression:          aws.String(live),
		ExpressionAttributeNames:  map[string]string{"#exp": AttrExpiresAt},
		ExpressionAttributeValues: values,
	}
	for k, v := range names {
		in.ExpressionAttributeNames[k] = v
	}
	if s.pageLimit > 0 {
		in.Limit = aws.Int32(s.pageLimit)
	}
	var cases []*feedback.Case
	for {
		var out *dynamodb.QueryOutput
		err := call(ctx, "list "+what, func() (err error) { out, err = s.db.Query(ctx, in); return err })
		if err != nil {
			return nil, fmt.Errorf("dynamo: list %s: %w", what, err)
		}
		var refs []string
		for _, item := range out.Items {
			pk, ok := item[AttrPK].(*types.AttributeValueMemberS)
			if !ok || !strings.HasPrefix(pk.Value, prefixCase) {
				return nil, fmt.Errorf("dynamo: list %s: index item without a case key", what)
			}
			refs = append(refs, strings.TrimPrefix(pk.Value, prefixCase))
		}
		page, err := s.getCases(ctx, refs)
		if err != nil {
			return nil, fmt.Errorf("dynamo: list %s: %w", what, err)
		}
		for _, c := range page {
			if keep(c) {
				cases = append(cases, c)
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return cases, nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}
