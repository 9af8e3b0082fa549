package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/council/intake/internal/feedback"
	"github.com/council/intake/internal/mailin"
	"github.com/council/intake/internal/mailparse"
)

// maxEmailBytes is the largest message taken in, SES's own limit for received mail.
const maxEmailBytes = mailparse.DefaultMaxMessageBytes

// receiveEmail takes in one raw message as the email Lambda function would: it stores it in the
// blob directory (as SES stores it in the bucket), runs the same mailin code on it, and then,
// standing in for the table's stream, carries out the case's side effects.
func (s *Server) receiveEmail(ctx context.Context, raw []byte) (feedback.EmailOutcome, error) {
	r := &mailin.Receiver{Blobs: s.service.Blobs, Service: s.service, Limits: mailparse.DefaultLimits(), Log: s.log}
	key, err := r.Store(ctx, raw)
	if err != nil {
		return feedback.EmailOutcome{}, err
	}
	out, err := r.Receive(ctx, key)
	if err != nil {
		return out, err
	}
	if out.Reference != "" {
		s.afterCommit(ctx, out.Reference)
	}
	return out, nil
}

// postEmail is POST /_local/email: the body is a raw RFC 5322 message; the answer is the outcome
// as JSON: {"outcome": "created"|"threaded"|"ignored"|"quarantined", "reference", "reason"}.
func (s *Server) postEmail(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEmailBytes))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, fmt.Sprintf("the message is larger than %d MB, the most SES accepts", maxEmailBytes>>20), http.StatusRequestEntityTooLarge)
		return
	case err != nil:
		http.Error(w, "the message could not be read", http.StatusBadRequest)
		return
	case len(bytes.TrimSpace(raw)) == 0:
		http.Error(w, "send a raw email (RFC 5322: headers, a blank line, the body) as the request body", http.StatusBadRequest)
		return
	}
	out, err := s.receiveEmail(r.Context(), raw)
	if err != nil {
		s.log.Error("inbound email failed", "err", err)
		http.Error(w, "internal error: the message is kept and will not be lost; see the runner's log", http.StatusInternalServerError)
		return
	}
	status := http.StatusOK
	if out.Outcome == feedback.EmailCreated {
		status = http.StatusCreated
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(out)
}

// serveSMTP accepts mail on ln for as long as ctx lasts, as SES's receiving endpoint would.
func (s *Server) serveSMTP(ctx context.Context, ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }))
	srv.Domain = "localhost"
	srv.MaxMessageBytes = maxEmailBytes
	srv.MaxRecipients = 50
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
		s.log.Error("smtp listener stopped", "err", err)
	}
}

// smtpSession is one SMTP conversation. Recipients are whatever the message's own headers say:
// as with SES, the envelope only decides delivery.
type smtpSession struct {
	s    *Server
	from string
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *smtpSession) Rcpt(string, *smtp.RcptOptions) error { return nil }

func (ss *smtpSession) Data(r io.Reader) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	// SES records the envelope sender as Return-Path; a bounce has an empty one.
	raw := append([]byte("Return-Path: <"+ss.from+">\r\n"), body...)
	out, err := ss.s.receiveEmail(context.Background(), raw)
	if err != nil {
		ss.s.log.Error("inbound email failed", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Intake could not take the message in; try again"}
	}
	// A 250 reply that says what became of the message, for whoever is trying Intake locally.
	msg := "OK: " + out.Outcome
	if out.Reference != "" {
		msg += " " + out.Reference
	}
	if out.Reason != "" {
		msg += " (" + out.Reason + ")"
	}
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: msg}
}

func (ss *smtpSession) Reset()        { ss.from = "" }
func (ss *smtpSession) Logout() error { return nil }
