"""Order flow: an order crosses inventory, payment and shipping, observed step by step.

Three agents (threads here, separate services in real life) each listen on their own address
and do one job. The shop sends the order to each in turn, with the order id as the correlation
id of every intent, and observes each intent event by event, so it prints the whole flow as it
happens. With ``--decline`` the payment fails and the shop releases the stock reservation.

    AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) \\
        python examples/python/order_flow.py [--decline]
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
import uuid
from typing import Any, Callable, Dict

from axme import AxmeClient, AxmeClientConfig

INVENTORY = "agent://shop/prod/inventory"
PAYMENT = "agent://shop/prod/payment"
SHIPPING = "agent://shop/prod/shipping"


def config() -> AxmeClientConfig:
    return AxmeClientConfig(
        base_url=os.environ.get("AXME_BASE_URL", "http://127.0.0.1:8100"),
        api_key=os.environ["AXME_API_KEY"],
    )


def agent(address: str, order_id: str, jobs: int, work: Callable[[Dict[str, Any]], Dict[str, Any]]) -> None:
    """Serve `jobs` intents of this order on `address`: ack, progress, then complete or fail."""
    with AxmeClient(config()) as client:
        for delivery in client.listen(address, timeout_seconds=60):
            if delivery["correlation_id"] != order_id:
                continue  # another order's work
            intent_id = delivery["intent_id"]
            client.resume_intent(intent_id, {"action": "ack"})
            client.resume_intent(intent_id, {"action": "progress", "message": f"{address} working"})
            outcome = work(delivery["payload"])
            if outcome.get("ok", True):
                client.resume_intent(intent_id, {"action": "complete", "result": outcome})
            else:
                client.resume_intent(intent_id, {"action": "fail", "error": outcome})
            jobs -= 1
            if jobs == 0:
                return


def run_step(shop: AxmeClient, order_id: str, to: str, intent_type: str, payload: Dict[str, Any]) -> Dict[str, Any]:
    """Send one step of the order and print its events until it ends; return the final intent."""
    intent_id = shop.send_intent(
        {"intent_type": intent_type, "to_agent": to, "payload": payload}, correlation_id=order_id
    )
    for event in shop.observe(intent_id, timeout_seconds=60):
        note = (event.get("details") or {}).get("message", "")
        print(f"  {intent_type:<22} #{event['seq']} {event['event_type']:<20} {note}")
    intent: Dict[str, Any] = shop.get_intent(intent_id)["intent"]
    return intent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--decline", action="store_true", help="the card is declined")
    args = parser.parse_args()
    order_id = str(uuid.uuid4())  # also the correlation id of every intent (a UUID)
    order = {"order_id": order_id, "sku": "KB-42", "quantity": 2, "amount_cents": 12900}

    workers = [
        threading.Thread(daemon=True, target=agent, args=(INVENTORY, order_id, 2 if args.decline else 1,
                                             lambda p: {"reservation": f"res-{p['sku']}", "released": p.get("release", False)})),
        threading.Thread(daemon=True, target=agent, args=(PAYMENT, order_id, 1,
                                             lambda p: {"ok": False, "reason": "card_declined"} if args.decline
                                             else {"charge_id": "ch_1", "amount_cents": p["amount_cents"]})),
    ]
    if not args.decline:
        workers.append(threading.Thread(daemon=True, target=agent, args=(SHIPPING, order_id, 1,
                                                            lambda p: {"tracking": "1Z999AA10123456784"})))
    for w in workers:
        w.start()

    with AxmeClient(config()) as shop:
        print(f"shop: order {order_id}")
        reserved = run_step(shop, order_id, INVENTORY, "inventory.reserve.v1", order)
        print(f"shop: stock reserved ({reserved['result']['reservation']})")
        paid = run_step(shop, order_id, PAYMENT, "payment.charge.v1", order)
        if paid["status"] != "COMPLETED":
            print(f"shop: payment {paid['status']} ({paid['error']['reason']}); releasing the stock")
            run_step(shop, order_id, INVENTORY, "inventory.release.v1", {**order, "release": True})
            for w in workers:
                w.join()
            return 1
        print(f"shop: paid ({paid['result']['charge_id']})")
        shipped = run_step(shop, order_id, SHIPPING, "shipping.dispatch.v1", order)
        print(f"shop: shipped, tracking {shipped['result']['tracking']}")
    for w in workers:
        w.join()
    return 0


if __name__ == "__main__":
    sys.exit(main())
