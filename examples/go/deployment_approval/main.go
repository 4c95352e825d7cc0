// Deployment approval: a release pipeline asks a human to approve a deploy and blocks on WaitFor.
//
// The pipeline sends an intent carrying a human task (task_type approval) to the server's workflow
// engine; the intent waits (WAITING_FOR_HUMAN) until someone answers. The approver here follows the
// intent and answers with ResumeIntent(..., {"task_result": ...}): approved completes the intent,
// rejected (-reject) fails it.
//
//	AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) go run ./deployment_approval [-reject]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/axme/axme-go/axme"
)

// Addresses under agent://axme.workflow/ belong to the server's workflow engine.
const approvals = "agent://axme.workflow/release-approvals"

func newClient() *axme.Client {
	c, err := axme.NewClient(axme.ClientConfig{BaseURL: os.Getenv("AXME_BASE_URL"), APIKey: os.Getenv("AXME_API_KEY")})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	return c
}

// approver is the human's side: wait until the task is assigned, read it, answer it.
func approver(ctx context.Context, intentID string, approve bool) error {
	c := newClient()
	defer c.Close()
	for ev, err := range c.ObserveSeq(ctx, intentID, axme.ObserveOptions{TimeoutMs: 30000}) {
		if err != nil {
			return err
		}
		if ev["event_type"] == "intent.human_task_assigned" {
			break
		}
	}
	got, err := c.GetIntent(ctx, intentID, axme.RequestOptions{})
	if err != nil {
		return err
	}
	task := got["intent"].(map[string]any)["human_task"].(map[string]any)
	fmt.Printf("approver: task %q, outcomes %v\n", task["title"], task["allowed_outcomes"])
	answer := map[string]any{"outcome": "approved", "comment": "ship it"}
	if !approve {
		answer = map[string]any{"outcome": "rejected", "comment": "change freeze this week"}
	}
	_, err = c.ResumeIntent(ctx, intentID, map[string]any{"task_result": answer}, axme.RequestOptions{})
	return err
}

func main() {
	reject := flag.Bool("reject", false, "make the approver say no")
	flag.Parse()
	ctx := context.Background()
	pipeline := newClient()
	defer pipeline.Close()
	id, err := pipeline.SendIntent(ctx, map[string]any{
		"intent_type": "deploy.approval.v1",
		"to_agent":    approvals,
		"payload":     map[string]any{"service": "billing-api", "version": "2.14.0", "environment": "production"},
		"human_task":  map[string]any{"title": "Deploy billing-api 2.14.0 to production?", "task_type": "approval"},
	}, axme.RequestOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("pipeline: asked for approval (intent %s)\n", id)
	human := make(chan error, 1)
	go func() { human <- approver(ctx, id, !*reject) }()
	wait, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	final, err := pipeline.WaitFor(wait, id, axme.ObserveOptions{})
	if herr := <-human; herr != nil {
		fmt.Fprintln(os.Stderr, "approver:", herr)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		fmt.Println("pipeline: nobody answered in time; not deploying")
		os.Exit(2)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if final["status"] == "COMPLETED" {
		fmt.Println("pipeline: approved; deploying billing-api 2.14.0")
		return
	}
	fmt.Printf("pipeline: not approved (%v); stopping\n", final["status"])
	os.Exit(1)
}
