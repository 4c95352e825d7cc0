package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/axme/axme-go/axme"
)

// perform runs one request with the SDK.
func (d *driver) perform(ctx context.Context, id int64, req request) (any, error) {
	args := callArgs(req.Args)
	if args == nil {
		args = callArgs{}
	}
	switch req.Op {
	case "cancel":
		return d.cancelTarget(args)
	case "client.new":
		return d.clientNew(args)
	case "client.close":
		name := args.Str("name")
		if name == "" {
			name = "default"
		}
		c, err := d.client(name)
		if err != nil {
			return nil, err
		}
		d.mu.Lock()
		delete(d.clients, name)
		d.mu.Unlock()
		return map[string]any{}, c.Close()
	}
	op, ok := clientOps[req.Op]
	if !ok {
		return nil, &unsupported{fmt.Sprintf("unknown op %q", req.Op)}
	}
	c, err := d.client(req.Client)
	if err != nil {
		return nil, err
	}
	o, err := requestOptions(req.Options)
	if err != nil {
		return nil, err
	}
	return op(ctx, c, args, o)
}

type opFunc func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error)

var clientOps map[string]opFunc

func init() {
	clientOps = map[string]opFunc{
		"health": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.RootHealth(ctx, o)
		},
		"create_intent": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			if err := a.only("create_intent", "intent"); err != nil {
				return nil, err
			}
			return c.CreateIntent(ctx, a.Map("intent"), o)
		},
		"send_intent": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			if err := a.only("send_intent", "intent"); err != nil {
				return nil, err
			}
			id, err := c.SendIntent(ctx, a.Map("intent"), o)
			return map[string]any{"intent_id": id}, err
		},
		"get_intent": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.GetIntent(ctx, a.Str("intent_id"), o)
		},
		"list_intent_events": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.ListIntentEvents(ctx, a.Str("intent_id"), a.IntPtr("since"), o)
		},
		"resolve_intent": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.ResolveIntent(ctx, a.Str("intent_id"), a.Map("body"), o)
		},
		"resume_intent": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.ResumeIntent(ctx, a.Str("intent_id"), a.Map("body"), o)
		},
		"cancel_intent": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			body := callArgs(a.Map("body"))
			if err := body.only("cancel_intent", "reason"); err != nil {
				return nil, &unsupported{"CancelIntent of the Go SDK takes only a reason"}
			}
			return c.CancelIntent(ctx, a.Str("intent_id"), body.Str("reason"), o)
		},
		"observe":  observe,
		"wait_for": waitFor,
		"listen":   listen,
		"mcp_initialize": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.McpInitializeVersion(ctx, a.Str("protocol_version"), o)
		},
		"mcp_list_tools": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.McpListTools(ctx, o)
		},
		"mcp_call_tool": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			if o.XOwnerAgent != "" || o.Authorization != "" {
				return nil, &unsupported{"McpCallTool takes no x_owner_agent or authorization"}
			}
			return c.McpCallTool(ctx, a.Str("name"), axme.McpCallToolOptions{
				Arguments: a.Map("arguments"), OwnerAgent: o.OwnerAgent, IdempotencyKey: o.IdempotencyKey,
				TraceID: o.TraceID, Timeout: o.Timeout,
			})
		},
		"mesh.heartbeat": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			if a["address"] != nil {
				return nil, &unsupported{"Heartbeat of the Go SDK takes no address: it beats for the credential's agent"}
			}
			return c.Mesh().Heartbeat(ctx, a.Map("metrics"), o)
		},
		"mesh.report_metric": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			success := true
			if b := a.BoolPtr("success"); b != nil {
				success = *b
			}
			c.Mesh().ReportMetric(success, a.FloatPtr("latency_ms"), a.FloatPtr("cost_usd"))
			return map[string]any{}, nil
		},
		"mesh.flush_metrics": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.Mesh().FlushMetrics(ctx, o)
		},
		"mesh.kill": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.Mesh().Kill(ctx, a.Str("address_id"), o)
		},
		"mesh.resume": func(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
			return c.Mesh().Resume(ctx, a.Str("address_id"), o)
		},
		"call": call,
	}
}

