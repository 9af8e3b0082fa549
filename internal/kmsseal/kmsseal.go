// Package kmsseal seals and opens what must pass through the case table unread (a sign-in
// link's address and token, feedback.Sealer) with an AWS KMS key: Encrypt in the officer
// function, Decrypt in the notifier, each allowed only that one action on that one key by
// template.yaml, and only under the encryption context purpose=sign-in-link. The link's hash is
// the rest of the context, so a sealed letter opens only as the link it was sealed for; KMS
// binds the context to the ciphertext as additional authenticated data and CloudTrail records
// it, never the plaintext.
//
// Like ssmparam it makes its requests over the service's JSON API itself (awsapi), rather than
// linking the SDK's KMS client for two operations.
package kmsseal

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/council/intake/internal/awsapi"
	"github.com/council/intake/internal/config"
	"github.com/council/intake/internal/feedback"
)

// Purpose is the encryption context's purpose, which the template's grants require.
const Purpose = "sign-in-link"

// Sealer is a feedback.Sealer over one KMS key.
type Sealer struct {
	awsCfg aws.Config
	key    string
}

var _ feedback.Sealer = (*Sealer)(nil)

// New returns a Sealer with the key (its id or ARN), asked of KMS with awsCfg.
func New(awsCfg aws.Config, key string) *Sealer { return &Sealer{awsCfg: awsCfg, key: key} }

func encryptionContext(link string) map[string]string {
	return map[string]string{"purpose": Purpose, "link": link}
}

// Seal encrypts plain (at most 4 KB) under the key, bound to link.
func (s *Sealer) Seal(ctx context.Context, link string, plain []byte) ([]byte, error) {
	var out struct{ CiphertextBlob []byte }
	in := map[string]any{"KeyId": s.key, "Plaintext": plain, "EncryptionContext": encryptionContext(link)}
	if err := awsapi.CallJSON(ctx, s.awsCfg, "kms", "TrentService", "Encrypt", in, &out); err != nil {
		return nil, fmt.Errorf("kmsseal: encrypt: %w", err)
	}
	return out.CiphertextBlob, nil
}

// Open decrypts what Seal sealed for link. The key is named, so that a ciphertext made under
// any other key is refused rather than opened with it.
func (s *Sealer) Open(ctx context.Context, link string, sealed []byte) ([]byte, error) {
	var out struct{ Plaintext []byte }
	in := map[string]any{"KeyId": s.key, "CiphertextBlob": sealed, "EncryptionContext": encryptionContext(link)}
	if err := awsapi.CallJSON(ctx, s.awsCfg, "kms", "TrentService", "Decrypt", in, &out); err != nil {
		return nil, fmt.Errorf("kmsseal: decrypt: %w", err)
	}
	return out.Plaintext, nil
}

// Wire gives svc a Sealer over the key INTAKE_SIGNIN_LINK_KEY names: a setup.Adapter, named by
// the officer function and the notifier.
func Wire(svc *feedback.Service, cfg *config.Config, awsCfg aws.Config) error {
	if cfg.SignInLinkKey == "" {
		return fmt.Errorf("kmsseal: INTAKE_SIGNIN_LINK_KEY is not set: the template sets it to the sign-in link key's ARN")
	}
	svc.Sealer = New(awsCfg, cfg.SignInLinkKey)
	return nil
}

// CreateKey makes a symmetric encryption key and returns its ARN: what template.yaml's
// SignInLinkKey is, for tests on moto.
func CreateKey(ctx context.Context, awsCfg aws.Config) (string, error) {
	var out struct{ KeyMetadata struct{ Arn string } }
	in := map[string]any{"Description": "Intake sign-in links (test)", "KeySpec": "SYMMETRIC_DEFAULT", "KeyUsage": "ENCRYPT_DECRYPT"}
	if err := awsapi.CallJSON(ctx, awsCfg, "kms", "TrentService", "CreateKey", in, &out); err != nil {
		return "", fmt.Errorf("kmsseal: create key: %w", err)
	}
	return out.KeyMetadata.Arn, nil
}
