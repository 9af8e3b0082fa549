package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/council/intake/internal/feedback"
)

// Import job items: one per import in the background, their own item family, so that the
// functions' grants name it (dynamodb:LeadingKeys "IMPORT#*"). Their attributes are
// feedback.ImportJob's fields under its JSON names; expires_at is the record's end as epoch
// seconds, so that TTL removes it.
const (
	prefixImport = "IMPORT#" // + the job's id
	skImport     = "IMPORT"
	attrState    = "state"
)

func importKey(id string) map[string]types.AttributeValue { return key(prefixImport+id, skImport) }

// PutImportJob writes j if the stored job is in state from ("" for none), else ECONFLICT.
func (s *Store) PutImportJob(ctx context.Context, j *feedback.ImportJob, from feedback.ImportState) error {
	item, err := attributevalue.MarshalMapWithOptions(j, useJSONNames)
	if err != nil {
		return fmt.Errorf("dynamo: encode import job %s: %w", j.ID, err)
	}
	for k, v := range importKey(j.ID) {
		item[k] = v
	}
	item[AttrExpiresAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(epoch(j.ExpiresAt), 10)}
	in := &dynamodb.PutItemInput{TableName: &s.table, Item: item,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": AttrPK}}
	if from != "" {
		in.ConditionExpression = aws.String("#state = :from")
		in.ExpressionAttributeNames = map[string]string{"#state": attrState}
		in.ExpressionAttributeValues = map[string]types.AttributeValue{":from": str(string(from))}
	}
	err = call(ctx, "put import job", func() error { _, err := s.db.PutItem(ctx, in); return err })
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return feedback.Errorf(feedback.ECONFLICT, "The import is no longer %s.", from.Label())
	}
	if err != nil {
		return fmt.Errorf("dynamo: put import job %s: %w", j.ID, err)
	}
	return nil
}

// GetImportJob returns the import job, or ENOTFOUND.
func (s *Store) GetImportJob(ctx context.Context, id string) (*feedback.ImportJob, error) {
	item, err := s.getItem(ctx, "import job", importKey(id))
	if err != nil {
		return nil, fmt.Errorf("dynamo: get import job %s: %w", id, err)
	}
	if len(item) == 0 {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "There is no import %s.", id)
	}
	var expires int64
	if n, ok := item[AttrExpiresAt].(*types.AttributeValueMemberN); ok {
		expires, _ = strconv.ParseInt(n.Value, 10, 64)
	}
	delete(item, AttrExpiresAt)
	var j feedback.ImportJob
	if err := attributevalue.UnmarshalMapWithOptions(item, &j, func(o *attributevalue.DecoderOptions) { o.TagKey = "json" }); err != nil {
		return nil, fmt.Errorf("dynamo: decode import job %s: %w", id, err)
	}
	j.ExpiresAt = time.Unix(expires, 0).UTC()
	return &j, nil
}