// streamTimeout: timeout_ms may come as an argument or as a per-call option.
func streamTimeout(a callArgs, o *axme.RequestOptions) int {
	ms := a.Int("timeout_ms")
	if ms == 0 && o.Timeout > 0 {
		ms = int(o.Timeout / time.Millisecond)
	}
	o.Timeout = 0
	return ms
}

// zeroMeansDefault refuses an explicit zero the Go SDK cannot tell from "not given": its option
// structs read a zero WaitSeconds as the default (15), as the public Go SDK does.
func zeroMeansDefault(a callArgs, keys ...string) error {
	for _, k := range keys {
		if v, ok := a[k].(float64); ok && v == 0 {
			return &unsupported{fmt.Sprintf("the Go SDK reads %s 0 as its default; it cannot send 0", k)}
		}
	}
	return nil
}

func observeOptions(a callArgs, o axme.RequestOptions) axme.ObserveOptions {
	return axme.ObserveOptions{
		Since: a.Int("since"), WaitSeconds: a.Int("wait_seconds"), TimeoutMs: streamTimeout(a, &o),
		TraceID: o.TraceID, PollIntervalMs: a.Int("poll_interval_ms"),
	}
}

func observe(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
	if err := zeroMeansDefault(a, "wait_seconds"); err != nil {
		return nil, err
	}
	return collect(c.ObserveSeq(ctx, a.Str("intent_id"), observeOptions(a, o)), a.IntPtr("max_events"))
}

func waitFor(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
	if err := zeroMeansDefault(a, "wait_seconds"); err != nil {
		return nil, err
	}
	return c.WaitFor(ctx, a.Str("intent_id"), observeOptions(a, o))
}

func listen(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
	if err := zeroMeansDefault(a, "wait_seconds"); err != nil {
		return nil, err
	}
	opts := axme.ListenOptions{
		Since: a.Int("since"), WaitSeconds: a.Int("wait_seconds"), TimeoutMs: streamTimeout(a, &o), TraceID: o.TraceID,
	}
	switch s := a["status"].(type) {
	case string:
		opts.Status = []string{s}
	case []any:
		for _, x := range s {
			str, _ := x.(string)
			opts.Status = append(opts.Status, str)
		}
	}
	return collect(c.ListenSeq(ctx, a.Str("address"), opts), a.IntPtr("max_events"))
}

// collect gathers a stream's items until it ends or max items arrived (breaking closes it).
func collect(seq func(func(map[string]any, error) bool), max *int) (any, error) {
	events := []any{}
	if max != nil && *max <= 0 {
		return map[string]any{"events": events}, nil
	}
	var failure error
	seq(func(item map[string]any, err error) bool {
		if err != nil {
			failure = err
			return false
		}
		events = append(events, item)
		return max == nil || len(events) < *max
	})
	if failure != nil {
		return nil, failure
	}
	return map[string]any{"events": events}, nil
}

// call runs a generated method by its snake_case surface name (calls_gen.go).
func call(ctx context.Context, c *axme.Client, a callArgs, o axme.RequestOptions) (any, error) {
	method := a.Str("method")
	g, ok := generatedCalls[method]
	if !ok {
		return nil, &unsupported{fmt.Sprintf("the Go SDK has no operation method %s", method)}
	}
	given := callArgs(a.Map("args"))
	if given == nil {
		given = callArgs{}
	}
	// Per-call options given as surface keywords go where the Go SDK takes them.
	for k, v := range given {
		s, _ := v.(string)
		switch k {
		case "idempotency_key":
			o.IdempotencyKey = s
		case "trace_id":
			o.TraceID = s
		case "x_owner_agent":
			o.XOwnerAgent = s
		case "authorization":
			o.Authorization = s
		case "owner_agent":
			if !contains(g.keys, k) {
				o.OwnerAgent = s
			}
		default:
			if !contains(g.keys, k) {
				return nil, &unsupported{fmt.Sprintf("%s of the Go SDK takes no %s (it takes: %s)", method, k, strings.Join(g.keys, ", "))}
			}
		}
	}
	out, err := g.run(ctx, c, given, o)
	if b, ok := out.([]byte); ok && err == nil {
		return map[string]any{"$bytes": base64.StdEncoding.EncodeToString(b)}, nil
	}
	return out, err
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
