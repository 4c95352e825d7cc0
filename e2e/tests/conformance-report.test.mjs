// The conformance HTML report, loaded in headless Chromium: the totals it shows per SDK are the
// JSON report's, the filters by area and SDK recompute them, and a cell opens its detail
// (expected vs got, the request log).
//
// The page is rendered by `axme-conformance report` from a synthetic report (six SDKs, every
// outcome), and, when `./dev run` or `./dev test` left one in target/conformance, from the real
// run's report as well. Run: `cd e2e && npm install && node --test` (after
// `cargo build -p axme-conformance`); Debian's chromium must be installed.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const RUNNER = process.env.AXME_CONFORMANCE_BIN ?? join(REPO, 'target/debug/axme-conformance');
const REPORTS = process.env.AXME_CONFORMANCE_REPORTS ?? join(REPO, 'target/conformance');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTCOMES = ['pass', 'fail', 'expected-fail', 'skipped', 'stale'];
const SDKS = ['rust', 'python', 'typescript', 'go', 'java', 'dotnet'];

let work;
let context;

before(async () => {
  assert.ok(existsSync(RUNNER), `${RUNNER} is missing: run cargo build -p axme-conformance first`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (./dev test does)`);
  work = mkdtempSync(join(tmpdir(), 'axme-e2e-'));
  context = await chromium.launchPersistentContext(join(work, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  // The page is self-contained: any request other than the file itself is a failure.
  await context.route('**/*', (route) =>
    route.request().url().startsWith('file://') ? route.continue() : route.abort(),
  );
});

after(async () => {
  await context?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A report as six SDKs would make it: every outcome in every column, details on the failures. */
function syntheticReport() {
  const cases = [
    'auth/api_key_and_client_headers',
    'cancellation/wait_for_leaves_no_stream',
    'concurrency/wait_for_100_on_one_client',
    'payloads/integers_beyond_2_53',
    'payloads/unicode_round_trip',
    'retries/retry_after_seconds',
    'timeouts/redirect_not_followed',
  ];
  const results = [];
  cases.forEach((id, i) => {
    SDKS.forEach((sdk, j) => {
      const outcome = OUTCOMES[(i * 2 + j) % OUTCOMES.length];
      const row = { case: id, sdk, outcome, detail: '', duration_ms: 100 * (i + j), description: `The case ${id}.` };
      if (outcome !== 'pass') row.detail = `${id} on ${sdk}: ${outcome} </script><b>not markup</b>`;
      if (outcome === 'fail') {
        row.expected = { ok: false, error: { kind: 'timeout' } };
        row.got = { ok: false, error: { kind: 'connection', message: 'reset' } };
        row.journal = [`#0 +12ms GET /v1/intents/x → null, client_closed after 300 ms`, `#1 +330ms GET /v1/intents/x → 200, completed after 4 ms`];
      }
      results.push(row);
    });
  });
  const sdks = Object.fromEntries(SDKS.map((s) => [s, { version: '0.3.0', features: ['intents'] }]));
  return { results, sdks };
}

function render(report, name) {
  const json = join(work, `${name}.json`);
  const html = join(work, `${name}.html`);
  writeFileSync(json, JSON.stringify(report));
  execFileSync(RUNNER, ['report', '--json', json, '--html', html], { stdio: ['ignore', 'ignore', 'inherit'] });
  return html;
}

async function open(htmlPath) {
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(htmlPath).href);
  await page.waitForSelector('body[data-ready="true"]');
  assert.deepEqual(errors, [], 'the page runs without script errors');
  return page;
}

/** sdk → outcome → count, as the totals table shows them (only the rows shown). */
async function shownTotals(page) {
  const cells = await page.$$eval('#totals td[data-outcome]', (tds) =>
    tds.map((td) => [td.dataset.sdk, td.dataset.outcome, Number(td.textContent)]),
  );
  const totals = {};
  for (const [sdk, outcome, n] of cells) (totals[sdk] ??= {})[outcome] = n;
  return totals;
}

/** The same, counted from the JSON report's rows (optionally only some cases). */
function expectedTotals(report, keep = () => true) {
  const totals = {};
  const sdks = [...new Set(report.results.map((r) => r.sdk))];
  for (const sdk of sdks) {
    const rows = report.results.filter((r) => r.sdk === sdk && keep(r));
    totals[sdk] = Object.fromEntries(OUTCOMES.map((o) => [o, rows.filter((r) => r.outcome === o).length]));
    totals[sdk].all = rows.length;
  }
  return totals;
}

