// Agent handoff: a worker agent takes an intent from its listen stream, acknowledges it, reports
// progress, and is killed mid-task. A new worker process listens again from the start: delivery is
// at-least-once, so the unfinished intent comes back, and the new worker finishes it.
//
//   AXME_BASE_URL=... AXME_API_KEY=... node agent-handoff.mts
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AxmeClient } from '@axme/axme';

const WORKER = `agent://acme/prod/report-worker-${process.pid}`;
const client = new AxmeClient({ apiKey: process.env.AXME_API_KEY, baseUrl: process.env.AXME_BASE_URL });

/** The worker: `crash` makes it stop dead after reporting progress. */
async function worker(address: string, crash: boolean): Promise<void> {
  for await (const delivery of client.listen(address)) {
    const id = delivery.intent_id;
    const current = (await client.getIntent(id)) as any;
    console.log(`worker ${process.pid}: got ${id} (status ${current.intent.status})`);
    if (current.intent.status !== 'IN_PROGRESS') {
      await client.resumeIntent(id, { action: 'ack' }, { ownerAgent: address });
    }
    await client.resumeIntent(id, { action: 'progress', message: `step 1 by ${process.pid}` }, { ownerAgent: address });
    if (crash) {
      console.log(`worker ${process.pid}: crashing mid-task`);
      process.kill(process.pid, 'SIGKILL');
    }
    await client.resumeIntent(id, { action: 'complete', result: { rows: 1234, by: process.pid } }, { ownerAgent: address });
    console.log(`worker ${process.pid}: completed ${id}`);
    return;
  }
}

function runWorker(crash: boolean): Promise<number | null> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), 'worker', WORKER, crash ? 'crash' : ''], {
    stdio: 'inherit',
    env: process.env,
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve(code)));
}

async function main(): Promise<void> {
  const intentId = await client.sendIntent({
    intent_type: 'report.generate.v1',
    to_agent: WORKER,
    payload: { report: 'monthly-revenue', month: '2026-10' },
  });
  console.log(`requester: sent ${intentId}`);
  // The requester follows the whole story while the workers come and go.
  const story = (async () => {
    const seen: string[] = [];
    for await (const event of client.observe(intentId, { timeoutMs: 60_000 })) {
      const note = (event.details as { message?: string } | null)?.message;
      console.log(`requester: #${event.seq} ${event.event_type}${note ? ` (${note})` : ''}`);
      seen.push(event.event_type.replace('intent.', ''));
    }
    return seen;
  })();
  const exit = await runWorker(true);
  console.log(`requester: first worker is gone (exit ${exit}); status ${((await client.getIntent(intentId)) as any).intent.status}`);
  await runWorker(false);
  const history = await story;
  const final = ((await client.getIntent(intentId)) as any).intent.status;
  console.log(`requester: ${final}; history: ${history.join(' → ')}`);
}

if (process.argv[2] === 'worker') await worker(process.argv[3], process.argv[4] === 'crash');
else await main();
