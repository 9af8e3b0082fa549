package dynamo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// kind is how the store reads one kind of item kept whole under its own key: a case, or an
// entry of a register. An item past its retention end is gone to every read, whether or not
// TTL has deleted it yet.
type kind[T any] struct {
	name     string // "case", "restriction", "marker": for errors
	decode   func(map[string]types.AttributeValue) (*T, error)
	expired  func(*T, time.Time) bool
	notFound string // the ENOTFOUND message, %s the id
}

// get reads the item under k, or ENOTFOUND if there is none or it has expired.
func (n kind[T]) get(ctx context.Context, s *Store, id string, k map[string]types.AttributeValue) (*T, error) {
	item, err := s.getItem(ctx, n.name, k)
	if err != nil {
		return nil, fmt.Errorf("dynamo: get %s %s: %w", n.name, id, err)
	}
	if len(item) == 0 {
		return nil, feedback.Errorf(feedback.ENOTFOUND, n.notFound, id)
	}
	v, err := n.decode(item)
	if err != nil {
		return nil, fmt.Errorf("dynamo: get %s %s: %w", n.name, id, err)
	}
	if n.expired(v, s.clock.Now()) {
		return nil, feedback.Errorf(feedback.ENOTFOUND, n.notFound, id)
	}
	return v, nil
}

var caseItems = kind[feedback.Case]{name: "case", decode: unmarshalCase, expired: (*feedback.Case).Expired, notFound: "case %s not found"}

// The registers, restrictions and staff-safety markers, are kept alike: each in a partition of
// its own, so that one Query reads a register whole, an entry under its prefix and id; an entry
// leaves the lists at its retention end; a list goes oldest decision first, then by id.
type register[T any] struct {
	kind[T]
	pk, prefix string
	// decided returns the entry's decision day and id, the list's order.
	decided func(*T) (time.Time, string)
}

var (
	restrictions = register[feedback.Restriction]{
		kind: kind[feedback.Restriction]{name: "restriction", decode: unmarshalRestriction,
			expired: (*feedback.Restriction).Expired, notFound: "no restriction %s"},
		pk: pkRestrictions, prefix: prefixRestriction,
		decided: func(r *feedback.Restriction) (time.Time, string) { return r.DecidedOn, r.ID },
	}
	markers = register[feedback.Marker]{
		kind: kind[feedback.Marker]{name: "marker", decode: unmarshalMarker,
			expired: (*feedback.Marker).Expired, notFound: "no marker %s"},
		pk: pkMarkers, prefix: prefixMarker,
		decided: func(m *feedback.Marker) (time.Time, string) { return m.DecidedOn, m.ID },
	}
)

// key is the entry id's key.
func (g register[T]) key(id string) map[string]types.AttributeValue { return key(g.pk, g.prefix+id) }

// get returns the entry id, or ENOTFOUND if there is none or it has expired.
func (g register[T]) get(ctx context.Context, s *Store, id string) (*T, error) {
	return g.kind.get(ctx, s, id, g.key(id))
}

// list queries the register's partition for the entries not yet expired, oldest decision first.
func (g register[T]) list(ctx context.Context, s *Store) ([]*T, error) {
	now := s.clock.Now()
	var out []*T
	err := s.queryPartition(ctx, g.name+"s", g.pk, "", nil, nil, func(item map[string]types.AttributeValue) error {
		v, err := g.decode(item)
		if err == nil && !g.expired(v, now) {
			out = append(out, v)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		di, idi := g.decided(out[i])
		dj, idj := g.decided(out[j])
		if !di.Equal(dj) {
			return di.Before(dj)
		}
		return idi < idj
	})
	return out, nil
}
