package feedback

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Reading cases: one case, and the officer's lists, each as who may see them.

// Case returns the case if who may see it, and ENOTFOUND otherwise.
func (s *Service) Case(ctx context.Context, who StaffMember, ref string) (*Case, error) {
	c, err := s.Store.Get(ctx, ref)
	if ErrorCode(err) == ENOTFOUND || err == nil && (!canWork(who) || !who.CanSee(c)) {
		return nil, notFound(ref)
	}
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", ref, err)
	}
	return c, nil
}

// CaseQuery selects cases for ListCases. Every filter is optional.
type CaseQuery struct {
	Status      Status
	Overdue     bool // open cases whose response date has passed
	AssignedTo  string
	ServiceArea string
	Kind        Kind
	Stage       Stage
	Channel     Channel
	// DueBefore keeps cases with a response date before this civil date; the service sets it
	// from Overdue, stores read it.
	DueBefore time.Time
	Cursor    string
	Limit     int
}

// CasePage is one page of ListCases; Next is the cursor of the following page, "" at the end.
type CasePage struct {
	Cases []*Case
	Next  string
}

// ListCases returns the cases who may see that match q, soonest due first, a page at a time.
func (s *Service) ListCases(ctx context.Context, who StaffMember, q CaseQuery) (CasePage, error) {
	if !canWork(who) {
		return CasePage{}, Errorf(EFORBIDDEN, "Only officers, managers and the complaints team can list cases.")
	}
	q, err := s.checkCaseQuery(q)
	if err != nil {
		return CasePage{}, err
	}
	want := q.Limit
	var page CasePage
	// Visibility is the domain's rule, so the store's pages are filtered here; each store page
	// asks only for what is still missing, so the cursor never skips a visible case.
	for {
		q.Limit = want - len(page.Cases)
		got, err := s.Store.ListCases(ctx, q)
		if err != nil {
			return CasePage{}, fmt.Errorf("list cases: %w", err)
		}
		for _, c := range got.Cases {
			if who.CanSee(c) {
				page.Cases = append(page.Cases, c)
			}
		}
		page.Next = got.Next
		if got.Next == "" || len(page.Cases) >= want {
			return page, nil
		}
		q.Cursor = got.Next
	}
}

// checkCaseQuery refuses a filter that names no status, kind or stage, sets DueBefore from
// Overdue, and bounds the page size.
func (s *Service) checkCaseQuery(q CaseQuery) (CaseQuery, error) {
	switch q.Status {
	case "", StatusOpen, StatusClosed:
	default:
		return q, Invalid("status", "The status must be open or closed")
	}
	if q.Kind != "" && !q.Kind.Valid() {
		return q, Invalid("kind", "Choose a kind of feedback from the list")
	}
	if q.Stage != "" && q.Stage != Stage1 && q.Stage != Stage2 {
		return q, Invalid("stage", "The stage must be stage1 or stage2")
	}
	if q.Overdue {
		q.Status = StatusOpen
		q.DueBefore = s.Calendar.Date(s.Clock.Now())
	}
	if q.Limit <= 0 {
		q.Limit = defaultPageSize
	}
	q.Limit = min(q.Limit, maxPageSize)
	return q, nil
}

// Matches reports whether c meets q's filters (not its cursor or limit): the stores' shared
// definition of a query, which the DynamoDB store also checks after its index's eventually
// consistent read.
func (q CaseQuery) Matches(c *Case) bool {
	status := q.Status
	if status == "" {
		status = StatusOpen
	}
	return c.Status == status &&
		(q.AssignedTo == "" || strings.EqualFold(c.AssignedTo, q.AssignedTo)) &&
		(q.ServiceArea == "" || c.ServiceArea == q.ServiceArea) &&
		(q.Kind == "" || c.Kind == q.Kind) &&
		(q.Stage == "" || c.Stage == q.Stage) &&
		(q.Channel == "" || c.Channel == q.Channel) &&
		(q.DueBefore.IsZero() || !c.RespondBy.IsZero() && c.RespondBy.Format(time.DateOnly) < q.DueBefore.Format(time.DateOnly))
}

// defaultPageSize and maxPageSize bound a page of ListCases.
const (
	defaultPageSize = 25
	maxPageSize     = 100
)
