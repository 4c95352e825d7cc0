package ffi

// The waist's objects (Client, Stream, CancelToken, Heartbeat) as Go values over uniffi handles.
// uniffi consumes one reference of every object a call receives, so each use clones the handle
// first; Release frees the reference the Go value owns.

/*
#include "axme_ffi.h"
*/
import "C"

import (
	"runtime"
	"sync/atomic"
)

type handle struct{ h atomic.Uint64 }

func (o *handle) use(clone func(uint64, *C.RustCallStatus) C.uint64_t) C.uint64_t {
	var st C.RustCallStatus
	return clone(o.h.Load(), &st)
}

func (o *handle) release(free func(C.uint64_t, *C.RustCallStatus)) {
	if h := o.h.Swap(0); h != 0 {
		var st C.RustCallStatus
		free(C.uint64_t(h), &st)
	}
}

func cloneClient(h uint64, st *C.RustCallStatus) C.uint64_t {
	return C.uniffi_axme_ffi_fn_clone_client(C.uint64_t(h), st)
}
func cloneStream(h uint64, st *C.RustCallStatus) C.uint64_t {
	return C.uniffi_axme_ffi_fn_clone_stream(C.uint64_t(h), st)
}
func cloneToken(h uint64, st *C.RustCallStatus) C.uint64_t {
	return C.uniffi_axme_ffi_fn_clone_canceltoken(C.uint64_t(h), st)
}
func cloneHeartbeat(h uint64, st *C.RustCallStatus) C.uint64_t {
	return C.uniffi_axme_ffi_fn_clone_heartbeat(C.uint64_t(h), st)
}

// CancelToken cancels the call or stream it was given, from any goroutine.
type CancelToken struct{ handle }

// NewCancelToken makes a token.
func NewCancelToken() *CancelToken {
	var st C.RustCallStatus
	t := &CancelToken{}
	t.h.Store(uint64(C.uniffi_axme_ffi_fn_constructor_canceltoken_new(&st)))
	return t
}

// Cancel ends the call or stream at once (its connection closes).
func (t *CancelToken) Cancel() {
	var st C.RustCallStatus
	C.uniffi_axme_ffi_fn_method_canceltoken_cancel(t.use(cloneToken), &st)
}

// Release frees the token.
func (t *CancelToken) Release() {
	t.release(func(h C.uint64_t, st *C.RustCallStatus) { C.uniffi_axme_ffi_fn_free_canceltoken(h, st) })
}

// arg is the token as an Option<Arc<CancelToken>> argument (nil: none).
func (t *CancelToken) arg() C.RustBuffer {
	return encode(func(w *Writer) {
		if t == nil {
			w.I8(0)
			return
		}
		w.I8(1)
		w.U64(uint64(t.use(cloneToken)))
	})
}

// Stream is an observe or listen stream.
type Stream struct{ handle }

// Next blocks for the next item (JSON text); ok is false at the end.
func (s *Stream) Next() (item string, ok bool, err error) {
	buf, err := call(func(st *C.RustCallStatus) C.RustBuffer {
		return C.uniffi_axme_ffi_fn_method_stream_next(s.use(cloneStream), st)
	})
	if err != nil {
		return "", false, err
	}
	r := NewReader(take(buf))
	if r.I8() == 0 {
		return "", false, r.Err()
	}
	return r.String(), true, r.Err()
}

// Close ends the stream from any goroutine (a blocked Next returns).
func (s *Stream) Close() {
	var st C.RustCallStatus
	C.uniffi_axme_ffi_fn_method_stream_close(s.use(cloneStream), &st)
}

// Release frees the stream.
func (s *Stream) Release() {
	s.release(func(h C.uint64_t, st *C.RustCallStatus) { C.uniffi_axme_ffi_fn_free_stream(h, st) })
}

// Heartbeat is the background mesh heartbeat.
type Heartbeat struct{ handle }

// Stop stops it.
func (b *Heartbeat) Stop() {
	var st C.RustCallStatus
	C.uniffi_axme_ffi_fn_method_heartbeat_stop(b.use(cloneHeartbeat), &st)
}

// Release frees the handle (the heartbeat keeps running until stopped).
func (b *Heartbeat) Release() {
	b.release(func(h C.uint64_t, st *C.RustCallStatus) { C.uniffi_axme_ffi_fn_free_heartbeat(h, st) })
}

