package main

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/axme/axme-go/axme"
)

// callArgs are a request's arguments, read into the SDK's Go types.
type callArgs map[string]any

// unsupported: the request needs something the Go SDK does not offer.
type unsupported struct{ msg string }

func (u *unsupported) Error() string { return u.msg }

// driverMisuse: the request itself is malformed.
type driverMisuse struct{ msg string }

func (m *driverMisuse) Error() string { return m.msg }

func misuse(format string, a ...any) error { return &driverMisuse{fmt.Sprintf(format, a...)} }

func (a callArgs) Str(k string) string {
	s, _ := a[k].(string)
	return s
}

func (a callArgs) Int(k string) int {
	f, _ := a[k].(float64)
	return int(f)
}

func (a callArgs) IntPtr(k string) *int {
	f, ok := a[k].(float64)
	if !ok {
		return nil
	}
	i := int(f)
	return &i
}

func (a callArgs) FloatPtr(k string) *float64 {
	f, ok := a[k].(float64)
	if !ok {
		return nil
	}
	return &f
}

func (a callArgs) BoolPtr(k string) *bool {
	b, ok := a[k].(bool)
	if !ok {
		return nil
	}
	return &b
}

func (a callArgs) Map(k string) map[string]any {
	m, _ := a[k].(map[string]any)
	return m
}

func (a callArgs) Any(k string) any { return a[k] }

// Bytes reads {"$bytes": "<base64>"}.
func (a callArgs) Bytes(k string) []byte {
	m, _ := a[k].(map[string]any)
	s, _ := m["$bytes"].(string)
	b, _ := base64.StdEncoding.DecodeString(s)
	return b
}

func (a callArgs) only(op string, keys ...string) error {
	for k := range a {
		found := false
		for _, want := range keys {
			found = found || k == want
		}
		if !found {
			return misuse("%s: unknown argument %s; accepted: %v", op, k, keys)
		}
	}
	return nil
}

func (a callArgs) required(op, k string) error {
	if a[k] == nil {
		return misuse("%s: argument %s is required", op, k)
	}
	return nil
}

// requestOptions maps the protocol's per-call options onto RequestOptions.
func requestOptions(o map[string]any) (axme.RequestOptions, error) {
	var out axme.RequestOptions
	for k, v := range o {
		if v == nil {
			continue
		}
		s, _ := v.(string)
		switch k {
		case "idempotency_key":
			out.IdempotencyKey = s
		case "trace_id":
			out.TraceID = s
		case "owner_agent":
			out.OwnerAgent = s
		case "timeout_ms":
			f, _ := v.(float64)
			out.Timeout = time.Duration(f * float64(time.Millisecond))
		default:
			return out, &unsupported{fmt.Sprintf("the Go SDK takes no %s option", k)}
		}
	}
	return out, nil
}

// coreKinds are the kinds the protocol names (driver-protocol.md).
var coreKinds = map[string]bool{
	"invalid_argument": true, "auth": true, "validation": true, "conflict": true, "not_found": true,
	"rate_limit": true, "server": true, "timeout": true, "connection": true, "protocol": true, "mcp": true,
}

func errorJSON(err error) map[string]any {
	var u *unsupported
	var m *driverMisuse
	var h *axme.HTTPError
	switch {
	case errors.As(err, &u):
		return map[string]any{"kind": "unsupported", "message": u.msg}
	case errors.As(err, &m):
		return map[string]any{"kind": "driver_error", "message": m.msg}
	case errors.As(err, &h) && coreKinds[h.Kind.String()]:
		var retry any
		if h.RetryAfter != nil {
			retry = math.Round(h.RetryAfter.Seconds() * 1000)
		}
		return map[string]any{
			"kind": h.Kind.String(), "status": nullable(h.StatusCode != 0, h.StatusCode),
			"code": nullable(h.Code != "", h.Code), "message": h.Message,
			"request_id": nullable(h.RequestID != "", h.RequestID), "trace_id": nullable(h.TraceID != "", h.TraceID),
			"retry_after_ms": retry,
		}
	}
	return map[string]any{"kind": "driver_error", "message": err.Error()}
}

func nullable(ok bool, v any) any {
	if !ok {
		return nil
	}
	return v
}

// clientNew builds a client from the core's config field names.
func (d *driver) clientNew(a callArgs) (any, error) {
	if err := a.only("client.new", "name", "config"); err != nil {
		return nil, err
	}
	cfg := callArgs(a.Map("config"))
	var c axme.ClientConfig
	seconds := func(k string) time.Duration { return time.Duration(cfg[k].(float64) * float64(time.Second)) }
	for k, v := range cfg {
		if v == nil {
			continue
		}
		switch k {
		case "base_url":
			// A base_url the case gives is given even when empty: RequireBaseURL says so, where
			// the zero value alone would mean "not given" (AXME_BASE_URL, else the default).
			c.BaseURL = cfg.Str(k)
			c.RequireBaseURL = true
		case "api_key":
			c.APIKey = cfg.Str(k)
		case "actor_token":
			c.ActorToken = cfg.Str(k)
		case "timeout_seconds":
			c.Timeout = seconds(k)
		case "max_retries":
			c.MaxRetries = cfg.IntPtr(k)
		case "retry_backoff_seconds":
			c.RetryBackoff = seconds(k)
		case "retry_backoff_cap_seconds":
			c.RetryBackoffCap = seconds(k)
		case "retry_budget":
			c.RetryBudget = cfg.IntPtr(k)
		case "auto_trace_id":
			c.AutoTraceID = cfg.BoolPtr(k)
		case "auto_idempotency_key":
			c.AutoIdempotencyKey = cfg.BoolPtr(k)
		case "default_owner_agent":
			c.DefaultOwnerAgent = cfg.Str(k)
		case "mcp_protocol_version":
			c.McpProtocolVersion = cfg.Str(k)
		default:
			return nil, &unsupported{fmt.Sprintf("the Go SDK's ClientConfig has no %s", k)}
		}
	}
	client, err := axme.NewClient(c)
	if err != nil {
		return nil, err
	}
	name := a.Str("name")
	if name == "" {
		name = "default"
	}
	d.mu.Lock()
	d.clients[name] = client
	d.mu.Unlock()
	return map[string]any{}, nil
}
