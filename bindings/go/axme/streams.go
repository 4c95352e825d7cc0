package axme

import (
	"context"
	"encoding/json"
	"iter"
	"time"

	"github.com/axme/axme-go/internal/ffi"
)

// ObserveOptions configure Observe and WaitFor. The first four fields are the public SDK's.
type ObserveOptions struct {
	// Since is the seq after which events are wanted (exclusive).
	Since int
	// WaitSeconds is the length of one SSE window (zero: 15).
	WaitSeconds int
	// TimeoutMs ends the wait with a timeout error (zero: none; the context's deadline also ends it).
	TimeoutMs int
	TraceID   string
	// PollIntervalMs paces the polling fallback the core uses when SSE is unavailable (zero: 1000).
	PollIntervalMs int
}

// ListenOptions configure Listen. The first three fields are the public SDK's.
type ListenOptions struct {
	Since       int
	WaitSeconds int
	TraceID     string
	// TimeoutMs ends the stream with a timeout error (zero: none).
	TimeoutMs int
	// Status keeps only deliveries in these statuses (nil: all).
	Status []string
}

// The core's defaults for the stream options the public SDK leaves at zero.
const (
	defaultWaitSeconds  = 15
	defaultPollInterval = time.Second
)

func streamOptions(since, wait, timeoutMs int, poll time.Duration, trace string, status []string) ffi.StreamOptions {
	o := ffi.StreamOptions{
		Since:               uint64(max(since, 0)),
		WaitSeconds:         defaultWaitSeconds,
		PollIntervalSeconds: defaultPollInterval.Seconds(),
		TraceId:             nonEmpty(trace),
		Status:              status,
	}
	if wait > 0 {
		o.WaitSeconds = uint32(wait)
	}
	if poll > 0 {
		o.PollIntervalSeconds = poll.Seconds()
	}
	if timeoutMs > 0 {
		s := float64(timeoutMs) / 1000
		o.TimeoutSeconds = &s
	}
	return o
}

func (o ObserveOptions) core() ffi.StreamOptions {
	return streamOptions(o.Since, o.WaitSeconds, o.TimeoutMs, time.Duration(o.PollIntervalMs)*time.Millisecond, o.TraceID, nil)
}

func (o ListenOptions) core() ffi.StreamOptions {
	return streamOptions(o.Since, o.WaitSeconds, o.TimeoutMs, 0, o.TraceID, o.Status)
}

// WaitFor blocks until the intent's terminal event and returns it. Unlike the public SDK it never
// returns a non-terminal event: past ObserveOptions.TimeoutMs the error is a *TimeoutError, past
// ctx's deadline one that matches context.DeadlineExceeded. The core follows the intent over SSE,
// so it wakes as soon as the intent ends.
func (c *Client) WaitFor(ctx context.Context, intentID string, options ObserveOptions) (map[string]any, error) {
	text, err := withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return c.ffi.WaitFor(intentID, options.core(), t)
	})
	if err != nil {
		return nil, err
	}
	return decode[map[string]any](text)
}

// ObserveSeq yields the intent's events as they happen, ending after the terminal event. Breaking
// out of the loop or ending ctx closes the stream.
func (c *Client) ObserveSeq(ctx context.Context, intentID string, options ObserveOptions) iter.Seq2[map[string]any, error] {
	return c.seq(ctx, func(t *ffi.CancelToken) (*ffi.Stream, error) { return c.ffi.Observe(intentID, options.core(), t) })
}

// ListenSeq yields the agent's deliveries as each arrives, until ctx ends (or TimeoutMs).
func (c *Client) ListenSeq(ctx context.Context, address string, options ListenOptions) iter.Seq2[map[string]any, error] {
	return c.seq(ctx, func(t *ffi.CancelToken) (*ffi.Stream, error) { return c.ffi.Listen(address, options.core(), t) })
}

// Observe is ObserveSeq as the public SDK's channel pair: events, then at most one error. Both
// channels close when the stream ends; ending ctx closes them without an error.
func (c *Client) Observe(ctx context.Context, intentID string, options ObserveOptions) (<-chan map[string]any, <-chan error) {
	return channels(ctx, c.ObserveSeq(ctx, intentID, options))
}

// Listen is ListenSeq as the public SDK's channel pair. Each delivery is sent as it arrives.
func (c *Client) Listen(ctx context.Context, address string, options ListenOptions) (<-chan map[string]any, <-chan error) {
	return channels(ctx, c.ListenSeq(ctx, address, options))
}

func (c *Client) seq(ctx context.Context, open func(*ffi.CancelToken) (*ffi.Stream, error)) iter.Seq2[map[string]any, error] {
	return func(yield func(map[string]any, error) bool) {
		if ctx.Err() != nil {
			yield(nil, canceled(ctx))
			return
		}
		t := ffi.NewCancelToken()
		defer t.Release()
		s, err := open(t)
		if err != nil {
			yield(nil, convert(ctx, err))
			return
		}
		// Closing at the end (or when ctx ends) frees the core's side at once.
		defer s.Release()
		defer s.Close()
		defer onDone(ctx, func() { t.Cancel(); s.Close() })()
		for {
			text, ok, err := s.Next()
			if err != nil {
				yield(nil, convert(ctx, err))
				return
			}
			if !ok {
				if ctx.Err() != nil {
					yield(nil, canceled(ctx))
				}
				return
			}
			var item map[string]any
			if err := json.Unmarshal([]byte(text), &item); err != nil {
				yield(nil, err)
				return
			}
			if !yield(item, nil) {
				return
			}
		}
	}
}

func channels(ctx context.Context, seq iter.Seq2[map[string]any, error]) (<-chan map[string]any, <-chan error) {
	items := make(chan map[string]any, 16)
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		defer close(items)
		for item, err := range seq {
			if err != nil {
				if ctx.Err() == nil {
					errs <- err
				}
				return
			}
			select {
			case items <- item:
			case <-ctx.Done():
				return
			}
		}
	}()
	return items, errs
}
