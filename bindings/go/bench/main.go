// Command bench measures the Go SDK against the reference server (a separate process), in one run:
//
//  1. Sequential GetIntent calls per second: the SDK versus a plain net/http keep-alive client
//     sending the same request (what the public Go SDK does inside); rounds alternate so drift hits
//     both. Goal: SDK ≥ 0.8× plain.
//  2. Resolve → WaitFor wake-up: a WaitFor parked on an intent; the clock starts just before a plain
//     client sends the resolve and stops when WaitFor returns. p50 and p99.
//
// Run it with the release library and server (./dev bench-go):
//
//	go run -tags axme_release ./bench -server ../../target/release/axme-server
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/axme/axme-go/axme"
)

func main() {
	bin := flag.String("server", "../../target/release/axme-server", "axme-server binary")
	calls := flag.Int("calls", 2000, "GetIntent calls per round")
	rounds := flag.Int("rounds", 4, "rounds")
	wakeups := flag.Int("wakeups", 200, "wake-up samples")
	flag.Parse()
	url, key, stop := startServer(*bin)
	defer stop()
	ctx := context.Background()
	client, err := axme.NewClient(axme.ClientConfig{BaseURL: url, APIKey: key})
	check(err)
	defer client.Close()
	body := map[string]any{"intent_type": "bench.get.v1", "to_agent": "agent://bench/x/y", "payload": map[string]any{}}
	id, err := client.SendIntent(ctx, body, axme.RequestOptions{})
	check(err)

	plain := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	viaHTTP := func() {
		req, _ := http.NewRequest("GET", url+"/v1/intents/"+id, nil)
		req.Header.Set("x-api-key", key)
		req.Header.Set("Accept", "application/json")
		resp, err := plain.Do(req)
		check(err)
		var out map[string]any
		check(json.NewDecoder(resp.Body).Decode(&out))
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	viaSDK := func() {
		_, err := client.GetIntent(ctx, id, axme.RequestOptions{})
		check(err)
	}
	rate := func(f func(), n int) float64 {
		t0 := time.Now()
		for i := 0; i < n; i++ {
			f()
		}
		return float64(n) / time.Since(t0).Seconds()
	}
	rate(viaHTTP, 300)
	rate(viaSDK, 300)
	var sdk, raw []float64
	for r := 0; r < *rounds; r++ {
		raw = append(raw, rate(viaHTTP, *calls))
		sdk = append(sdk, rate(viaSDK, *calls))
	}
	ms, mr := pct(sdk, 50), pct(raw, 50)
	fmt.Printf("GetIntent sequential: SDK %.0f/s, net/http %.0f/s, ratio %.2fx (goal >= 0.8x) [%d rounds x %d calls]\n", ms, mr, ms/mr, *rounds, *calls)

	var wake []float64
	for i := 0; i < *wakeups+20; i++ {
		id, err := client.SendIntent(ctx, body, axme.RequestOptions{})
		check(err)
		done := make(chan time.Time, 1)
		go func() {
			_, err := client.WaitFor(ctx, id, axme.ObserveOptions{})
			check(err)
			done <- time.Now()
		}()
		// Let the waiter's stream reach the server (it reads the backlog, then waits).
		time.Sleep(5 * time.Millisecond)
		t0 := time.Now()
		req, _ := http.NewRequest("POST", url+"/v1/intents/"+id+"/resolve", strings.NewReader(`{"status":"COMPLETED"}`))
		req.Header.Set("x-api-key", key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := plain.Do(req)
		check(err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		t1 := <-done
		if i >= 20 {
			wake = append(wake, float64(t1.Sub(t0).Microseconds())/1000)
		}
	}
	fmt.Printf("resolve -> WaitFor wake-up: p50 %.3f ms, p99 %.3f ms [%d samples]\n", pct(wake, 50), pct(wake, 99), len(wake))

	// Threads: 1,000 concurrent WaitFor calls on one client.
	before := threads()
	ids := make([]string, 1000)
	for i := range ids {
		ids[i], err = client.SendIntent(ctx, body, axme.RequestOptions{})
		check(err)
	}
	results := make(chan error, len(ids))
	for _, id := range ids {
		go func() { _, err := client.WaitFor(ctx, id, axme.ObserveOptions{}); results <- err }()
	}
	for client.LiveHandles() < uint64(len(ids)) {
		time.Sleep(10 * time.Millisecond)
	}
	during := threads()
	for _, id := range ids {
		_, err := client.ResolveIntent(ctx, id, map[string]any{"status": "COMPLETED"}, axme.RequestOptions{})
		check(err)
	}
	for range ids {
		check(<-results)
	}
	fmt.Printf("1,000 concurrent WaitFor on one client: all returned; OS threads %d before, %d while parked (GOMAXPROCS %d)\n", before, during, runtime.GOMAXPROCS(0))
}

func threads() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "Threads:") {
			var n int
			fmt.Sscan(strings.TrimPrefix(line, "Threads:"), &n)
			return n
		}
	}
	return 0
}

func pct(xs []float64, p float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[min(len(s)-1, int(p/100*float64(len(s))))]
}

func startServer(bin string) (string, string, func()) {
	dir, err := os.MkdirTemp("", "axme-go-bench-")
	check(err)
	cmd := exec.Command(bin, "--data-dir", dir, "--listen", "127.0.0.1:0", "--log", "warn")
	cmd.Stderr = os.Stderr
	// The server goes with this process, however it ends (a closed pipe, ^C).
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	check(cmd.Start())
	addr := filepath.Join(dir, "server-addr")
	for deadline := time.Now().Add(30 * time.Second); ; {
		if b, err := os.ReadFile(addr); err == nil && strings.HasSuffix(string(b), "\n") {
			key, _ := os.ReadFile(filepath.Join(dir, "dev-api-key"))
			return strings.TrimSpace(string(b)), strings.TrimSpace(string(key)), func() {
				_ = cmd.Process.Kill()
				_ = cmd.Wait()
				os.RemoveAll(dir)
			}
		}
		if time.Now().After(deadline) {
			check(fmt.Errorf("%s did not start", bin))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
