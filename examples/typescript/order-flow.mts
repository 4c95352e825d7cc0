// Order flow: an order crosses inventory, payment and shipping, observed step by step.
//
// Three agents (async loops here, separate services in real life) each listen on their own address
// and do one job. The shop sends the order to each in turn, with the order id as the correlation id
// of every intent, and observes each intent event by event, so it prints the whole flow as it
// happens. With --decline the payment fails and the shop releases the stock reservation.
//
//   AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) node order-flow.mts [--decline]
import { randomUUID } from 'node:crypto';
import { AxmeClient } from '@axme/axme';

const INVENTORY = 'agent://shop/prod/inventory';
const PAYMENT = 'agent://shop/prod/payment';
const SHIPPING = 'agent://shop/prod/shipping';

type Json = Record<string, any>;
const client = new AxmeClient({ apiKey: process.env.AXME_API_KEY, baseUrl: process.env.AXME_BASE_URL ?? 'http://127.0.0.1:8100' });

/** Serve `jobs` intents of this order on `address`: ack, progress, then complete or fail. */
async function agent(address: string, orderId: string, jobs: number, work: (payload: Json) => Json): Promise<void> {
  for await (const delivery of client.listen(address, { timeoutMs: 60_000 })) {
    if (delivery.correlation_id !== orderId) continue; // another order's work
    const id = delivery.intent_id;
    await client.resumeIntent(id, { action: 'ack' });
    await client.resumeIntent(id, { action: 'progress', message: `${address} working` });
    const outcome = work(delivery.payload as Json);
    if (outcome.ok ?? true) await client.resumeIntent(id, { action: 'complete', result: outcome });
    else await client.resumeIntent(id, { action: 'fail', error: outcome });
    if (--jobs === 0) return; // leaving the loop closes the stream
  }
}

/** Send one step of the order and print its events until it ends; return the final intent. */
async function runStep(orderId: string, to: string, intentType: string, payload: Json): Promise<Json> {
  const id = await client.sendIntent({ intent_type: intentType, to_agent: to, payload }, { correlationId: orderId });
  for await (const event of client.observe(id, { timeoutMs: 60_000 })) {
    const note = (event.details as Json | null)?.message ?? '';
    console.log(`  ${intentType.padEnd(22)} #${event.seq} ${event.event_type.padEnd(20)} ${note}`);
  }
  return ((await client.getIntent(id)) as Json).intent;
}

async function main(decline: boolean): Promise<number> {
  const orderId = randomUUID(); // also the correlation id of every intent
  const order = { order_id: orderId, sku: 'KB-42', quantity: 2, amount_cents: 12900 };
  const workers = [
    agent(INVENTORY, orderId, decline ? 2 : 1, (p) => ({ reservation: `res-${p.sku}`, released: p.release ?? false })),
    agent(PAYMENT, orderId, 1, (p) =>
      decline ? { ok: false, reason: 'card_declined' } : { charge_id: 'ch_1', amount_cents: p.amount_cents },
    ),
  ];
  if (!decline) workers.push(agent(SHIPPING, orderId, 1, () => ({ tracking: '1Z999AA10123456784' })));

  console.log(`shop: order ${orderId}`);
  const reserved = await runStep(orderId, INVENTORY, 'inventory.reserve.v1', order);
  console.log(`shop: stock reserved (${reserved.result.reservation})`);
  const paid = await runStep(orderId, PAYMENT, 'payment.charge.v1', order);
  if (paid.status !== 'COMPLETED') {
    console.log(`shop: payment ${paid.status} (${paid.error.reason}); releasing the stock`);
    await runStep(orderId, INVENTORY, 'inventory.release.v1', { ...order, release: true });
    await Promise.all(workers);
    return 1;
  }
  console.log(`shop: paid (${paid.result.charge_id})`);
  const shipped = await runStep(orderId, SHIPPING, 'shipping.dispatch.v1', order);
  console.log(`shop: shipped, tracking ${shipped.result.tracking}`);
  await Promise.all(workers);
  return 0;
}

process.exitCode = await main(process.argv.includes('--decline'));
