package axme

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/axme/axme-go/internal/ffi"
)

// Kind is an error kind of the core (ErrNotFound, ErrTimeout, ...): errors.Is(err, axme.ErrAuth).
type Kind struct{ name string }

func (k *Kind) Error() string { return "axme: " + k.name }

// String is the kind's snake_case name ("not_found").
func (k *Kind) String() string { return k.name }

// HTTPError is every error of a call: the public SDK's StatusCode and Body, plus what the core
// knows. errors.As also finds it as the type of its kind (*NotFoundError, ...).
type HTTPError struct {
	// StatusCode is the HTTP status (0 when no response arrived).
	StatusCode int
	// Body is the response body, if any.
	Body string
	Kind *Kind
	// Message explains the error; Code is the server's error code.
	Message, Code string
	// RequestID and TraceID of the request, when known.
	RequestID, TraceID string
	// RetryAfter is the server's Retry-After (nil when it sent none; it may send zero).
	RetryAfter *time.Duration
	// Retryable says whether repeating the call may succeed.
	Retryable bool
	// cause is the context error of a call its context ended.
	cause error
}

func (e *HTTPError) Error() string {
	if e.StatusCode != 0 {
		return fmt.Sprintf("axme request failed with status %d (%s): %s", e.StatusCode, e.Kind.name, e.Message)
	}
	return fmt.Sprintf("axme %s: %s", e.Kind.name, e.Message)
}

// Is matches the error's kind, and the context's error for a call its context ended (a timeout
// also matches context.DeadlineExceeded).
func (e *HTTPError) Is(target error) bool {
	switch {
	case target == e.Kind:
		return true
	case e.cause != nil && target == e.cause:
		return true
	case target == context.DeadlineExceeded:
		return e.Kind == ErrTimeout
	}
	return false
}

// As gives the error as the type of its kind (errors.As(err, &notFound)).
func (e *HTTPError) As(target any) bool { return asKind(e, target) }

// convert turns a failure of the core into the typed error of its kind.
func convert(ctx context.Context, err error) error {
	var f *ffi.Failure
	if !errors.As(err, &f) {
		return err
	}
	r := f.Record
	h := &HTTPError{Kind: kindNamed(r.Kind.String()), Message: r.Message, Retryable: r.Retryable}
	if h.Kind == nil {
		h.Kind = ErrInternal
	}
	if r.Status != nil {
		h.StatusCode = int(*r.Status)
	}
	h.Body = deref(r.Body)
	h.Code = deref(r.Code)
	h.RequestID = deref(r.RequestId)
	h.TraceID = deref(r.TraceId)
	if r.RetryAfterSeconds != nil {
		d := time.Duration(*r.RetryAfterSeconds * float64(time.Second))
		h.RetryAfter = &d
	}
	if h.Kind == ErrCanceled {
		h.cause = ctx.Err()
	}
	return h
}

// canceled is the error of a call whose context had already ended.
func canceled(ctx context.Context) error {
	return &HTTPError{Kind: ErrCanceled, Message: ctx.Err().Error(), cause: ctx.Err()}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
