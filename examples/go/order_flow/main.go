// Order flow: an order crosses inventory, payment and shipping, observed step by step.
//
// Three agents (goroutines here, separate services in real life) each listen on their own address
// and do one job. The shop sends the order to each in turn, with the order id as the correlation id
// of every intent, and observes each intent event by event. With -decline the payment fails and
// the shop releases the stock reservation.
//
//	AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) go run ./order_flow [-decline]
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"os"
	"sync"

	"github.com/axme/axme-go/axme"
)

const (
	inventory = "agent://shop/prod/inventory"
	payment   = "agent://shop/prod/payment"
	shipping  = "agent://shop/prod/shipping"
)

func newClient() *axme.Client {
	c, err := axme.NewClient(axme.ClientConfig{BaseURL: os.Getenv("AXME_BASE_URL"), APIKey: os.Getenv("AXME_API_KEY")})
	check(err)
	return c
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

// agent serves `jobs` intents of this order on address: ack, progress, then complete or fail.
func agent(address, orderID string, jobs int, work func(map[string]any) (map[string]any, bool)) {
	c := newClient()
	defer c.Close()
	ctx := context.Background()
	for d, err := range c.ListenSeq(ctx, address, axme.ListenOptions{TimeoutMs: 60000}) {
		check(err)
		if d["correlation_id"] != orderID {
			continue // another order's work
		}
		id := d["intent_id"].(string)
		_, err = c.ResumeIntent(ctx, id, map[string]any{"action": "ack"}, axme.RequestOptions{})
		check(err)
		_, err = c.ResumeIntent(ctx, id, map[string]any{"action": "progress", "message": address + " working"}, axme.RequestOptions{})
		check(err)
		payload, _ := d["payload"].(map[string]any)
		outcome, ok := work(payload)
		if ok {
			_, err = c.ResumeIntent(ctx, id, map[string]any{"action": "complete", "result": outcome}, axme.RequestOptions{})
		} else {
			_, err = c.ResumeIntent(ctx, id, map[string]any{"action": "fail", "error": outcome}, axme.RequestOptions{})
		}
		check(err)
		if jobs--; jobs == 0 {
			return
		}
	}
}

// step sends one step of the order and prints its events until it ends; it returns the final intent.
func step(shop *axme.Client, orderID, to, intentType string, payload map[string]any) map[string]any {
	ctx := context.Background()
	body := map[string]any{"intent_type": intentType, "to_agent": to, "payload": payload, "correlation_id": orderID}
	id, err := shop.SendIntent(ctx, body, axme.RequestOptions{})
	check(err)
	for ev, err := range shop.ObserveSeq(ctx, id, axme.ObserveOptions{TimeoutMs: 60000}) {
		check(err)
		details, _ := ev["details"].(map[string]any)
		note, _ := details["message"].(string)
		fmt.Printf("  %-22s #%v %-20v %s\n", intentType, ev["seq"], ev["event_type"], note)
	}
	got, err := shop.GetIntent(ctx, id, axme.RequestOptions{})
	check(err)
	return got["intent"].(map[string]any)
}

func field(intent map[string]any, part, key string) any {
	m, _ := intent[part].(map[string]any)
	return m[key]
}

func main() {
	decline := flag.Bool("decline", false, "the card is declined")
	flag.Parse()
	// The order id is also the correlation id of every intent, so a UUID (version 4).
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	orderID := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	order := map[string]any{"order_id": orderID, "sku": "KB-42", "quantity": 2, "amount_cents": 12900}

	var wg sync.WaitGroup
	run := func(address string, jobs int, work func(map[string]any) (map[string]any, bool)) {
		wg.Add(1)
		go func() { defer wg.Done(); agent(address, orderID, jobs, work) }()
	}
	reserveJobs := 1
	if *decline {
		reserveJobs = 2
	}
	run(inventory, reserveJobs, func(p map[string]any) (map[string]any, bool) {
		return map[string]any{"reservation": fmt.Sprintf("res-%v", p["sku"]), "released": p["release"] == true}, true
	})
	run(payment, 1, func(p map[string]any) (map[string]any, bool) {
		if *decline {
			return map[string]any{"ok": false, "reason": "card_declined"}, false
		}
		return map[string]any{"charge_id": "ch_1", "amount_cents": p["amount_cents"]}, true
	})
	if !*decline {
		run(shipping, 1, func(map[string]any) (map[string]any, bool) {
			return map[string]any{"tracking": "1Z999AA10123456784"}, true
		})
	}

	shop := newClient()
	defer shop.Close()
	fmt.Printf("shop: order %s\n", orderID)
	reserved := step(shop, orderID, inventory, "inventory.reserve.v1", order)
	fmt.Printf("shop: stock reserved (%v)\n", field(reserved, "result", "reservation"))
	paid := step(shop, orderID, payment, "payment.charge.v1", order)
	if paid["status"] != "COMPLETED" {
		fmt.Printf("shop: payment %v (%v); releasing the stock\n", paid["status"], field(paid, "error", "reason"))
		release := map[string]any{"release": true}
		for k, v := range order {
			release[k] = v
		}
		step(shop, orderID, inventory, "inventory.release.v1", release)
		wg.Wait()
		os.Exit(1)
	}
	fmt.Printf("shop: paid (%v)\n", field(paid, "result", "charge_id"))
	shipped := step(shop, orderID, shipping, "shipping.dispatch.v1", order)
	fmt.Printf("shop: shipped, tracking %v\n", field(shipped, "result", "tracking"))
	wg.Wait()
}
