package boltstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/council/intake/internal/feedback"
	bolt "go.etcd.io/bbolt"
)

// The store keeps sign-in links and console sessions (feedback.Sessions) in their own bucket,
// keyed by kind and hash. bbolt serialises writers, so a Take is a read and a delete in one
// write transaction and two at once cannot both find the credential.

func credKey(kind feedback.CredentialKind, hash string) []byte {
	return []byte(string(kind) + "#" + hash)
}

// PutCredential stores c unless a credential of its kind and hash exists (and has not expired).
func (s *Store) PutCredential(_ context.Context, c feedback.Credential) error {
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCreds)
		k := credKey(c.Kind, c.Hash)
		if _, err := s.liveCred(b, k); err == nil {
			return feedback.Errorf(feedback.ECONFLICT, "that credential exists already")
		}
		v, err := json.Marshal(c)
		if err != nil {
			return fmt.Errorf("encode credential: %w", err)
		}
		s.pruneCreds(b)
		return b.Put(k, v)
	})
	return wrapNil("put credential", err)
}

// GetCredential returns a live credential.
func (s *Store) GetCredential(_ context.Context, kind feedback.CredentialKind, hash string) (feedback.Credential, error) {
	var c feedback.Credential
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		c, err = s.liveCred(tx.Bucket(bucketCreds), credKey(kind, hash))
		return err
	})
	if err != nil {
		return feedback.Credential{}, wrap("get credential", err)
	}
	return c, nil
}

// TakeCredential removes a live credential and returns it.
func (s *Store) TakeCredential(_ context.Context, kind feedback.CredentialKind, hash string) (feedback.Credential, error) {
	var c feedback.Credential
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCreds)
		k := credKey(kind, hash)
		var err error
		if c, err = s.liveCred(b, k); err != nil {
			return err
		}
		return b.Delete(k)
	})
	if err != nil {
		return feedback.Credential{}, wrap("take credential", err)
	}
	return c, nil
}

// DeleteCredential removes the credential, if there is one.
func (s *Store) DeleteCredential(_ context.Context, kind feedback.CredentialKind, hash string) error {
	err := s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketCreds).Delete(credKey(kind, hash)) })
	return wrapNil("delete credential", err)
}

func (s *Store) liveCred(b *bolt.Bucket, k []byte) (feedback.Credential, error) {
	var c feedback.Credential
	v := b.Get(k)
	if v == nil {
		return c, feedback.Errorf(feedback.ENOTFOUND, "no such credential")
	}
	if err := json.Unmarshal(v, &c); err != nil {
		return c, fmt.Errorf("decode credential: %w", err)
	}
	if !s.clock.Now().Before(c.ExpiresAt) {
		return feedback.Credential{}, feedback.Errorf(feedback.ENOTFOUND, "no such credential")
	}
	return c, nil
}

// pruneCreds deletes expired credentials, as DynamoDB's TTL does, so the bucket stays small. A
// console's credentials number a few per officer per day, so a walk on each write is cheap.
func (s *Store) pruneCreds(b *bolt.Bucket) {
	now := s.clock.Now()
	var dead [][]byte
	b.ForEach(func(k, v []byte) error {
		var c feedback.Credential
		if json.Unmarshal(v, &c) == nil && !now.Before(c.ExpiresAt) {
			dead = append(dead, append([]byte(nil), k...))
		}
		return nil
	})
	for _, k := range dead {
		b.Delete(k)
	}
}

// wrapNil is wrap for a result that may be no error at all.
func wrapNil(op string, err error) error {
	if err == nil {
		return nil
	}
	return wrap(op, err)
}
