package axme

import (
	"context"
	"encoding/json"

	"github.com/axme/axme-go/internal/ffi"
)

// SendIntent creates an intent and returns its id. The core adds a correlation_id when the payload
// has none (in its own copy: the caller's map is left as it is) and an idempotency key.
func (c *Client) SendIntent(ctx context.Context, payload map[string]any, options RequestOptions) (string, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return "", err
	}
	return withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return c.ffi.SendIntent(string(body), callOptions(options), t)
	})
}

// CancelIntent cancels an intent (reason may be empty).
func (c *Client) CancelIntent(ctx context.Context, intentID, reason string, options RequestOptions) (map[string]any, error) {
	text, err := withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return c.ffi.CancelIntent(intentID, nonEmpty(reason), callOptions(options), t)
	})
	if err != nil {
		return nil, err
	}
	return decode[map[string]any](text)
}
