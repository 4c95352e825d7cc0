// Package axme is the Go SDK of AXP (the Intent Protocol) on the AXME client core: the public Go
// SDK's names and signatures, with the core's retries, idempotency keys, SSE streams and errors.
//
// Every method takes ctx first: cancelling it (or its deadline passing) cancels the core's request
// or stream at once. Results are JSON objects as map[string]any, numbers as float64.
package axme

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/axme/axme-go/internal/ffi"
)

// SDKVersion is this module's version, sent in the client identity header.
const SDKVersion = "0.3.0"

// ClientConfig configures a Client. The first five fields are the public SDK's; the others are
// the core's options (zero values keep the core's defaults).
type ClientConfig struct {
	// BaseURL of the server; empty reads AXME_BASE_URL, else the core's default.
	BaseURL string
	// APIKey sent as x-api-key; empty reads AXME_API_KEY. Required one way or the other.
	APIKey string
	// ActorToken of a human principal, sent as Authorization: Bearer.
	ActorToken string
	// BearerToken is an alias of ActorToken (both set: they must be equal).
	BearerToken string
	// HTTPClient is accepted for compatibility. The core does the HTTP, so only its Timeout is
	// used: as the per-attempt timeout when Timeout is zero.
	HTTPClient *http.Client

	// Timeout of one attempt of a request (zero: the core's 15 s).
	Timeout time.Duration
	// MaxRetries of a retryable request (nil: the core's default).
	MaxRetries *int
	// RetryBackoff is the first retry's delay, RetryBackoffCap the longest (zero: defaults).
	RetryBackoff, RetryBackoffCap time.Duration
	// RetryBudget is the retry token bucket's capacity (nil: the core's default).
	RetryBudget *int
	// AutoTraceID and AutoIdempotencyKey (nil: on) add an X-Trace-Id to every request and an
	// Idempotency-Key to writes that take one.
	AutoTraceID, AutoIdempotencyKey *bool
	// DefaultOwnerAgent is sent as owner_agent where an operation takes it and the call gives none.
	DefaultOwnerAgent string
	// McpProtocolVersion sent by McpInitialize (empty: the core's default).
	McpProtocolVersion string
	// RequireBaseURL refuses an empty BaseURL instead of falling back to AXME_BASE_URL and the
	// default URL. Set it when BaseURL comes from your own settings, so that a missing setting is
	// an error at NewClient rather than requests (and your key) sent to the default server.
	RequireBaseURL bool
}

// RequestOptions are one call's options. The first five are the public SDK's.
type RequestOptions struct {
	IdempotencyKey string
	TraceID        string
	// OwnerAgent is sent as owner_agent by every operation that takes it.
	OwnerAgent  string
	XOwnerAgent string
	// Authorization replaces the Authorization header for this call.
	Authorization string
	// Timeout of one attempt of this call (zero: the client's).
	Timeout time.Duration
}

// Client is an AXP client. It is safe for concurrent use; Close it when done.
type Client struct {
	ffi      *ffi.Client
	meshOnce sync.Once
	mesh     *MeshClient
}

// NewClient builds a client; a bad config is an *InvalidArgumentError.
func NewClient(config ClientConfig) (*Client, error) {
	c := ffi.DefaultClientConfig()
	c.BaseUrl = nonEmpty(config.BaseURL)
	if config.RequireBaseURL {
		// Given, even when empty: the core refuses an empty base URL by name.
		c.BaseUrl = &config.BaseURL
	}
	c.ApiKey = nonEmpty(config.APIKey)
	c.ActorToken = nonEmpty(config.ActorToken)
	c.BearerToken = nonEmpty(config.BearerToken)
	c.ClientLanguage = "go"
	c.ClientVersion = &[]string{SDKVersion}[0]
	timeout := config.Timeout
	if timeout == 0 && config.HTTPClient != nil {
		timeout = config.HTTPClient.Timeout
	}
	// A negative timeout goes through for the core to refuse by name.
	if timeout != 0 {
		c.TimeoutSeconds = timeout.Seconds()
	}
	if config.MaxRetries != nil {
		c.MaxRetries = uint32(max(*config.MaxRetries, 0))
	}
	if config.RetryBackoff > 0 {
		c.RetryBackoffSeconds = config.RetryBackoff.Seconds()
	}
	if config.RetryBackoffCap > 0 {
		c.RetryBackoffCapSeconds = config.RetryBackoffCap.Seconds()
	}
	if config.RetryBudget != nil {
		c.RetryBudget = uint32(max(*config.RetryBudget, 0))
	}
	if config.AutoTraceID != nil {
		c.AutoTraceId = *config.AutoTraceID
	}
	if config.AutoIdempotencyKey != nil {
		c.AutoIdempotencyKey = *config.AutoIdempotencyKey
	}
	c.DefaultOwnerAgent = nonEmpty(config.DefaultOwnerAgent)
	if config.McpProtocolVersion != "" {
		c.McpProtocolVersion = config.McpProtocolVersion
	}
	core, err := ffi.NewClient(c)
	if err != nil {
		return nil, convert(context.Background(), err)
	}
	return &Client{ffi: core}, nil
}