// Client is the core's client.
type Client struct{ handle }

// NewClient builds a client; the core checks the config.
func NewClient(config ClientConfig) (*Client, error) {
	h, err := call(func(st *C.RustCallStatus) C.uint64_t {
		return C.uniffi_axme_ffi_fn_constructor_client_new(encode(func(w *Writer) { w.ClientConfig(config) }), st)
	})
	if err != nil {
		return nil, err
	}
	c := &Client{}
	c.h.Store(uint64(h))
	// A client the program drops without Close still frees its Rust side.
	runtime.SetFinalizer(c, (*Client).Release)
	return c, nil
}

// Release frees the client's handle.
func (c *Client) Release() {
	c.release(func(h C.uint64_t, st *C.RustCallStatus) { C.uniffi_axme_ffi_fn_free_client(h, st) })
}

// Close ends every call and stream of the client.
func (c *Client) Close() {
	var st C.RustCallStatus
	C.uniffi_axme_ffi_fn_method_client_close(c.use(cloneClient), &st)
}

// LiveHandles counts the client's streams and calls in flight.
func (c *Client) LiveHandles() uint64 {
	var st C.RustCallStatus
	return uint64(C.uniffi_axme_ffi_fn_method_client_live_handles(c.use(cloneClient), &st))
}

// LiveHandles counts every client's streams and calls in flight in the process.
func LiveHandles() uint64 {
	var st C.RustCallStatus
	return uint64(C.uniffi_axme_ffi_fn_func_live_handles(&st))
}

// CoreVersion is the engine's version.
func CoreVersion() string {
	var st C.RustCallStatus
	return takeString(C.uniffi_axme_ffi_fn_func_core_version(&st))
}

func options(o CallOptions) C.RustBuffer {
	return encode(func(w *Writer) { w.CallOptions(o) })
}

func streamOptions(o StreamOptions) C.RustBuffer {
	return encode(func(w *Writer) { w.StreamOptions(o) })
}

func text(buf C.RustBuffer, err error) (string, error) {
	if err != nil {
		return "", err
	}
	return takeString(buf), nil
}

// Call runs an operation by id with JSON arguments; the answer is JSON text.
func (c *Client) Call(op, args string, o CallOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		return C.uniffi_axme_ffi_fn_method_client_call(c.use(cloneClient), stringIn(op), stringIn(args), options(o), t.arg(), st)
	}))
}

// CallWithContent runs an operation whose request body is raw bytes.
func (c *Client) CallWithContent(op, args string, content []byte, o CallOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		body := encode(func(w *Writer) { w.Bytes(content) })
		return C.uniffi_axme_ffi_fn_method_client_call_with_content(c.use(cloneClient), stringIn(op), stringIn(args), body, options(o), t.arg(), st)
	}))
}

// CallBytes runs an operation whose answer is raw bytes.
func (c *Client) CallBytes(op, args string, o CallOptions, t *CancelToken) ([]byte, error) {
	buf, err := call(func(st *C.RustCallStatus) C.RustBuffer {
		return C.uniffi_axme_ffi_fn_method_client_call_bytes(c.use(cloneClient), stringIn(op), stringIn(args), options(o), t.arg(), st)
	})
	if err != nil {
		return nil, err
	}
	return NewReader(take(buf)).Bytes(), nil
}

// SendIntent creates an intent (the core adds a correlation id when missing) and gives its id.
func (c *Client) SendIntent(intent string, o CallOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		return C.uniffi_axme_ffi_fn_method_client_send_intent(c.use(cloneClient), stringIn(intent), options(o), t.arg(), st)
	}))
}

// CancelIntent cancels an intent.
func (c *Client) CancelIntent(intentID string, reason *string, o CallOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		r := encode(func(w *Writer) { optString(w, reason) })
		return C.uniffi_axme_ffi_fn_method_client_cancel_intent(c.use(cloneClient), stringIn(intentID), r, options(o), t.arg(), st)
	}))
}

// WaitFor blocks until the intent's terminal event (JSON text).
func (c *Client) WaitFor(intentID string, o StreamOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		return C.uniffi_axme_ffi_fn_method_client_wait_for(c.use(cloneClient), stringIn(intentID), streamOptions(o), t.arg(), st)
	}))
}

