package axme_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/axme/axme-go/axme"
)

func TestIntentLifecycle(t *testing.T) {
	c, _ := isolated(t, axme.ClientConfig{})
	payload := intentBody("agent://acme/prod/billing")
	id := must(c.SendIntent(bg, payload, axme.RequestOptions{}))
	if _, set := payload["correlation_id"]; set {
		t.Fatal("SendIntent wrote into the caller's map")
	}
	got := must(c.GetIntent(bg, id, axme.RequestOptions{}))
	if got["intent"] == nil && got["intent_id"] == nil {
		t.Fatalf("GetIntent: %v", got)
	}
	events := must(c.ListIntentEvents(bg, id, nil, axme.RequestOptions{}))
	if _, ok := events["events"].([]any); !ok {
		t.Fatalf("ListIntentEvents: %v", events)
	}
	must(c.ResolveIntent(bg, id, map[string]any{"status": "COMPLETED", "result": map[string]any{"ok": true}}, axme.RequestOptions{}))
	event := must(c.WaitFor(bg, id, axme.ObserveOptions{}))
	if event["status"] != "COMPLETED" {
		t.Fatalf("WaitFor: %v", event)
	}
	if n := c.LiveHandles(); n != 0 {
		t.Fatalf("live handles %d", n)
	}
}

func TestErrorsByKind(t *testing.T) {
	c, cred := isolated(t, axme.ClientConfig{MaxRetries: new(int)})
	_, err := c.GetIntent(bg, "00000000-0000-4000-8000-000000000000", axme.RequestOptions{})
	var nf *axme.NotFoundError
	var h *axme.HTTPError
	if !errors.As(err, &nf) || !errors.As(err, &h) || !errors.Is(err, axme.ErrNotFound) || h.StatusCode != 404 || h.RequestID == "" {
		t.Fatalf("not found: %#v", err)
	}
	rules(t, cred, map[string]any{
		"match":  map[string]any{"method": "GET", "route": "/v1/intents/{intent_id}"},
		"action": map[string]any{"type": "respond", "status": 429, "headers": map[string]any{"Retry-After": "3"}},
	})
	_, err = c.GetIntent(bg, "00000000-0000-4000-8000-000000000000", axme.RequestOptions{})
	var rl *axme.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter == nil || rl.RetryAfter.Seconds() != 3 || rl.Kind != axme.ErrRateLimit {
		t.Fatalf("rate limit: %#v", err)
	}
	bad, err := axme.NewClient(axme.ClientConfig{BaseURL: "ftp://example.com", APIKey: "k"})
	var ia *axme.InvalidArgumentError
	if bad != nil || !errors.As(err, &ia) {
		t.Fatalf("invalid argument: %v", err)
	}
	// An empty BaseURL is the default URL unless the caller says it must be given.
	if fallback, err := axme.NewClient(axme.ClientConfig{APIKey: "k"}); err != nil {
		t.Fatalf("empty BaseURL without RequireBaseURL: %v", err)
	} else {
		fallback.Close()
	}
	missing, err := axme.NewClient(axme.ClientConfig{APIKey: "k", RequireBaseURL: true})
	if missing != nil || !errors.As(err, &ia) || !strings.Contains(err.Error(), "base_url") {
		t.Fatalf("RequireBaseURL with an empty BaseURL: %v", err)
	}
	wrong := must(axme.NewClient(axme.ClientConfig{BaseURL: server.url, APIKey: "axme_sa_nobody_nothing"}))
	defer wrong.Close()
	_, err = wrong.GetIntent(bg, "00000000-0000-4000-8000-000000000000", axme.RequestOptions{})
	if !errors.Is(err, axme.ErrAuth) {
		t.Fatalf("auth: %v", err)
	}
}