// Close ends the client's calls and streams and frees it; later calls fail.
func (c *Client) Close() error {
	c.ffi.Close()
	return nil
}

// LiveHandles counts the client's calls and streams in flight in the core (for leak checks).
func (c *Client) LiveHandles() uint64 { return c.ffi.LiveHandles() }

func (c *Client) core() *ffi.Client { return c.ffi }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// callOptions is the waist's record for one call's options.
func callOptions(o RequestOptions) ffi.CallOptions {
	out := ffi.CallOptions{
		IdempotencyKey: nonEmpty(o.IdempotencyKey),
		TraceId:        nonEmpty(o.TraceID),
		OwnerAgent:     nonEmpty(o.OwnerAgent),
		XOwnerAgent:    nonEmpty(o.XOwnerAgent),
		Authorization:  nonEmpty(o.Authorization),
	}
	if o.Timeout != 0 {
		s := o.Timeout.Seconds()
		out.TimeoutSeconds = &s
	}
	return out
}

// withToken runs f with a cancel token that ctx cancels; the token is released afterwards.
// context.AfterFunc starts no goroutine unless ctx actually ends.
func withToken[T any](ctx context.Context, f func(t *ffi.CancelToken) (T, error)) (T, error) {
	if err := ctx.Err(); err != nil {
		var zero T
		return zero, canceled(ctx)
	}
	t := ffi.NewCancelToken()
	defer t.Release()
	defer onDone(ctx, t.Cancel)()
	out, err := f(t)
	if err != nil {
		return out, convert(ctx, err)
	}
	return out, nil
}

// onDone runs cancel when ctx ends; the returned func stops that, waiting for a cancel already
// running, so the handles it uses are never released under it.
func onDone(ctx context.Context, cancel func()) func() {
	fired := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		defer close(fired)
		cancel()
	})
	return func() {
		if !stop() {
			<-fired
		}
	}
}

// arg is a Go value as a core argument: zero values (empty strings, zero ints, nil pointers and
// maps) are "not sent", as in the public SDK.
func arg(v any) any {
	switch x := v.(type) {
	case string:
		if x == "" {
			return nil
		}
	case int:
		if x == 0 {
			return nil
		}
	case *int:
		if x == nil {
			return nil
		}
		return *x
	case *float64:
		if x == nil {
			return nil
		}
		return *x
	case *bool:
		if x == nil {
			return nil
		}
		return *x
	case map[string]any:
		if x == nil {
			return nil
		}
	}
	return v
}

// bodyWith is a copy of the body base with fields set (never the caller's map).
func bodyWith(base any, fields map[string]any) any {
	out := map[string]any{}
	if m, ok := base.(map[string]any); ok {
		for k, v := range m {
			out[k] = v
		}
	} else if base != nil {
		return base
	}
	for k, v := range fields {
		if v != nil {
			out[k] = v
		}
	}
	if len(out) == 0 && base == nil {
		return nil
	}
	return out
}

func encodeArgs(args map[string]any) (string, error) {
	for k, v := range args {
		if v == nil {
			delete(args, k)
		}
	}
	b, err := json.Marshal(args)
	return string(b), err
}

// decode parses the core's JSON answer; an empty answer is an empty object.
func decode[T any](text string) (T, error) {
	var out T
	if text == "" {
		text = "{}"
	}
	err := json.Unmarshal([]byte(text), &out)
	return out, err
}

func callJSON[T any](ctx context.Context, c *ffi.Client, op string, args map[string]any, o RequestOptions) (T, error) {
	var zero T
	a, err := encodeArgs(args)
	if err != nil {
		return zero, err
	}
	text, err := withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return c.Call(op, a, callOptions(o), t)
	})
	if err != nil {
		return zero, err
	}
	return decode[T](text)
}

func callBytes(ctx context.Context, c *ffi.Client, op string, args map[string]any, o RequestOptions) ([]byte, error) {
	a, err := encodeArgs(args)
	if err != nil {
		return nil, err
	}
	return withToken(ctx, func(t *ffi.CancelToken) ([]byte, error) {
		return c.CallBytes(op, a, callOptions(o), t)
	})
}

func callContent(ctx context.Context, c *ffi.Client, op string, args map[string]any, content []byte, o RequestOptions) (map[string]any, error) {
	a, err := encodeArgs(args)
	if err != nil {
		return nil, err
	}
	text, err := withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return c.CallWithContent(op, a, content, callOptions(o), t)
	})
	if err != nil {
		return nil, err
	}
	return decode[map[string]any](text)
}
