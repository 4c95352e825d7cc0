// Deployment approval: a release pipeline asks an approver for permission to deploy and waits for
// the answer with waitFor. Until the reference server has human tasks, the approver answers by
// resolving the intent (COMPLETED with {approved: true}); with human tasks it will answer a
// WAITING step instead, and the requesting side stays as it is.
//
//   AXME_BASE_URL=http://127.0.0.1:8100 AXME_API_KEY=$(cat axme-data/dev-api-key) node deployment-approval.mts [--reject]
import { AxmeClient, AxmeTimeoutError } from '@axme/axme';

const APPROVER = 'agent://acme/prod/release-approver';
const REJECT = process.argv.includes('--reject');
const client = new AxmeClient({ apiKey: process.env.AXME_API_KEY, baseUrl: process.env.AXME_BASE_URL });

/** The approver: takes this request from its listen stream and answers it. */
async function approver(intentId: string): Promise<void> {
  for await (const delivery of client.listen(APPROVER, { timeoutMs: 30_000 })) {
    if (delivery.intent_id !== intentId) continue; // an older request still open
    console.log(`approver: reviewing ${JSON.stringify(delivery.payload)}`);
    await client.resolveIntent(delivery.intent_id, {
      status: 'COMPLETED',
      result: REJECT
        ? { approved: false, approver: 'alice@acme.example', comment: 'not during the freeze' }
        : { approved: true, approver: 'alice@acme.example', comment: 'ship it' },
    });
    return;
  }
}

async function main(): Promise<void> {
  const intentId = await client.sendIntent({
    intent_type: 'deploy.approval.v1',
    to_agent: APPROVER,
    payload: { service: 'billing-api', version: '2.14.0', environment: 'production' },
  });
  console.log(`pipeline: asked for approval, intent ${intentId}`);
  const approving = approver(intentId);
  try {
    const answer = await client.waitFor(intentId, { timeoutMs: 30_000 });
    const intent = (await client.getIntent(intentId)) as any;
    if (answer.status === 'COMPLETED' && intent.intent.result?.approved) {
      console.log(`pipeline: approved by ${intent.intent.result.approver}; deploying billing-api 2.14.0`);
    } else {
      console.log(`pipeline: not approved (${answer.status}: ${intent.intent.result?.comment ?? 'no answer'}); stopping`);
      process.exitCode = 1;
    }
  } catch (e) {
    if (e instanceof AxmeTimeoutError) console.log('pipeline: nobody answered in time');
    throw e;
  }
  await approving;
}

await main();
