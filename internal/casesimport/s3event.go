package casesimport

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-lambda-go/events"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/s3blobs"
)

// HandleS3 runs the import of each uploaded file the bucket's event names (the importer
// function's handler). A key that is not an import file, or a bucket other than Bucket, is an
// error: the template's filter should never pass one.
func (r *Runner) HandleS3(ctx context.Context, ev events.S3Event) error {
	keys, errs := s3blobs.ObjectKeys(ev, r.Bucket, "casesimport")
	for _, key := range keys {
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

// NewRunner is the importer function's runner: svc's store must keep import jobs, and the files
// are read from svc's blobs in bucket.
func NewRunner(svc *feedback.Service, bucket string) (*Runner, error) {
	jobs, ok := svc.Store.(feedback.ImportJobStore)
	if !ok {
		return nil, errors.New("casesimport: the store keeps no import jobs")
	}
	return &Runner{Service: svc, Jobs: jobs, Files: svc.Blobs, Bucket: bucket, Workers: DefaultWorkers, Log: svc.Log}, nil
}
