package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// Restriction items live in one partition, so that the register (a council's few dozen
// restrictions at most) is one Query: intake screens every new message against it.
const (
	pkRestrictions    = "RESTRICTIONS"
	prefixRestriction = "RS#"
)

// AttrEffectsPending is "PENDING" on a restriction item while it has side effects to carry out
// (a letter to the person, review reminders to make) and absent otherwise: the stream filter
// invokes the notifier when it appears, as gsi_pending does for a case. It is in no index.
const AttrEffectsPending = "effects_pending"

var _ feedback.RestrictionStore = (*Store)(nil)

// restrictionRecord is a restriction item as stored.
type restrictionRecord struct {
	PK           string                  `dynamodbav:"PK"`
	SK           string                  `dynamodbav:"SK"`
	ID           string                  `dynamodbav:"id"`
	Contacts     []string                `dynamodbav:"contacts"`
	Types        []string                `dynamodbav:"types"`
	Topic        string                  `dynamodbav:"topic,omitempty"`
	PhoneTimes   string                  `dynamodbav:"phone_times,omitempty"`
	Reason       string                  `dynamodbav:"reason,omitempty"`
	DecidedBy    string                  `dynamodbav:"decided_by,omitempty"`
	NamedOfficer string                  `dynamodbav:"named_officer,omitempty"`
	Scope        []string                `dynamodbav:"scope,omitempty"`
	DecidedOn    string                  `dynamodbav:"decided_on,omitempty"`
	ReviewBy     string                  `dynamodbav:"review_by,omitempty"`
	Status       string                  `dynamodbav:"status,omitempty"`
	LiftedOn     string                  `dynamodbav:"lifted_on,omitempty"`
	History      []eventRecord           `dynamodbav:"history,omitempty"`
	Letters      []letterRecord          `dynamodbav:"letters,omitempty"`
	Effects      map[string]effectRecord `dynamodbav:"effects,omitempty"`
	RetainUntil  string                  `dynamodbav:"retain_until,omitempty"`
	ExpiresAt    int64                   `dynamodbav:"expires_at,omitempty"`
	CreatedAt    string                  `dynamodbav:"created_at,omitempty"`
	UpdatedAt    string                  `dynamodbav:"updated_at,omitempty"`
	Version      int                     `dynamodbav:"version"`
	Pending      string                  `dynamodbav:"effects_pending,omitempty"`
}

func marshalRestriction(r *feedback.Restriction) (map[string]types.AttributeValue, error) {
	rec := restrictionRecord{
		PK: pkRestrictions, SK: prefixRestriction + r.ID, ID: r.ID, Contacts: r.Contacts,
		Topic: r.Topic, PhoneTimes: r.PhoneTimes, Reason: r.Reason, DecidedBy: r.DecidedBy, NamedOfficer: r.NamedOfficer,
		Scope: r.Scope, DecidedOn: formatTime(r.DecidedOn), ReviewBy: formatTime(r.ReviewBy), Status: string(r.Status),
		LiftedOn: formatTime(r.LiftedOn), History: marshalHistory(r.History), Letters: marshalLetters(r.Letters),
		Effects: marshalEffects(r.Effects, true), RetainUntil: formatTime(r.ExpiresAt), ExpiresAt: epoch(r.ExpiresAt),
		CreatedAt: formatTime(r.CreatedAt), UpdatedAt: formatTime(r.UpdatedAt), Version: r.Version,
	}
	for _, t := range r.Types {
		rec.Types = append(rec.Types, string(t))
	}
	if len(r.Effects.Pending()) > 0 {
		rec.Pending = pendingValue
	}
	return attributevalue.MarshalMap(rec)
}

