// Real-browser test of the scheduler dashboard.
//
//   node tests/dashboard/browser_test.mjs <dashboard_demo binary> <output dir>
//
// Starts the demo (an in-process cluster with its dashboard), opens /status
// in headless Chromium, makes the demo run a graph, and waits until the page
// shows all of it: every prefix at 100 %, every task in the task stream, the
// results in worker memory, the completed count and the graph. Then it saves
// <output dir>/dashboard.png and checks /api/v1/progress against the demo's
// own counts. Any console error or page error fails the test.
//
// Needs `npm ci` in tests/dashboard (playwright-core) and /usr/bin/chromium
// (or $CHROMIUM). Every wait has a timeout; the whole test stays under 90 s.

import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

const TOTAL_BUDGET_MS = 85_000;
const URL_TIMEOUT_MS = 30_000;
const FIRST_UPDATE_TIMEOUT_MS = 15_000;
const RUN_TIMEOUT_MS = 45_000;
const PAGE_TIMEOUT_MS = 30_000;
const DEMO_EXIT_TIMEOUT_MS = 10_000;
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

const started = Date.now();
const remaining = () => Math.max(1000, TOTAL_BUDGET_MS - (Date.now() - started));
const budget = (ms) => Math.min(ms, remaining());
const log = (...a) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s]`, ...a);

class TestFailure extends Error {}
const fail = (msg) => { throw new TestFailure(msg); };

// -------------------------------------------------------------- the demo

// Lines of a child's stdout, awaited one pattern at a time.
class LineReader {
  constructor(stream, name) {
    this.lines = [];
    this.waiters = [];
    this.closed = false;
    this.name = name;
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      buf += chunk;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).replace(/\r$/, '');
        buf = buf.slice(i + 1);
        log(`${name}: ${line}`);
        this.lines.push(line);
        this.wake();
      }
    });
    stream.on('end', () => { this.closed = true; this.wake(); });
  }

  wake() { for (const w of this.waiters.splice(0)) w(); }

  // The first unread line matching `re` (earlier unread lines are skipped).
  async next(re, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.lines.length) {
        const m = re.exec(this.lines.shift());
        if (m) return m;
      }
      if (this.closed) fail(`${this.name} closed its output before printing ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) fail(`timed out after ${timeoutMs / 1000} s waiting for ${this.name} to print ${what}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }
}

function startDemo(binary) {
  const child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
  const demo = { child, exited: null, stderr: '' };
  demo.exitPromise = new Promise((resolve) => {
    child.on('exit', (code, signal) => { demo.exited = { code, signal }; resolve(demo.exited); });
    child.on('error', (err) => { demo.exited = { code: null, signal: null, error: err }; resolve(demo.exited); });
  });
  child.stdin.on('error', () => {}); // a demo that already exited: reported by its exit status
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { demo.stderr += d; process.stderr.write(d); });
  demo.out = new LineReader(child.stdout, 'demo');
  // A line from the demo; when it fails, say how the demo ended, if it did.
  demo.line = async (re, timeoutMs, what) => {
    try {
      return await demo.out.next(re, timeoutMs, what);
    } catch (err) {
      await Promise.race([demo.exitPromise, new Promise((r) => setTimeout(r, 1000))]);
      if (!demo.exited) throw err;
      const tail = demo.stderr.trim().split('\n').slice(-5).join('\n  ');
      fail(`the demo exited (${describeExit(demo.exited)}) before printing ${what}` + (tail ? `; its stderr:\n  ${tail}` : ''));
    }
  };
  demo.send = (line) => {
    if (demo.exited) fail(`the demo exited (${describeExit(demo.exited)}) before it was sent "${line}"`);
    child.stdin.write(line + '\n');
  };
  return demo;
}

function describeExit(e) {
  if (e.error) return `could not start: ${e.error.message}`;
  return e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
}

// Send `quit`, wait for the exit, kill after DEMO_EXIT_TIMEOUT_MS.
async function stopDemo(demo) {
  if (!demo || demo.exited) return demo && demo.exited;
  try { demo.child.stdin.end('quit\n'); } catch { /* already closed */ }
  const timeout = new Promise((resolve) => setTimeout(() => resolve(null), DEMO_EXIT_TIMEOUT_MS));
  const exited = await Promise.race([demo.exitPromise, timeout]);
  if (exited) return exited;
  log(`the demo did not exit within ${DEMO_EXIT_TIMEOUT_MS / 1000} s of "quit": killing it`);
  demo.child.kill('SIGKILL');
  await demo.exitPromise;
  return { ...demo.exited, killed: true };
}

// ------------------------------------------------------------- the page

// Runs in the page: what the test hooks show now.
function pageSnapshot() {
  const canvas = document.getElementById('task-stream');
  const svg = document.getElementById('graph');
  const msg = document.getElementById('graph-message');
  const progress = {};
  for (const el of document.querySelectorAll('.progress-row')) {
    progress[el.dataset.prefix] = {
      done: Number(el.dataset.done), total: Number(el.dataset.total), erred: Number(el.dataset.erred),
    };
  }
  const workers = Array.from(document.querySelectorAll('tr.worker-row')).map((tr) => ({
    id: tr.dataset.workerId, managed: Number(tr.dataset.managed), rss: Number(tr.dataset.rss),
  }));
  return {
    updates: Number(document.body.dataset.updates || 0),
    tasks: Number(canvas && canvas.dataset.tasks),
    transfers: Number(canvas && canvas.dataset.transfers),
    dropped: Number((canvas && canvas.dataset.dropped) || 0),
    progress,
    workers,
    completed: Number((document.getElementById('tasks-completed') || {}).textContent),
    uptime: (document.getElementById('uptime') || {}).textContent,
    graphNodes: Number(svg && svg.dataset.nodes),
    graphTruncated: !!svg && svg.dataset.truncated === 'true' && !!msg && !msg.hidden && msg.textContent.length > 0,
  };
}

// Runs in the page and in node: what is still missing, [] when done.
function unmetConditions(s, exp) {
  const out = [];
  for (const [prefix, count] of Object.entries(exp.prefixes)) {
    const p = s.progress[prefix];
    if (!p) out.push(`no progress row for prefix "${prefix}"`);
    else if (p.done !== count || p.total !== count) {
      out.push(`progress row "${prefix}" shows done=${p.done} total=${p.total}, the demo ran ${count}`);
    }
  }
  // Dropped records can never reach the page; allow for them.
  if (s.dropped === 0 ? s.tasks < exp.n : s.tasks + s.dropped < exp.n) {
    out.push(`#task-stream data-tasks=${s.tasks} (dropped ${s.dropped}) < ${exp.n} tasks run`);
  }
  if (!s.workers.some((w) => w.managed > 0 && w.rss > 0)) {
    out.push(`no worker row with data-managed > 0 and data-rss > 0 (${JSON.stringify(s.workers)})`);
  }
  if (!(s.completed >= exp.n)) out.push(`#tasks-completed=${s.completed} < ${exp.n}`);
  if (!(s.graphNodes > 0) && !s.graphTruncated) out.push('graph has no nodes and no truncation message');
  return out;
}

