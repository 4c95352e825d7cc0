package axme_test

import (
	"errors"
	"testing"

	"github.com/axme/axme-go/axme"
)

func TestMesh(t *testing.T) {
	c, _ := isolated(t, axme.ClientConfig{})
	m := c.Mesh()
	if c.Mesh() != m {
		t.Fatal("Mesh() is one sub-client per client")
	}
	must(m.Heartbeat(bg, nil, axme.RequestOptions{}))
	latency := 12.5
	m.ReportMetric(true, &latency, nil)
	must(m.FlushMetrics(bg, axme.RequestOptions{}))
	agents := must(m.ListAgents(bg, 10, "", axme.RequestOptions{}))
	list, _ := agents["agents"].([]any)
	if len(list) == 0 {
		t.Fatalf("ListAgents: %v", agents)
	}
	events := must(m.ListEvents(bg, 10, "", axme.RequestOptions{}))
	if events == nil {
		t.Fatal("ListEvents")
	}
	_, err := m.GetAgent(bg, "no-such-agent", axme.RequestOptions{})
	if !errors.Is(err, axme.ErrNotFound) && !errors.Is(err, axme.ErrInvalidArgument) {
		t.Fatalf("GetAgent of nobody: %v", err)
	}
	m.StartHeartbeat(axme.HeartbeatOptions{})
	m.StopHeartbeat()
	m.StopHeartbeat()
}

func TestMcp(t *testing.T) {
	c, _ := isolated(t, axme.ClientConfig{})
	must(c.McpInitialize(bg, axme.RequestOptions{}))
	tools := must(c.McpListTools(bg, axme.RequestOptions{}))
	if _, ok := tools["tools"].([]any); !ok {
		t.Fatalf("tools/list: %v", tools)
	}
	_, err := c.McpCallTool(bg, "no.such.tool", axme.McpCallToolOptions{})
	var h *axme.HTTPError
	if !errors.As(err, &h) {
		t.Fatalf("unknown tool: %v", err)
	}
}