test('the totals per SDK are the JSON report’s, for six SDKs', async () => {
  const report = syntheticReport();
  const page = await open(render(report, 'six'));
  assert.deepEqual(await shownTotals(page), expectedTotals(report));
  const columns = await page.$$eval('#matrix thead th[data-sdk]', (ths) => ths.map((th) => th.dataset.sdk));
  assert.deepEqual(columns, SDKS, 'one column per SDK, the known languages in order');
  const cells = await page.$$eval('#matrix td.cell[data-outcome]', (tds) => tds.map((td) => td.dataset.outcome));
  assert.equal(cells.length, report.results.length);
  // Each outcome has its own colour.
  const colours = await page.$$eval('#matrix td.cell[data-outcome]', (tds) =>
    Object.fromEntries(tds.map((td) => [td.dataset.outcome, getComputedStyle(td).backgroundColor])),
  );
  assert.equal(new Set(OUTCOMES.map((o) => colours[o])).size, OUTCOMES.length, JSON.stringify(colours));
  await page.close();
});

test('a cell opens its detail: expected vs got and the request log', async () => {
  const report = syntheticReport();
  const page = await open(render(report, 'detail'));
  const failed = report.results.find((r) => r.outcome === 'fail');
  assert.equal(await page.isVisible('#detail'), false);
  await page.click(`#matrix td.cell[data-case="${failed.case}"][data-sdk="${failed.sdk}"]`);
  assert.equal(await page.isVisible('#detail'), true);
  assert.equal(await page.textContent('#d-title'), `${failed.case} · ${failed.sdk}`);
  assert.equal(await page.getAttribute('#d-outcome', 'data-outcome'), 'fail');
  assert.deepEqual(JSON.parse(await page.textContent('#d-expected')), failed.expected);
  assert.deepEqual(JSON.parse(await page.textContent('#d-got')), failed.got);
  assert.equal(await page.textContent('#d-journal'), failed.journal.join('\n'));
  // Text from the report stays text.
  assert.equal(await page.textContent('#d-message'), failed.detail);
  assert.equal(await page.$$eval('#detail b', (b) => b.length), 0);
  // A passing cell has nothing to compare.
  const passed = report.results.find((r) => r.outcome === 'pass');
  await page.click(`#matrix td.cell[data-case="${passed.case}"][data-sdk="${passed.sdk}"]`);
  assert.equal(await page.isVisible('#d-compare'), false);
  await page.close();
});

test('filters by area and by SDK recompute the matrix and the totals', async () => {
  const report = syntheticReport();
  const page = await open(render(report, 'filters'));
  await page.selectOption('#area-filter', 'payloads');
  assert.deepEqual(await shownTotals(page), expectedTotals(report, (r) => r.case.startsWith('payloads/')));
  const rows = await page.$$eval('#matrix tbody tr[data-case]', (trs) => trs.map((tr) => tr.dataset.case));
  assert.deepEqual(rows, ['payloads/integers_beyond_2_53', 'payloads/unicode_round_trip']);
  await page.uncheck('input[data-sdk-filter="java"]');
  const totals = await shownTotals(page);
  assert.deepEqual(Object.keys(totals), SDKS.filter((s) => s !== 'java'));
  const columns = await page.$$eval('#matrix thead th[data-sdk]', (ths) => ths.map((th) => th.dataset.sdk));
  assert.ok(!columns.includes('java'));
  await page.selectOption('#area-filter', '');
  await page.check('#problems-only');
  const shown = await page.$$eval('#matrix tbody tr[data-case]', (trs) => trs.length);
  assert.equal(shown, 7, 'every synthetic case has a non-pass outcome somewhere');
  await page.close();
});

test('a real run’s report shows the totals of its JSON report', async () => {
  let json = join(REPORTS, 'report.json');
  let html = join(REPORTS, 'report.html');
  if (!existsSync(json) || !existsSync(html)) {
    // No earlier run here (./dev run and ./dev test write one): make a small real one, the Rust
    // driver on the MCP cases against a reference server the runner starts.
    json = join(work, 'run.json');
    html = join(work, 'run.html');
    execFileSync(RUNNER, ['run', '--sdk', 'rust', '--case', 'mcp/', '--json', json, '--html', html], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const report = JSON.parse(readFileSync(json, 'utf8'));
  const page = await open(html);
  assert.deepEqual(await shownTotals(page), expectedTotals(report));
  const summary = await page.textContent('#summary');
  assert.match(summary, new RegExp(`= ${report.results.length} results`));
  await page.close();
});
