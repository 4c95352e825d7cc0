package axme

import (
	"context"
	"encoding/json"
	"time"

	"github.com/axme/axme-go/internal/ffi"
)

// McpCallToolOptions configure McpCallTool. The first four fields are the public SDK's; unlike
// it, OwnerAgent is sent.
type McpCallToolOptions struct {
	Arguments      map[string]any
	OwnerAgent     string
	IdempotencyKey string
	TraceID        string
	// ValidateInputSchema checks Arguments against the tool's input schema first (nil: on).
	ValidateInputSchema *bool
	// Retryable overrides whether the call may be repeated (nil: the tool's rule).
	Retryable *bool
	// Timeout of one attempt (zero: the client's).
	Timeout time.Duration
}

// McpInitialize opens the client's MCP session (the core keeps its session id).
func (c *Client) McpInitialize(ctx context.Context, options RequestOptions) (map[string]any, error) {
	return c.mcpInitialize(ctx, "", options)
}

// McpInitializeVersion is McpInitialize asking for a protocol version.
func (c *Client) McpInitializeVersion(ctx context.Context, version string, options RequestOptions) (map[string]any, error) {
	return c.mcpInitialize(ctx, version, options)
}

func (c *Client) mcpInitialize(ctx context.Context, version string, options RequestOptions) (map[string]any, error) {
	return mcpResult(withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return c.ffi.McpInitialize(nonEmpty(version), callOptions(options), t)
	}))
}

// McpListTools lists the MCP tools.
func (c *Client) McpListTools(ctx context.Context, options RequestOptions) (map[string]any, error) {
	return mcpResult(withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return c.ffi.McpListTools(callOptions(options), t)
	}))
}

// McpCallTool calls an MCP tool; a JSON-RPC error is an *McpError.
func (c *Client) McpCallTool(ctx context.Context, name string, options McpCallToolOptions) (map[string]any, error) {
	args := options.Arguments
	if args == nil {
		args = map[string]any{}
	}
	a, err := json.Marshal(args)
	if err != nil {
		return nil, err
	}
	o := callOptions(RequestOptions{
		IdempotencyKey: options.IdempotencyKey, TraceID: options.TraceID,
		OwnerAgent: options.OwnerAgent, Timeout: options.Timeout,
	})
	o.ValidateInputSchema = options.ValidateInputSchema
	o.Retryable = options.Retryable
	return mcpResult(withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return c.ffi.McpCallTool(name, string(a), o, t)
	}))
}

func mcpResult(text string, err error) (map[string]any, error) {
	if err != nil {
		return nil, err
	}
	return decode[map[string]any](text)
}
