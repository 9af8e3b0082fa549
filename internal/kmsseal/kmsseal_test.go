package kmsseal_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/council/intake/internal/kmsseal"
	"github.com/council/intake/internal/mototest"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// TestSealer_SealOpen: on moto's KMS, a sealed letter opens as the link it was sealed for, under
// the key it was sealed with, and under nothing else; letters of one size seal to one size; the
// plaintext is not in what is stored.
func TestSealer_SealOpen(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Config()
	cfg.BaseEndpoint = aws.String(mototest.Endpoint(t))
	key, err := kmsseal.CreateKey(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	other, err := kmsseal.CreateKey(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := kmsseal.New(cfg, key)
	plain := []byte(`{"to":"planning@example.gov.uk","token":"abc"}`)
	sealed, err := s.Seal(ctx, "link-1", plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("planning@example.gov.uk")) {
		t.Errorf("the sealed letter holds the address in the clear")
	}
	tests := []struct {
		name    string
		sealer  *kmsseal.Sealer
		link    string
		wantErr bool
	}{
		{"the same link and key", s, "link-1", false},
		{"another link", s, "link-2", true},
		{"another key", kmsseal.New(cfg, other), "link-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.sealer.Open(ctx, tt.link, sealed)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Open: %v; want an error: %v", err, tt.wantErr)
			}
			if err == nil && !bytes.Equal(got, plain) {
				t.Errorf("Open = %q; want %q", got, plain)
			}
		})
	}
	again, err := s.Seal(ctx, "link-2", bytes.Repeat([]byte("x"), len(plain)))
	if err != nil {
		t.Fatal(err)
	}
	if len(again) != len(sealed) {
		t.Errorf("letters of %d bytes sealed to %d and %d bytes; want one size", len(plain), len(sealed), len(again))
	}
}
