package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

// bucketImports holds the import jobs by id (feedback.ImportJob as JSON).
var bucketImports = []byte("imports")

// PutImportJob writes j if the stored job is in state from ("" for none), else ECONFLICT.
func (s *Store) PutImportJob(_ context.Context, j *feedback.ImportJob, from feedback.ImportState) error {
	rec, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("boltstore: encode import job %s: %w", j.ID, err)
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketImports)
		var state feedback.ImportState
		if v := b.Get([]byte(j.ID)); v != nil {
			var old feedback.ImportJob
			if err := json.Unmarshal(v, &old); err != nil {
				return fmt.Errorf("decode import job %s: %w", j.ID, err)
			}
			state = old.State
		}
		if state != from {
			return feedback.Errorf(feedback.ECONFLICT, "The import is %s, not %s.", state.Label(), from.Label())
		}
		return b.Put([]byte(j.ID), rec)
	})
	if err != nil && feedback.ErrorCode(err) != feedback.ECONFLICT {
		return fmt.Errorf("boltstore: put import job %s: %w", j.ID, err)
	}
	return err
}

// GetImportJob returns the import job, or ENOTFOUND.
func (s *Store) GetImportJob(_ context.Context, id string) (*feedback.ImportJob, error) {
	var j *feedback.ImportJob
	err := s.db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketImports).Get([]byte(id)); v != nil {
			j = &feedback.ImportJob{}
			return json.Unmarshal(v, j)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("boltstore: get import job %s: %w", id, err)
	}
	if j == nil {
		return nil, feedback.Errorf(feedback.ENOTFOUND, "There is no import %s.", id)
	}
	return j, nil
}
