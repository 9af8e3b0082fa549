package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/council/intake/internal/feedback"
)

// callAttempts bounds the tries of one call that DynamoDB refused for a passing reason: two
// transactions on one item at once (a double-click on the form), or throttling that outlasted
// the SDK's own retries. With backoff the budget is under a second; then the caller gets
// EUNAVAILABLE, which the web layer answers with 503 and Retry-After.
const callAttempts = 5

// passing reports whether err is one that the same call may not meet again shortly.
func passing(err error) bool {
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		conflict := false
		for _, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				return false // a real answer, not a passing one
			case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
				conflict = true
			}
		}
		return conflict
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "TransactionConflictException", "TransactionInProgressException",
			"ProvisionedThroughputExceededException", "RequestLimitExceeded", "ThrottlingException",
			"InternalServerError", "ServiceUnavailable":
			return true
		}
	}
	return false
}

// call runs fn, retrying it with exponential backoff and full jitter while it fails for a
// passing reason, at most callAttempts times. What is still failing then becomes EUNAVAILABLE,
// with the original error kept in the chain for the log.
func call(ctx context.Context, what string, fn func() error) error {
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil || !passing(err) {
			return err
		}
		if attempt == callAttempts {
			return fmt.Errorf("dynamo: %s: gave up after %d tries: %w: %w", what, attempt, err,
				feedback.Errorf(feedback.EUNAVAILABLE, "The case store is busy. Please try again in a few seconds."))
		}
		if err := sleep(ctx, jitter(attempt)); err != nil {
			return fmt.Errorf("dynamo: %s: %w", what, err)
		}
	}
}

// maxWait caps one wait between tries.
const maxWait = 250 * time.Millisecond

// jitter is the wait before try attempt+1: between half and all of 10 ms doubled for each try
// already made, capped at maxWait ("equal jitter"), so that writers that collided spread out
// and do not collide again, while none retries at once.
func jitter(attempt int) time.Duration {
	ceiling := min(10*time.Millisecond<<attempt, maxWait)
	return ceiling/2 + time.Duration(rand.Int64N(int64(ceiling/2)))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
