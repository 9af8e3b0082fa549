// Package feedback is Intake's domain: cases and their contacts, the kinds of feedback, the
// stages and policy of the complaints procedure, the intake and lifecycle service, the error
// codes every adapter speaks, and the small interfaces (ports) through which the domain reaches
// storage, mail, scheduling and the clock. It imports nothing from AWS, HTTP or Lambda.
package feedback

import (
	"errors"
	"fmt"
	"strings"
)

// Error codes. Each maps to one HTTP status in exactly one table (internal/web).
const (
	EINVALID     = "invalid"     // the caller sent something we cannot accept
	ENOTFOUND    = "not_found"   // no such case (or it has passed its retention period)
	ECONFLICT    = "conflict"    // the write lost a race or reuses a key differently
	EFORBIDDEN   = "forbidden"   // the caller may not do this
	ETOOLARGE    = "too_large"   // the request is bigger than we accept
	EUNAVAILABLE = "unavailable" // a dependency is down; try again later
	EINTERNAL    = "internal"    // a bug or an unexpected failure: never shown in detail
)

// FieldError names one field of a submission and what is wrong with it, in plain English.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error: a code for machines and a message fit for the person who caused it.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("feedback: %s: %s", e.Code, e.Message)
	}
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Sprintf("feedback: %s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the given code and a formatted, user-facing message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the *Error's message, or "internal error"
// for anything else, so that no internal detail ever reaches a user.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorFields returns the field errors carried by err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