func stream(h C.uint64_t, err error) (*Stream, error) {
	if err != nil {
		return nil, err
	}
	s := &Stream{}
	s.h.Store(uint64(h))
	return s, nil
}

// Observe follows an intent's events.
func (c *Client) Observe(intentID string, o StreamOptions, t *CancelToken) (*Stream, error) {
	return stream(call(func(st *C.RustCallStatus) C.uint64_t {
		return C.uniffi_axme_ffi_fn_method_client_observe(c.use(cloneClient), stringIn(intentID), streamOptions(o), t.arg(), st)
	}))
}

// Listen follows an agent's deliveries.
func (c *Client) Listen(address string, o StreamOptions, t *CancelToken) (*Stream, error) {
	return stream(call(func(st *C.RustCallStatus) C.uint64_t {
		return C.uniffi_axme_ffi_fn_method_client_listen(c.use(cloneClient), stringIn(address), streamOptions(o), t.arg(), st)
	}))
}

// McpInitialize opens the MCP session.
func (c *Client) McpInitialize(version *string, o CallOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		v := encode(func(w *Writer) { optString(w, version) })
		return C.uniffi_axme_ffi_fn_method_client_mcp_initialize(c.use(cloneClient), v, options(o), t.arg(), st)
	}))
}

// McpListTools lists the MCP tools.
func (c *Client) McpListTools(o CallOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		return C.uniffi_axme_ffi_fn_method_client_mcp_list_tools(c.use(cloneClient), options(o), t.arg(), st)
	}))
}

// McpCallTool calls an MCP tool with JSON arguments.
func (c *Client) McpCallTool(name, arguments string, o CallOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		return C.uniffi_axme_ffi_fn_method_client_mcp_call_tool(c.use(cloneClient), stringIn(name), stringIn(arguments), options(o), t.arg(), st)
	}))
}

// MeshHeartbeat sends one heartbeat (metrics: JSON text or nil for no body).
func (c *Client) MeshHeartbeat(metrics *string, o CallOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		m := encode(func(w *Writer) { optString(w, metrics) })
		return C.uniffi_axme_ffi_fn_method_client_mesh_heartbeat(c.use(cloneClient), m, options(o), t.arg(), st)
	}))
}

// MeshFlushMetrics sends a heartbeat carrying the buffered metrics.
func (c *Client) MeshFlushMetrics(o CallOptions, t *CancelToken) (string, error) {
	return text(call(func(st *C.RustCallStatus) C.RustBuffer {
		return C.uniffi_axme_ffi_fn_method_client_mesh_flush_metrics(c.use(cloneClient), options(o), t.arg(), st)
	}))
}

// MeshReportMetric buffers one outcome for the next heartbeat.
func (c *Client) MeshReportMetric(m Metric) error {
	_, err := call(func(st *C.RustCallStatus) struct{} {
		C.uniffi_axme_ffi_fn_method_client_mesh_report_metric(c.use(cloneClient), encode(func(w *Writer) { w.Metric(m) }), st)
		return struct{}{}
	})
	return err
}

// MeshStartHeartbeat starts the background heartbeat.
func (c *Client) MeshStartHeartbeat(o HeartbeatOptions) (*Heartbeat, error) {
	h, err := call(func(st *C.RustCallStatus) C.uint64_t {
		return C.uniffi_axme_ffi_fn_method_client_mesh_start_heartbeat(c.use(cloneClient), encode(func(w *Writer) { w.HeartbeatOptions(o) }), st)
	})
	if err != nil {
		return nil, err
	}
	b := &Heartbeat{}
	b.h.Store(uint64(h))
	return b, nil
}

// MeshStopHeartbeat stops the background heartbeat, if any.
func (c *Client) MeshStopHeartbeat() error {
	_, err := call(func(st *C.RustCallStatus) struct{} {
		C.uniffi_axme_ffi_fn_method_client_mesh_stop_heartbeat(c.use(cloneClient), st)
		return struct{}{}
	})
	return err
}

func optString(w *Writer, s *string) {
	if s == nil {
		w.I8(0)
		return
	}
	w.I8(1)
	w.String(*s)
}
