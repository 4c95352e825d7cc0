package axme

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/axme/axme-go/internal/ffi"
)

// MeshClient is the agent mesh: heartbeats, metrics, agents, kill switch, events. The core keeps
// the heartbeat and the metric buffer; this type only converts.
type MeshClient struct {
	c  *Client
	mu sync.Mutex
	hb *ffi.Heartbeat
}

// HeartbeatOptions configure StartHeartbeat (the public SDK's fields).
type HeartbeatOptions struct {
	// Interval between beats (zero: 30 s).
	Interval time.Duration
	// IncludeMetrics sends the buffered metrics with each beat (nil: true).
	IncludeMetrics *bool
}

// Mesh is the client's mesh sub-client (one per client).
func (c *Client) Mesh() *MeshClient {
	c.meshOnce.Do(func() { c.mesh = &MeshClient{c: c} })
	return c.mesh
}

func (m *MeshClient) core() *ffi.Client { return m.c.ffi }

// Heartbeat sends one heartbeat for the calling credential's agent; nil metrics sends no body.
func (m *MeshClient) Heartbeat(ctx context.Context, metrics map[string]any, options RequestOptions) (map[string]any, error) {
	var body *string
	if metrics != nil {
		b, err := json.Marshal(metrics)
		if err != nil {
			return nil, err
		}
		s := string(b)
		body = &s
	}
	return mcpResult(withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return m.core().MeshHeartbeat(body, callOptions(options), t)
	}))
}

// FlushMetrics sends a heartbeat carrying the metrics ReportMetric buffered.
func (m *MeshClient) FlushMetrics(ctx context.Context, options RequestOptions) (map[string]any, error) {
	return mcpResult(withToken(ctx, func(t *ffi.CancelToken) (string, error) {
		return m.core().MeshFlushMetrics(callOptions(options), t)
	}))
}

// StartHeartbeat starts beating in the background (a no-op when already running). Errors of a
// beat are not reported, as in the public SDK.
func (m *MeshClient) StartHeartbeat(options HeartbeatOptions) {
	o := ffi.HeartbeatOptions{IntervalSeconds: 30, IncludeMetrics: true}
	if options.Interval > 0 {
		o.IntervalSeconds = options.Interval.Seconds()
	}
	if options.IncludeMetrics != nil {
		o.IncludeMetrics = *options.IncludeMetrics
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hb != nil {
		return
	}
	if hb, err := m.core().MeshStartHeartbeat(o); err == nil {
		m.hb = hb
	}
}

// StopHeartbeat stops the background heartbeat; safe when none runs.
func (m *MeshClient) StopHeartbeat() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hb != nil {
		m.hb.Stop()
		m.hb.Release()
		m.hb = nil
	}
	_ = m.core().MeshStopHeartbeat()
}

// ReportMetric buffers one intent outcome for the next heartbeat.
func (m *MeshClient) ReportMetric(success bool, latencyMs *float64, costUSD *float64) {
	_ = m.core().MeshReportMetric(ffi.Metric{Success: success, LatencyMs: latencyMs, CostUsd: costUSD})
}