async function launchBrowser() {
  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    fail(`cannot load playwright-core (${err.message}); run "npm ci" in tests/dashboard`);
  }
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS, timeout: budget(30_000) });
}

function watchErrors(page) {
  const errors = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console error: ${m.text()} (${m.location().url || 'page'})`);
  });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  return errors;
}

// ----------------------------------------------------------------- test

async function run(binary, outDir, ctx) {
  ctx.demo = startDemo(binary);
  const [, url] = await ctx.demo.line(/^dashboard: (https?:\/\/\S+)/, budget(URL_TIMEOUT_MS), 'its dashboard URL');
  const origin = new URL(url).origin;

  ctx.browser = await launchBrowser();
  const page = await ctx.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = watchErrors(page);
  const checkErrors = () => { if (errors.length) fail(`the page logged errors:\n  ${errors.join('\n  ')}`); };

  await page.goto(url, { timeout: budget(PAGE_TIMEOUT_MS) });
  await page.waitForFunction(() => Number(document.body.dataset.updates) >= 1, null,
    { timeout: budget(FIRST_UPDATE_TIMEOUT_MS), polling: 100 })
    .catch(() => fail(`no update reached the page within ${FIRST_UPDATE_TIMEOUT_MS / 1000} s`));
  checkErrors();
  log('the page has its first update; sending "go"');

  ctx.demo.send('go');
  const n = Number((await ctx.demo.line(/^ran (\d+) tasks/, budget(RUN_TIMEOUT_MS), '"ran N tasks"'))[1]);
  const [, list] = await ctx.demo.line(/^prefixes:\s*(.*)$/, budget(10_000), '"prefixes: ..."');
  const prefixes = {};
  for (const item of list.trim().split(/\s+/)) {
    const m = /^(.+)=(\d+)$/.exec(item);
    if (!m) fail(`cannot parse "${item}" in the demo's line "prefixes: ${list}"`);
    prefixes[m[1]] = Number(m[2]);
  }
  const sum = Object.values(prefixes).reduce((a, b) => a + b, 0);
  if (!(n > 0) || Object.keys(prefixes).length === 0) fail(`the demo reported ${n} tasks and prefixes "${list}"`);
  for (const want of ['inc', 'add', 'total']) {
    if (!(want in prefixes)) fail(`the demo did not report prefix "${want}" (got "${list}")`);
  }
  log(`the demo ran ${n} tasks (${sum} in the listed prefixes)`);

  // Wait for the page to show everything, polling the DOM in the page.
  const exp = { n, prefixes };
  await page.evaluate(`window.__snapshot = ${pageSnapshot.toString()};
                       window.__unmet = ${unmetConditions.toString()};`);
  try {
    await page.waitForFunction((e) => window.__unmet(window.__snapshot(), e).length === 0, exp,
      { timeout: budget(PAGE_TIMEOUT_MS), polling: 100 });
  } catch (err) {
    const s = await page.evaluate(() => window.__snapshot());
    const unmet = unmetConditions(s, exp);
    if (unmet.length === 0) throw err;
    fail(`the page did not show the run in time:\n  ${unmet.join('\n  ')}`);
  }
  const s = await page.evaluate(() => window.__snapshot());
  if (s.dropped === 0 && s.tasks !== n) {
    fail(`#task-stream data-tasks=${s.tasks} but the demo ran ${n} tasks and no record was dropped`);
  }
  checkErrors();

  mkdirSync(outDir, { recursive: true });
  const shot = path.join(outDir, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true, timeout: budget(20_000) });

  // The JSON API must agree with the demo too.
  const resp = await fetch(`${origin}/api/v1/progress`, { signal: AbortSignal.timeout(budget(10_000)) });
  if (!resp.ok) fail(`GET /api/v1/progress answered HTTP ${resp.status}`);
  const api = await resp.json();
  const byName = new Map((api.prefixes || []).map((p) => [p.name, p]));
  for (const [prefix, count] of Object.entries(prefixes)) {
    const p = byName.get(prefix);
    if (!p) fail(`/api/v1/progress has no prefix "${prefix}"`);
    if (p.total !== count || p.done !== count) {
      fail(`/api/v1/progress says ${prefix}: done=${p.done} total=${p.total}, the demo ran ${count}`);
    }
  }
  checkErrors();
  await ctx.browser.close();
  ctx.browser = null;

  return {
    n, prefixes, tasks: s.tasks, transfers: s.transfers, dropped: s.dropped, completed: s.completed,
    workers: s.workers.length, graphNodes: s.graphNodes, graphTruncated: s.graphTruncated,
    updates: s.updates, uptime: s.uptime, shot,
  };
}

