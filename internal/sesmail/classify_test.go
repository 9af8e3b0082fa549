package sesmail

import (
	"errors"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/council/intake/internal/feedback"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		code string
		want string
	}{
		{"MessageRejected", feedback.EINVALID},
		{"BadRequestException", feedback.EINVALID},
		{"TooManyRequestsException", feedback.EUNAVAILABLE},
		{"LimitExceededException", feedback.EUNAVAILABLE},
		{"ThrottlingException", feedback.EUNAVAILABLE},
		{"SendingPausedException", feedback.EUNAVAILABLE},
		{"InternalFailure", feedback.EINTERNAL}, // unknown: retried as transient, with no code of ours
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			err := classify(redact(&smithy.GenericAPIError{Code: tt.code, Message: "to ada@example.com"}))
			if got := feedback.ErrorCode(err); got != tt.want {
				t.Errorf("code = %s, want %s", got, tt.want)
			}
			var api smithy.APIError
			if !errors.As(err, &api) || api.ErrorCode() != tt.code {
				t.Errorf("the SES error is lost from the chain: %v", err)
			}
		})
	}
}
