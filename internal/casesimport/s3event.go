package casesimport

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-lambda-go/events"
	"github.com/council/intake/internal/feedback"
)

// HandleS3 runs the import of each uploaded file the bucket's event names (the importer
// function's handler). A key that is not an import file, or a bucket other than Bucket, is an
// error: the template's filter should never pass one.
func (r *Runner) HandleS3(ctx context.Context, ev events.S3Event) error {
	var errs []error
	for _, rec := range ev.Records {
		if r.Bucket != "" && rec.S3.Bucket.Name != r.Bucket {
			errs = append(errs, fmt.Errorf("casesimport: event for bucket %q, but this function reads %q", rec.S3.Bucket.Name, r.Bucket))
			continue
		}
		// S3 event keys are URL-encoded.
		key, err := url.QueryUnescape(rec.S3.Object.Key)
		if err != nil {
			errs = append(errs, fmt.Errorf("casesimport: object key %q: %w", rec.S3.Object.Key, err))
			continue
		}
		id, ok := feedback.ImportJobOfFile(key)
		if !ok {
			errs = append(errs, fmt.Errorf("casesimport: %q is not an import file", key))
			continue
		}
		if err := r.Run(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