async function main() {
  const [binary, outDir] = process.argv.slice(2);
  if (!binary || !outDir) {
    console.error('usage: node browser_test.mjs <dashboard_demo binary> <output dir>');
    process.exit(2);
  }
  const ctx = { demo: null, browser: null };
  let summary = null;
  let failure = null;
  const watchdog = setTimeout(() => {
    console.error(`FAIL: the test ran past ${TOTAL_BUDGET_MS / 1000} s`);
    if (ctx.demo && !ctx.demo.exited) ctx.demo.child.kill('SIGKILL');
    process.exit(1);
  }, TOTAL_BUDGET_MS + DEMO_EXIT_TIMEOUT_MS);
  try {
    summary = await run(path.resolve(binary), path.resolve(outDir), ctx);
  } catch (err) {
    failure = err instanceof TestFailure ? err.message : `unexpected error: ${err.stack || err}`;
  }
  if (ctx.browser) await ctx.browser.close().catch(() => {});
  const exit = await stopDemo(ctx.demo);
  clearTimeout(watchdog);
  if (!failure && exit && (exit.killed || exit.code !== 0)) {
    failure = `the demo did not exit cleanly after "quit": ${exit.killed ? 'it had to be killed' : describeExit(exit)}`;
  }
  if (failure) {
    console.error(`FAIL: ${failure}`);
    process.exit(1);
  }
  const p = Object.entries(summary.prefixes).map(([k, v]) => `${k}=${v}`).join(' ');
  console.log(`PASS: the dashboard showed all ${summary.n} tasks (${p}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`  task stream: ${summary.tasks} tasks, ${summary.transfers} transfers, ${summary.dropped} dropped; ` +
    `completed ${summary.completed}; ${summary.workers} workers; graph ` +
    (summary.graphTruncated ? 'truncated' : `${summary.graphNodes} nodes`) +
    `; ${summary.updates} updates; uptime ${summary.uptime}`);
  console.log(`  screenshot: ${summary.shot}`);
  process.exit(0);
}

main();