func unmarshalRestriction(item map[string]types.AttributeValue) (*feedback.Restriction, error) {
	var rec restrictionRecord
	if err := attributevalue.UnmarshalMap(item, &rec); err != nil {
		return nil, fmt.Errorf("decode restriction item: %w", err)
	}
	p := timeParser{ref: rec.ID}
	r := &feedback.Restriction{
		ID: rec.ID, Contacts: rec.Contacts, Topic: rec.Topic, PhoneTimes: rec.PhoneTimes, Reason: rec.Reason,
		DecidedBy: rec.DecidedBy, NamedOfficer: rec.NamedOfficer, Scope: rec.Scope,
		DecidedOn: p.parse("decided_on", rec.DecidedOn), ReviewBy: p.parse("review_by", rec.ReviewBy),
		Status: feedback.RestrictionStatus(rec.Status), LiftedOn: p.parse("lifted_on", rec.LiftedOn),
		ExpiresAt: p.parse("retain_until", rec.RetainUntil),
		CreatedAt: p.parse("created_at", rec.CreatedAt), UpdatedAt: p.parse("updated_at", rec.UpdatedAt), Version: rec.Version,
	}
	for _, t := range rec.Types {
		r.Types = append(r.Types, feedback.RestrictionType(t))
	}
	for i, e := range rec.History {
		r.History = append(r.History, feedback.Event{At: p.parse(fmt.Sprintf("history[%d].at", i), e.At),
			By: e.By, Action: e.Action, Detail: e.Detail, Reason: e.Reason})
	}
	for i, l := range rec.Letters {
		r.Letters = append(r.Letters, feedback.Letter{Name: l.Name, At: p.parse(fmt.Sprintf("letters[%d].at", i), l.At), To: l.To,
			Subject: l.Subject, Text: l.Text, HTML: l.HTML, Staff: l.Staff, ByPost: l.ByPost})
	}
	if len(rec.Effects) > 0 {
		r.Effects = make(feedback.Effects, len(rec.Effects))
		for name, e := range rec.Effects {
			r.Effects[name] = feedback.Effect{State: feedback.EffectState(e.State), Reason: e.Reason, MessageID: e.MessageID,
				Attempts: e.Attempts, ClaimedBy: e.ClaimedBy, At: p.parse("effects."+name+".at", e.At),
				ClaimedUntil: p.parse("effects."+name+".claimed_until", e.ClaimedUntil)}
		}
	}
	if p.err != nil {
		return nil, p.err
	}
	return r, nil
}

// CreateRestriction writes the restriction if its id is free.
func (s *Store) CreateRestriction(ctx context.Context, r *feedback.Restriction) error {
	stored := *r
	stored.Version = 1
	item, err := marshalRestriction(&stored)
	if err != nil {
		return fmt.Errorf("dynamo: create restriction %s: %w", r.ID, err)
	}
	if err := s.putNew(ctx, "restriction "+r.ID, inTTLReach(item, s.clock.Now())); err != nil {
		return err
	}
	r.Version = 1
	return nil
}

// GetRestriction returns the restriction, or ENOTFOUND if there is none or it has expired.
func (s *Store) GetRestriction(ctx context.Context, id string) (*feedback.Restriction, error) {
	return restrictions.get(ctx, s, id)
}

// UpdateRestriction reads, applies fn and writes back if the version is unchanged, retrying on
// a lost race.
func (s *Store) UpdateRestriction(ctx context.Context, id string, fn func(*feedback.Restriction) error) (*feedback.Restriction, error) {
	for attempt := 0; attempt < updateAttempts; attempt++ {
		if attempt > 0 {
			if err := sleep(ctx, jitter(attempt)); err != nil {
				return nil, fmt.Errorf("dynamo: update restriction %s: %w", id, err)
			}
		}
		r, err := s.GetRestriction(ctx, id)
		if err != nil {
			return nil, err
		}
		old := r.Version
		if err := fn(r); err != nil {
			return nil, err
		}
		if r.ID != id {
			return nil, feedback.Errorf(feedback.EINVALID, "the id of restriction %s cannot change", id)
		}
		r.Version = old + 1
		item, err := marshalRestriction(r)
		if err != nil {
			return nil, fmt.Errorf("dynamo: update restriction %s: %w", id, err)
		}
		item = inTTLReach(item, s.clock.Now())
		err = call(ctx, "put restriction", func() error {
			_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: item,
				ConditionExpression:       aws.String("#v = :v"),
				ExpressionAttributeNames:  map[string]string{"#v": AttrVersion},
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(old)}}})
			return err
		})
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("dynamo: update restriction %s: %w", id, err)
		}
		return r, nil
	}
	return nil, feedback.Errorf(feedback.ECONFLICT, "restriction %s is being changed by someone else; try again", id)
}

// ListRestrictions queries the register's partition.
func (s *Store) ListRestrictions(ctx context.Context) ([]*feedback.Restriction, error) {
	return restrictions.list(ctx, s)
}
