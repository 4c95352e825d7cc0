package axme_test

// Test support: the reference server on port 0 (target/debug/axme-server, or AXME_SERVER_BIN),
// its fault-injection API, and clients on isolated fault credentials.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/axme/axme-go/axme"
)

var server struct {
	url, apiKey string
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	bin := os.Getenv("AXME_SERVER_BIN")
	if bin == "" {
		bin, _ = filepath.Abs("../../../target/debug/axme-server")
	}
	dir, err := os.MkdirTemp("", "axme-go-test-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(bin, "--data-dir", dir, "--listen", "127.0.0.1:0", "--faults", "--log", "warn")
	cmd.Stderr = os.Stderr
	// A test that panics skips the deferred kill: the server then dies with this process.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "cannot start %s (cargo build -p axme-server): %v\n", bin, err)
		return 1
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	// Bounded wait for the file the server writes once it listens.
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(filepath.Join(dir, "server-addr"))
		if err == nil && bytes.HasSuffix(b, []byte("\n")) {
			server.url = strings.TrimSpace(string(b))
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "axme-server did not start")
			return 1
		}
		time.Sleep(20 * time.Millisecond)
	}
	key, _ := os.ReadFile(filepath.Join(dir, "dev-api-key"))
	server.apiKey = strings.TrimSpace(string(key))
	return m.Run()
}

type credential struct {
	ID          string `json:"credential_id"`
	APIKey      string `json:"api_key"`
	OrgID       string `json:"org_id"`
	WorkspaceID string `json:"workspace_id"`
}

func faults(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	var r *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	} else {
		r = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, server.url+path, r)
	req.Header.Set("content-type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("%s %s: %d", method, path, resp.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

// isolated is a client on a fresh fault credential, closed when the test ends.
func isolated(t *testing.T, config axme.ClientConfig) (*axme.Client, credential) {
	t.Helper()
	var cred credential
	faults(t, "POST", "/_faults/credentials", map[string]any{"name": t.Name()}, &cred)
	config.BaseURL = server.url
	config.APIKey = cred.APIKey
	c, err := axme.NewClient(config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c, cred
}

func rules(t *testing.T, cred credential, rules ...map[string]any) {
	t.Helper()
	faults(t, "POST", "/_faults/credentials/"+cred.ID+"/rules", map[string]any{"rules": rules}, nil)
}

type journalEntry struct {
	Method, Path, Route string
	Query               *string
	Status              *int
	Ended               *string
	Headers             map[string][]string
}

func journal(t *testing.T, cred credential) []journalEntry {
	t.Helper()
	var out struct{ Requests []journalEntry }
	faults(t, "GET", "/_faults/credentials/"+cred.ID+"/requests", nil, &out)
	return out.Requests
}

// until polls check (bounded) for state another process changes.
// settled waits until the client has no call or stream in flight in the core and no goroutine
// of the SDK is left (a stream's reader, a context watcher).
func settled(t *testing.T, c *axme.Client) {
	t.Helper()
	until(t, "no live handles", func() bool { return c.LiveHandles() == 0 })
	until(t, "no SDK goroutine left", func() bool { return sdkGoroutines() == "" })
}

// sdkGoroutines is the stacks of the goroutines running or started by package axme (the
// tests' own package, axme_test, does not match), "" when there are none.
func sdkGoroutines() string {
	buf := make([]byte, 1<<22)
	var left []string
	for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
		if strings.Contains(g, "github.com/axme/axme-go/axme.") {
			left = append(left, g)
		}
	}
	return strings.Join(left, "\n\n")
}

func until(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func intentBody(to string) map[string]any {
	return map[string]any{"intent_type": "notify.message.v1", "to_agent": to, "payload": map[string]any{"text": "hello"}}
}

// must is v, failing the test (by panicking: it cannot take t beside a call's two results) on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var bg = context.Background()
