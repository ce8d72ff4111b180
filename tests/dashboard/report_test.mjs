// Real-browser test of a performance report (report.html written by the
// scheduler: dashboard.css, taskstream.js, window.TROUPE_REPORT and report.js
// inlined into one file).
//
//   node tests/dashboard/report_test.mjs <report.html> <output dir>
//
// Opens the file in headless Chromium and checks: no console or page error,
// the task stream canvas was drawn (its data-tasks equals the number of task
// records, kinds 0 and 1, in window.TROUPE_REPORT, and it has pixels), and
// the per-prefix bars exist, one per prefix that ran. Saves
// <output dir>/report.png.

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const TOTAL_BUDGET_MS = 60_000;
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

class TestFailure extends Error {}
const fail = (msg) => { throw new TestFailure(msg); };

// Runs in the page: what report.js drew, and what it should have.
function reportState() {
  const r = window.TROUPE_REPORT;
  const canvas = document.getElementById('task-stream');
  const records = (r && Array.isArray(r.records)) ? r.records : [];
  const expectedTasks = records.filter((x) => x[5] === 0 || x[5] === 1).length;
  const prefixesRun = new Set(records.filter((x) => x[5] !== 2).map((x) => x[4])).size;
  let inked = 0;
  if (canvas && canvas.width > 0 && canvas.height > 0) {
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) inked++;
  }
  return {
    hasReport: !!r,
    hasCanvas: !!canvas,
    tasksAttr: canvas ? canvas.dataset.tasks : undefined,
    expectedTasks,
    canvasSize: canvas ? [canvas.width, canvas.height] : null,
    inked,
    prefixesRun,
    bars: document.querySelectorAll('#prefix-times .prefix-bar').length,
  };
}

async function run(file, outDir, ctx) {
  if (!existsSync(file)) fail(`no such file: ${file}`);
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    fail(`cannot load playwright-core (${err.message}); run "npm ci" in tests/dashboard`);
  }
  ctx.browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS, timeout: 30_000,
  });
  const page = await ctx.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console error: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  // Nothing may leave the file: the report must be self-contained.
  page.on('request', (req) => {
    if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) errors.push(`network request: ${req.url()}`);
  });

  await page.goto(pathToFileURL(file).href, { timeout: 20_000 });
  try {
    await page.waitForFunction(() => document.getElementById('task-stream')?.dataset.tasks !== undefined,
      null, { timeout: 15_000, polling: 100 });
  } catch {
    const s = await page.evaluate(reportState);
    fail(`#task-stream never got a data-tasks attribute (${JSON.stringify(s)})`);
  }
  const s = await page.evaluate(reportState);
  if (errors.length) fail(`the report logged errors:\n  ${errors.join('\n  ')}`);
  if (!s.hasReport) fail('the page has no window.TROUPE_REPORT');
  if (Number(s.tasksAttr) !== s.expectedTasks) {
    fail(`#task-stream data-tasks=${s.tasksAttr}, TROUPE_REPORT has ${s.expectedTasks} task records`);
  }
  if (s.inked === 0) fail(`the task stream canvas (${s.canvasSize}) is blank`);
  if (s.bars !== s.prefixesRun) fail(`${s.bars} prefix bars drawn for ${s.prefixesRun} prefixes that ran`);

  mkdirSync(outDir, { recursive: true });
  const shot = path.join(outDir, 'report.png');
  await page.screenshot({ path: shot, fullPage: true, timeout: 20_000 });
  if (errors.length) fail(`the report logged errors:\n  ${errors.join('\n  ')}`);
  return { ...s, shot };
}

async function main() {
  const [file, outDir] = process.argv.slice(2);
  if (!file || !outDir) {
    console.error('usage: node report_test.mjs <report.html> <output dir>');
    process.exit(2);
  }
  const started = Date.now();
  const ctx = { browser: null };
  const watchdog = setTimeout(() => {
    console.error(`FAIL: the test ran past ${TOTAL_BUDGET_MS / 1000} s`);
    process.exit(1);
  }, TOTAL_BUDGET_MS);
  let summary = null;
  let failure = null;
  try {
    summary = await run(path.resolve(file), path.resolve(outDir), ctx);
  } catch (err) {
    failure = err instanceof TestFailure ? err.message : `unexpected error: ${err.stack || err}`;
  }
  if (ctx.browser) await ctx.browser.close().catch(() => {});
  clearTimeout(watchdog);
  if (failure) {
    console.error(`FAIL: ${failure}`);
    process.exit(1);
  }
  console.log(`PASS: the report drew ${summary.expectedTasks} tasks and ${summary.bars} prefix bars ` +
    `in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  screenshot: ${summary.shot}`);
  process.exit(0);
}

main();
