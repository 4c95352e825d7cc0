// Agent handoff: agent B takes an intent, is killed mid-task, and picks it up again on restart.
//
// The requester sends a report job to agent B and observes it. Agent B runs as its own process
// (this program with -agent): it listens, acknowledges the job, reports progress ... and is killed
// by the requester the moment that progress shows up. A fresh agent B listens again from since=0;
// delivery is at-least-once, so the unfinished job comes back, and this time it completes.
//
//	AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) go run ./agent_handoff
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/axme/axme-go/axme"
)

const agentB = "agent://acme/prod/report-builder"

func newClient() *axme.Client {
	c, err := axme.NewClient(axme.ClientConfig{BaseURL: os.Getenv("AXME_BASE_URL"), APIKey: os.Getenv("AXME_API_KEY")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return c
}

func resume(c *axme.Client, id string, body map[string]any) {
	if _, err := c.ResumeIntent(context.Background(), id, body, axme.RequestOptions{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// runAgent is agent B: work on jobID when it is delivered (other deliveries are someone else's).
func runAgent(jobID string, life int) {
	c := newClient()
	defer c.Close()
	for d, err := range c.ListenSeq(context.Background(), agentB, axme.ListenOptions{TimeoutMs: 60000}) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if d["intent_id"] != jobID {
			continue
		}
		fmt.Printf("agent B (life %d): got the job, status %v\n", life, d["status"])
		if life == 1 {
			resume(c, jobID, map[string]any{"action": "ack"})
			resume(c, jobID, map[string]any{"action": "progress", "message": "rendering page 1 of 3"})
			time.Sleep(time.Minute) // "working"; the requester kills this process here
		} else {
			resume(c, jobID, map[string]any{"action": "progress", "message": "restarted, resuming at page 1"})
			resume(c, jobID, map[string]any{"action": "complete", "result": map[string]any{"pages": 3, "url": "s3://reports/q3.pdf"}})
			fmt.Printf("agent B (life %d): done\n", life)
		}
		return
	}
}

func startAgent(jobID string, life int) *exec.Cmd {
	self, _ := os.Executable()
	cmd := exec.Command(self, "-agent", jobID, "-life", fmt.Sprint(life))
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return cmd
}

func main() {
	job := flag.String("agent", "", "run as agent B for this job")
	life := flag.Int("life", 1, "agent B's life")
	flag.Parse()
	if *job != "" {
		runAgent(*job, *life)
		return
	}
	ctx := context.Background()
	c := newClient()
	defer c.Close()
	id, err := c.SendIntent(ctx, map[string]any{"intent_type": "report.build.v1", "to_agent": agentB, "payload": map[string]any{"quarter": "Q3"}}, axme.RequestOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("requester: sent job %s\n", id)
	agent, lives := startAgent(id, 1), 1
	defer func() { _ = agent.Process.Kill(); _ = agent.Wait() }()
	for ev, err := range c.ObserveSeq(ctx, id, axme.ObserveOptions{TimeoutMs: 90000}) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("requester: #%v %v (%v)\n", ev["seq"], ev["event_type"], ev["status"])
		if ev["event_type"] == "intent.in_progress" && lives == 1 {
			_ = agent.Process.Kill() // agent B dies mid-task
			_ = agent.Wait()
			fmt.Println("requester: agent B was killed mid-task; starting it again")
			agent, lives = startAgent(id, 2), 2
		}
	}
	final, err := c.GetIntent(ctx, id, axme.RequestOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	intent := final["intent"].(map[string]any)
	fmt.Printf("requester: job %v with %v\n", intent["status"], intent["result"])
	if intent["status"] != "COMPLETED" {
		os.Exit(1)
	}
}
