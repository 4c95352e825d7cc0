// The Go conformance driver: performs driver-protocol requests with the Go SDK (package axme).
//
// Protocol: conformance/docs/driver-protocol.md. JSON lines in on stdin, JSON lines out on stdout,
// free text on stderr. Every request runs in its own goroutine with its own context; `cancel`
// cancels the target's context, which cancels the core's call or stream (its connection closes).
//
// Built by `./dev build-go` into target/debug/axme-go-driver.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"

	"github.com/axme/axme-go/axme"
)

type request struct {
	ID      *int64         `json:"id"`
	Op      string         `json:"op"`
	Client  string         `json:"client"`
	Args    map[string]any `json:"args"`
	Options map[string]any `json:"options"`
}

type running struct {
	cancel   context.CancelFunc
	canceled bool
}

type driver struct {
	out     sync.Mutex
	mu      sync.Mutex
	running map[int64]*running
	seen    map[int64]bool
	clients map[string]*axme.Client
}

func (d *driver) write(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(map[string]any{"id": nil, "ok": false, "error": map[string]any{"kind": "driver_error", "message": err.Error()}})
	}
	d.out.Lock()
	defer d.out.Unlock()
	os.Stdout.Write(append(b, '\n'))
}

func (d *driver) serve(id int64, req request) {
	ctx, cancel := context.WithCancel(context.Background())
	entry := &running{cancel: cancel}
	d.mu.Lock()
	d.running[id] = entry
	d.mu.Unlock()
	result, err := d.perform(ctx, id, req)
	cancel()
	d.mu.Lock()
	delete(d.running, id)
	wasCanceled := entry.canceled
	d.mu.Unlock()
	if err != nil {
		e := errorJSON(err)
		if wasCanceled {
			e = map[string]any{"kind": "canceled", "status": nil, "code": nil, "message": "canceled by the runner", "request_id": nil, "trace_id": nil, "retry_after_ms": nil}
		}
		d.write(map[string]any{"id": id, "ok": false, "error": e})
		return
	}
	d.write(map[string]any{"id": id, "ok": true, "result": result})
}

func (d *driver) cancelTarget(args callArgs) (any, error) {
	target, ok := args["target"].(float64)
	d.mu.Lock()
	defer d.mu.Unlock()
	if !ok || !d.seen[int64(target)] {
		return nil, misuse("cancel: target %v is not the id of an earlier request", args["target"])
	}
	if e := d.running[int64(target)]; e != nil {
		e.canceled = true
		e.cancel()
	}
	return map[string]any{}, nil
}

func (d *driver) client(name string) (*axme.Client, error) {
	if name == "" {
		name = "default"
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	c := d.clients[name]
	if c == nil {
		return nil, misuse("no client named %q", name)
	}
	return c, nil
}

func main() {
	d := &driver{running: map[int64]*running{}, seen: map[int64]bool{}, clients: map[string]*axme.Client{}}
	d.write(map[string]any{
		"type": "hello", "protocol": 1, "sdk": "go", "sdk_version": axme.SDKVersion,
		"features": []string{"intents", "observe", "wait_for", "listen", "cancel", "mcp", "mesh", "generic_call", "config.retry_budget"},
		// encoding/json gives every number as a float64, as the public SDK does.
		"json_numbers": "double",
	})
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	for in.Scan() {
		line := in.Bytes()
		if len(line) == 0 {
			continue
		}
		var req request
		if err := json.Unmarshal(line, &req); err != nil || req.ID == nil {
			fmt.Fprintf(os.Stderr, "go driver: ignored a line that is not a request: %.200s\n", line)
			continue
		}
		d.mu.Lock()
		d.seen[*req.ID] = true
		d.mu.Unlock()
		go d.serve(*req.ID, req)
	}
	// stdin closed: the case is over; running requests are abandoned.
	os.Exit(0)
}
