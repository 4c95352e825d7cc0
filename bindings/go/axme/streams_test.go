package axme_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/axme/axme-go/axme"
)

// endedClientClosed: the journal shows the request to route closed by the client.
func endedClientClosed(t *testing.T, cred credential, route string) bool {
	for _, e := range journal(t, cred) {
		if e.Route == route && e.Ended != nil && *e.Ended == "client_closed" {
			return true
		}
	}
	return false
}

func inFlight(t *testing.T, cred credential, route string) bool {
	for _, e := range journal(t, cred) {
		if e.Route == route && e.Ended == nil {
			return true
		}
	}
	return false
}

func TestCancelMidCall(t *testing.T) {
	c, cred := isolated(t, axme.ClientConfig{})
	route := "/v1/intents/{intent_id}"
	rules(t, cred, map[string]any{
		"match":  map[string]any{"method": "GET", "route": route},
		"action": map[string]any{"type": "delay", "ms": 30000},
	})
	ctx, cancel := context.WithCancel(bg)
	done := make(chan error, 1)
	go func() {
		_, err := c.GetIntent(ctx, "00000000-0000-4000-8000-000000000000", axme.RequestOptions{})
		done <- err
	}()
	until(t, "the request is in flight", func() bool { return inFlight(t, cred, route) })
	cancel()
	err := <-done
	var ce *axme.CanceledError
	if !errors.As(err, &ce) || !errors.Is(err, context.Canceled) {
		t.Fatalf("want a canceled error, got %v", err)
	}
	until(t, "the journal shows client_closed", func() bool { return endedClientClosed(t, cred, route) })
	settled(t, c)
}

func TestObserveCancelMidStream(t *testing.T) {
	c, cred := isolated(t, axme.ClientConfig{})
	id := must(c.SendIntent(bg, intentBody("agent://acme/prod/billing"), axme.RequestOptions{}))
	ctx, cancel := context.WithCancel(bg)
	events, errs := c.Observe(ctx, id, axme.ObserveOptions{})
	first := <-events
	if first["event_type"] != "intent.created" {
		t.Fatalf("first event %v", first)
	}
	cancel()
	for range events {
	}
	if err := <-errs; err != nil {
		t.Fatalf("a canceled Observe ends without an error, got %v", err)
	}
	route := "/v1/intents/{intent_id}/events/stream"
	until(t, "the stream is closed by the client", func() bool { return endedClientClosed(t, cred, route) })
	settled(t, c)
}

func TestObserveAcrossStreamDrop(t *testing.T) {
	c, cred := isolated(t, axme.ClientConfig{})
	rules(t, cred, map[string]any{
		"match":  map[string]any{"method": "GET", "route": "/v1/intents/{intent_id}/events/stream", "attempt": 1},
		"action": map[string]any{"type": "sse", "drop_after_events": 1},
	})
	id := must(c.SendIntent(bg, intentBody("agent://acme/prod/billing"), axme.RequestOptions{}))
	must(c.ResolveIntent(bg, id, map[string]any{"status": "COMPLETED"}, axme.RequestOptions{}))
	var seqs []float64
	for ev, err := range c.ObserveSeq(bg, id, axme.ObserveOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, ev["seq"].(float64))
	}
	for i, s := range seqs {
		if s != float64(i+1) {
			t.Fatalf("events not gapless across the drop: %v", seqs)
		}
	}
	if len(seqs) < 2 {
		t.Fatalf("want the terminal event after the drop: %v", seqs)
	}
}

func TestWaitForDeadline(t *testing.T) {
	c, _ := isolated(t, axme.ClientConfig{})
	id := must(c.SendIntent(bg, intentBody("agent://acme/prod/billing"), axme.RequestOptions{}))
	ctx, cancel := context.WithTimeout(bg, 200*time.Millisecond)
	defer cancel()
	ev, err := c.WaitFor(ctx, id, axme.ObserveOptions{})
	if ev != nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor past the deadline: %v, %v", ev, err)
	}
	_, err = c.WaitFor(bg, id, axme.ObserveOptions{TimeoutMs: 100})
	var te *axme.TimeoutError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitFor past TimeoutMs: %v", err)
	}
	settled(t, c)
}

func TestListenResumeHandoff(t *testing.T) {
	c, _ := isolated(t, axme.ClientConfig{})
	agent := "agent://acme/prod/worker"
	id := must(c.SendIntent(bg, intentBody(agent), axme.RequestOptions{}))
	ctx, cancel := context.WithCancel(bg)
	defer cancel()
	var delivery map[string]any
	for d, err := range c.ListenSeq(ctx, agent, axme.ListenOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		delivery = d
		break
	}
	if delivery["intent_id"] != id {
		t.Fatalf("delivery %v", delivery)
	}
	must(c.ResumeIntent(bg, id, map[string]any{"action": "complete", "result": map[string]any{"done": true}}, axme.RequestOptions{}))
	ev := must(c.WaitFor(bg, id, axme.ObserveOptions{}))
	if ev["status"] != "COMPLETED" {
		t.Fatalf("terminal event %v", ev)
	}
	settled(t, c)
}

// A thousand WaitFor calls in flight on one client: each holds an OS thread while parked in the
// core (cgo), and every one wakes when its intent ends.
func TestThousandConcurrentWaitFor(t *testing.T) {
	c, _ := isolated(t, axme.ClientConfig{})
	ids := make([]string, 1000)
	for i := range ids {
		ids[i] = must(c.SendIntent(bg, intentBody("agent://acme/prod/billing"), axme.RequestOptions{}))
	}
	results := make(chan error, len(ids))
	for _, id := range ids {
		go func() { _, err := c.WaitFor(bg, id, axme.ObserveOptions{}); results <- err }()
	}
	until(t, "every WaitFor is parked in the core", func() bool { return c.LiveHandles() == uint64(len(ids)) })
	for _, id := range ids {
		must(c.ResolveIntent(bg, id, map[string]any{"status": "COMPLETED"}, axme.RequestOptions{}))
	}
	for range ids {
		if err := <-results; err != nil {
			t.Fatal(err)
		}
	}
	settled(t, c)
}

// The public SDK's type assertion keeps working: every call error is an *HTTPError.
func TestHTTPErrorTypeAssertion(t *testing.T) {
	c, _ := isolated(t, axme.ClientConfig{})
	_, err := c.GetIntent(bg, "00000000-0000-4000-8000-000000000000", axme.RequestOptions{})
	if h, ok := err.(*axme.HTTPError); !ok || h.StatusCode != 404 || h.Body == "" {
		t.Fatalf("err.(*axme.HTTPError): %#v", err)
	}
}
