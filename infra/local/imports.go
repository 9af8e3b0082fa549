package main

import (
	"context"
	"fmt"

	"github.com/council/intake/internal/casesimport"
	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/web"
)

// imports has the console import past cases in the background, as the importer function does
// in AWS: the file posted to the console is stored in the data directory under its job's key,
// and imported in a goroutine, which records its progress on the job for the import page.
func (s *Server) imports() *web.Imports {
	jobs := s.stack.Store
	r := &casesimport.Runner{Service: s.service, Jobs: jobs, Files: s.stack.Blobs, Log: s.log}
	return &web.Imports{Jobs: jobs, Accept: func(ctx context.Context, id string, file []byte) error {
		if err := s.stack.Blobs.Put(ctx, feedback.ImportFileKey(id), file, "text/csv"); err != nil {
			return fmt.Errorf("store import %s: %w", id, err)
		}
		s.running.Add(1)
		go func() {
			defer s.running.Done()
			if err := r.Run(context.WithoutCancel(ctx), id); err != nil {
				s.log.Error("import", "job", id, "err", err)
			}
		}()
		return nil
	}}
}
