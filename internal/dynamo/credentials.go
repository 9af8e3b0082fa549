package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// Sign-in links and console sessions (feedback.Sessions) are items in the case table, keyed
// "CRED#<kind>#<hash>" / "CRED", reached only by key: GetItem, a conditional PutItem and a
// conditional DeleteItem, never a Scan. TTL on expires_at removes them (days late, so every
// read checks expires_ns, the exact instant, against the clock). A Take is one DeleteItem
// conditional on the item being there and live, returning the old item: DynamoDB lets exactly
// one of several such deletes succeed, which keeps a link single-use under concurrent clicks.

var _ feedback.Sessions = (*Store)(nil)

const (
	prefixCred    = "CRED#"
	skCred        = "CRED"
	attrExpiresNs = "expires_ns"
)

// credTime is created_at's layout: RFC 3339 with every digit of the nanoseconds kept, so that
// every link item is the same size, whoever it is for and whenever it is made (RFC3339Nano drops
// trailing zeros). It reads back as RFC 3339.
const credTime = "2006-01-02T15:04:05.000000000Z07:00"

// credRecord is a credential item as stored.
type credRecord struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Kind      string `dynamodbav:"kind"`
	Hash      string `dynamodbav:"hash"`
	Email     string `dynamodbav:"email"`
	CreatedAt string `dynamodbav:"created_at"`
	ExpiresNs int64  `dynamodbav:"expires_ns"`
	ExpiresAt int64  `dynamodbav:"expires_at"`
	// Sealed is a link's email sealed for the notifier (feedback.Sealer), or absent.
	Sealed []byte `dynamodbav:"sealed,omitempty"`
}

func credKey(kind feedback.CredentialKind, hash string) map[string]types.AttributeValue {
	return key(prefixCred+string(kind)+"#"+hash, skCred)
}

// liveCondition holds for an item that is there and has not expired at :now.
const liveCondition = "attribute_exists(" + AttrPK + ") AND #expns > :now"

func nowValue(t time.Time) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(t.UnixNano(), 10)}}
}

// PutCredential stores c unless a live credential of its kind and hash exists.
func (s *Store) PutCredential(ctx context.Context, c feedback.Credential) error {
	item, err := attributevalue.MarshalMap(credRecord{
		PK: prefixCred + string(c.Kind) + "#" + c.Hash, SK: skCred,
		Kind: string(c.Kind), Hash: c.Hash, Email: c.Email, CreatedAt: c.CreatedAt.UTC().Format(credTime),
		ExpiresNs: c.ExpiresAt.UnixNano(), ExpiresAt: epoch(c.ExpiresAt), Sealed: c.Sealed,
	})
	if err != nil {
		return fmt.Errorf("dynamo: put credential: %w", err)
	}
	err = call(ctx, "put credential", func() error {
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: &s.table, Item: item,
			ConditionExpression:       aws.String("NOT (" + liveCondition + ")"),
			ExpressionAttributeNames:  map[string]string{"#expns": attrExpiresNs},
			ExpressionAttributeValues: nowValue(s.clock.Now()),
		})
		return err
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return feedback.Errorf(feedback.ECONFLICT, "that credential exists already")
	}
	if err != nil {
		return fmt.Errorf("dynamo: put credential: %w", err)
	}
	return nil
}

// GetCredential returns a live credential.
func (s *Store) GetCredential(ctx context.Context, kind feedback.CredentialKind, hash string) (feedback.Credential, error) {
	item, err := s.getItem(ctx, "credential", credKey(kind, hash))
	if err != nil {
		return feedback.Credential{}, fmt.Errorf("dynamo: get credential: %w", err)
	}
	return s.liveCred(item)
}

// TakeCredential deletes a live credential and returns it.
func (s *Store) TakeCredential(ctx context.Context, kind feedback.CredentialKind, hash string) (feedback.Credential, error) {
	var out *dynamodb.DeleteItemOutput
	err := call(ctx, "take credential", func() (err error) {
		out, err = s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: &s.table, Key: credKey(kind, hash),
			ConditionExpression:       aws.String(liveCondition),
			ExpressionAttributeNames:  map[string]string{"#expns": attrExpiresNs},
			ExpressionAttributeValues: nowValue(s.clock.Now()),
			ReturnValues:              types.ReturnValueAllOld,
		})
		return err
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return feedback.Credential{}, feedback.Errorf(feedback.ENOTFOUND, "no such credential")
	}
	if err != nil {
		return feedback.Credential{}, fmt.Errorf("dynamo: take credential: %w", err)
	}
	return s.liveCred(out.Attributes)
}

// DeleteCredential deletes the credential, if there is one.
func (s *Store) DeleteCredential(ctx context.Context, kind feedback.CredentialKind, hash string) error {
	err := call(ctx, "delete credential", func() error {
		_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: credKey(kind, hash)})
		return err
	})
	if err != nil {
		return fmt.Errorf("dynamo: delete credential: %w", err)
	}
	return nil
}

func (s *Store) liveCred(item map[string]types.AttributeValue) (feedback.Credential, error) {
	if len(item) == 0 {
		return feedback.Credential{}, feedback.Errorf(feedback.ENOTFOUND, "no such credential")
	}
	c, err := decodeCred(item)
	if err != nil {
		return feedback.Credential{}, err
	}
	if !s.clock.Now().Before(c.ExpiresAt) {
		return feedback.Credential{}, feedback.Errorf(feedback.ENOTFOUND, "no such credential")
	}
	return c, nil
}

func decodeCred(item map[string]types.AttributeValue) (feedback.Credential, error) {
	var r credRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return feedback.Credential{}, fmt.Errorf("dynamo: decode credential: %w", err)
	}
	p := timeParser{ref: "credential"}
	c := feedback.Credential{Kind: feedback.CredentialKind(r.Kind), Hash: r.Hash, Email: r.Email,
		CreatedAt: p.parse("created_at", r.CreatedAt), ExpiresAt: time.Unix(0, r.ExpiresNs).UTC(), Sealed: r.Sealed}
	if p.err != nil {
		return feedback.Credential{}, fmt.Errorf("dynamo: decode credential: %w", p.err)
	}
	return c, nil
}

// prefixLink starts the partition key of every sign-in link item.
const prefixLink = prefixCred + string(feedback.CredentialLink) + "#"

// LinkFromStreamImage decodes a sign-in link item's NewImage on the table's stream, for the
// notifier to send the link sealed in it (feedback.LinkCourier). It reports false, with no
// error, for an image of anything else.
func LinkFromStreamImage(image map[string]events.DynamoDBAttributeValue) (feedback.Credential, bool, error) {
	pk, sk := image[AttrPK], image[AttrSK]
	if len(image) == 0 || pk.DataType() != events.DataTypeString || sk.DataType() != events.DataTypeString ||
		!strings.HasPrefix(pk.String(), prefixLink) || sk.String() != skCred {
		return feedback.Credential{}, false, nil
	}
	item, err := fromEventMap(image)
	if err != nil {
		return feedback.Credential{}, false, fmt.Errorf("dynamo: stream image of a sign-in link: %w", err)
	}
	c, err := decodeCred(item)
	if err != nil {
		return feedback.Credential{}, false, fmt.Errorf("dynamo: stream image of a sign-in link: %w", err)
	}
	return c, true, nil
}
