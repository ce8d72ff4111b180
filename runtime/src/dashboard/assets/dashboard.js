// troupe live dashboard (served at /status).
//
// Data comes from the scheduler's JSON API on the same origin. The live
// feed is the Server-Sent Events stream /api/v1/stream (one `update` event
// about every 200 ms carrying info, workers, progress, new task-stream
// records and the graph when it changed). When the event stream fails the
// page polls the JSON endpoints once a second instead and tries the event
// stream again later.
//
// Test hooks (kept stable, see tests/dashboard/browser_test.mjs):
//   #task-stream[data-tasks|data-transfers]  records received in total
//   .progress-row[data-prefix|data-done|data-total|data-erred]
//   tr.worker-row[data-worker-id|data-managed|data-rss]
//   #uptime, #tasks-completed (plain integer), svg#graph[data-nodes]
//   body[data-updates]                       updates received
'use strict';

(function () {
  const POLL_INTERVAL_MS = 1000;
  const SSE_RETRY_MS = 10000;          // how long to poll before retrying SSE
  const MAX_KEPT_RECORDS = 100000;     // as many as the server's ring holds
  const MAX_WINDOW_S = 300;            // longest selectable task-stream window
  const MAX_GAP_FETCH = 5000;          // records a gap may have and still be fetched
  const KIND_TRANSFER = 2;

  const STATE_COLORS = {
    released: '#d5dae0',
    waiting: '#aab4bf',
    ready: '#f2c94c',
    processing: '#f0a030',
    memory: '#2f6fb3',
    erred: '#6b0000',
  };

  // ------------------------------------------------------------------ utils

  const $ = (id) => document.getElementById(id);

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({
      '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
    }[c]));
  }

  // Binary units, as memory limits are powers of two (8 GiB, not 8.6 GB).
  function formatBytes(n) {
    n = Number(n) || 0;
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    let v = Math.abs(n);
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    const s = i === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0);
    return (n < 0 ? '-' : '') + s + ' ' + units[i];
  }

  function formatDuration(s) {
    s = Number(s) || 0;
    if (s < 60) return s.toFixed(1) + ' s';
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = Math.floor(s % 60);
    const pad = (x) => String(x).padStart(2, '0');
    if (d > 0) return `${d}d ${pad(h)}h ${pad(m)}m`;
    if (h > 0) return `${h}h ${pad(m)}m ${pad(sec)}s`;
    return `${m}m ${pad(sec)}s`;
  }

  function formatSpan(s) {
    if (s < 1e-3) return (s * 1e6).toFixed(0) + ' \u00b5s';
    if (s < 1) return (s * 1e3).toFixed(s < 0.01 ? 2 : 1) + ' ms';
    return s.toFixed(3) + ' s';
  }

  // A colour swatch and its (already escaped) label, kept on one line.
  const legendItem = (color, html) =>
    `<span class="li"><span class="sw" style="background:${color}"></span>${html}</span>`;

  const formatCount = (n) => Number(n || 0).toLocaleString('en-US');
  const pct = (part, whole) => (whole > 0 ? Math.max(0, Math.min(100, (100 * part) / whole)) : 0);

  function setText(id, text) {
    const el = $(id);
    if (el && el.textContent !== text) el.textContent = text;
  }

  // ------------------------------------------------------------- page state

  const state = {
    updates: 0,
    info: null,
    workers: [],
    everSeenWorkers: new Map(),  // id -> {id, name, threads}: labels for rows of gone workers
    // Task stream: every record received, pruned to a time window.
    records: [],
    prefixes: [],
    cursor: 0,
    now: 0,
    totalTasks: 0,
    totalTransfers: 0,
    dropped: 0,
    layout: null,
    graphText: null,           // JSON of the graph drawn last, to skip redraws
    uptime: 0,
  };

  // ------------------------------------------------------------ task stream

  // Append the records of a task-stream object. `cursor` counts records ever
  // produced, so the records of an answer occupy positions
  // [cursor - records.length, cursor). Anything before our own cursor we
  // already have: that makes a reconnecting event stream, or a switch between
  // the event stream and polling, harmless.
  //
  // An event-stream update carries only the newest records of its interval
  // (the server bounds an event's size), so it may start after our cursor.
  // Such a gap, if small, is not accepted but fetched from
  // /api/v1/task-stream, which answers from the server's whole ring.
  function addStream(stream, exact) {
    if (!stream) return;
    if (Array.isArray(stream.prefixes) && stream.prefixes.length >= state.prefixes.length) {
      state.prefixes = stream.prefixes;
    }
    if (typeof stream.now === 'number' && stream.now > state.now) state.now = stream.now;
    const records = Array.isArray(stream.records) ? stream.records : [];
    const cursor = Number(stream.cursor);
    if (!Number.isFinite(cursor) || cursor <= state.cursor) return;
    const firstPos = cursor - records.length;
    if (firstPos > state.cursor) {
      // A small gap is fetched; a big one means a flood of tiny tasks
      // (hundreds of thousands a second), where fetching every record would
      // cost the scheduler more than the picture is worth: it is skipped.
      if (!exact && firstPos - state.cursor <= MAX_GAP_FETCH) {
        fillGap();
        return;
      }
      state.dropped += firstPos - state.cursor;
    }
    const start = Math.max(0, state.cursor - firstPos);
    state.cursor = cursor;
    for (let i = start; i < records.length; i++) {
      const r = records[i];
      if (r[5] === KIND_TRANSFER) state.totalTransfers++; else state.totalTasks++;
      state.records.push(r);
    }
    pruneRecords();
    // Set the counters now, not at the next animation frame: a hidden tab
    // gets no frames, and tests read these.
    const canvas = $('task-stream');
    canvas.dataset.tasks = String(state.totalTasks);
    canvas.dataset.transfers = String(state.totalTransfers);
    canvas.dataset.dropped = String(state.dropped);
  }

  let gapFetch = null;

  // Fetch the records since our cursor (one request at a time; a failed one
  // is simply retried by the next update that finds the gap).
  function fillGap() {
    if (gapFetch) return;
    gapFetch = fetchJson('/api/v1/task-stream?since=' + state.cursor)
      .then((text) => {
        addStream(JSON.parse(text), true);
        scheduleStreamDraw();
      })
      .catch(() => {})
      .finally(() => { gapFetch = null; });
  }

  // Keep what the longest window can show, and never more than the server's
  // ring holds. Records come roughly in stop order, so a filter is rarely
  // needed; only run it once the array has grown past the cap or the oldest
  // record fell out of the window.
  function pruneRecords() {
    const recs = state.records;
    const cutoff = state.now - MAX_WINDOW_S;
    if (recs.length > MAX_KEPT_RECORDS * 1.2 || (recs.length && recs[0][1] < cutoff - 30)) {
      let kept = recs.filter((r) => r[1] >= cutoff);
      if (kept.length > MAX_KEPT_RECORDS) kept = kept.slice(kept.length - MAX_KEPT_RECORDS);
      state.records = kept;
    }
  }

  function windowSeconds() {
    return Number($('stream-window').value) || 30;
  }

  // The time axis ends now and starts at the first record kept, so a short
  // run fills the canvas, until it spans the chosen window; then it scrolls.
  // At least MIN_SPAN_S is shown, so that a first millisecond task is a bar
  // and not the whole width.
  const MIN_SPAN_S = 0.25;
  function streamWindow() {
    const span = windowSeconds();
    const t1 = Math.max(state.now, MIN_SPAN_S);
    const first = state.records.length ? state.records[0][0] : t1;
    const t0 = Math.max(t1 - span, Math.min(first - 0.02 * (t1 - first), t1 - MIN_SPAN_S));
    return { t0: Math.max(0, t0), t1 };
  }

  // Rows: the workers listed now, plus workers that left but still have
  // records on screen (under their last known name).
  function streamWorkers() {
    const listed = new Set(state.workers.map((w) => w.id));
    const out = state.workers.map((w) => ({ id: w.id, name: w.name, threads: w.threads }));
    const inRecords = new Set();
    for (const r of state.records) inRecords.add(r[2]);
    for (const id of inRecords) {
      if (listed.has(id)) continue;
      const old = state.everSeenWorkers.get(id);
      if (old) out.push({ id, name: old.name + ' (gone)', threads: old.threads });
    }
    return out;
  }

  function drawStream() {
    const { t0, t1 } = streamWindow();
    const canvas = $('task-stream');
    state.layout = drawTaskStream(canvas, {
      prefixes: state.prefixes,
      workers: streamWorkers(),
      records: state.records,
    }, {
      t0, t1,
      totalTasks: state.totalTasks,
      totalTransfers: state.totalTransfers,
    });
    renderStreamLegend(t0, t1);
    const notes = [];
    notes.push(`${formatCount(state.totalTasks)} tasks, ${formatCount(state.totalTransfers)} transfers received`);
    if (state.dropped) notes.push(`${formatCount(state.dropped)} records not shown (skipped in a flood of tasks, or overwritten in the scheduler's buffer)`);
    setText('stream-note', notes.join(' \u00b7 '));
  }

  // Legend: the prefixes with records in the window, then transfers/erred.
  function renderStreamLegend(t0, t1) {
    const seen = new Set();
    let erred = false;
    let transfers = false;
    for (const r of state.records) {
      if (r[1] < t0 || r[0] > t1) continue;
      if (r[5] === KIND_TRANSFER) transfers = true;
      else if (r[5] === 1) erred = true;
      else seen.add(r[4]);
    }
    const names = Array.from(seen).map((i) => state.prefixes[i] ?? `prefix-${i}`).sort();
    let html = names.map((n) => legendItem(troupePrefixColor(n), escapeHtml(n))).join('');
    if (erred) html += legendItem(troupeErredColor, 'erred');
    if (transfers) html += legendItem(troupeTransferColor, 'transfer');
    const el = $('stream-legend');
    if (el.innerHTML !== html) el.innerHTML = html;
  }

  // Hover: the record under the pointer (within 2 px), shown in a tooltip.
  function recordAt(x, y) {
    const L = state.layout;
    if (!L) return null;
    const row = L.rowAt(y);
    if (!row || x < L.left) return null;
    const t = L.timeAt(x);
    const tol = (2 * (L.t1 - L.t0)) / L.plotW;
    const inTransferBand = y - Math.floor(y / L.rowH) * L.rowH > L.rowH * 0.7 && row.thread === 0;
    let best = null;
    let bestDist = Infinity;
    for (const r of state.records) {
      if (r[2] !== row.worker) continue;
      if (r[5] === KIND_TRANSFER ? !inTransferBand : r[3] !== row.thread) continue;
      if (r[0] - tol > t || r[1] + tol < t) continue;
      const d = t < r[0] ? r[0] - t : t > r[1] ? t - r[1] : 0;
      if (d < bestDist) { best = r; bestDist = d; }
    }
    return best;
  }

  function describeRecord(r) {
    const span = `${r[0].toFixed(4)} s \u2026 ${r[1].toFixed(4)} s (${formatSpan(r[1] - r[0])})`;
    if (r[5] === KIND_TRANSFER) return `transfer of ${formatBytes(r[6])} to worker ${r[2]}\n${span}`;
    const name = state.prefixes[r[4]] ?? `prefix-${r[4]}`;
    return `${name}${r[5] === 1 ? ' (erred)' : ''}\nworker ${r[2]}, thread ${r[3]}\n${span}` +
      (r[6] ? `\nresult ${formatBytes(r[6])}` : '');
  }

  function setupTooltip() {
    const canvas = $('task-stream');
    const tip = $('stream-tooltip');
    let pending = null;
    canvas.addEventListener('mousemove', (ev) => {
      const first = pending === null;
      pending = ev;
      if (!first) return;
      requestAnimationFrame(() => {
        const e = pending;
        pending = null;
        const rect = canvas.getBoundingClientRect();
        const x = e.clientX - rect.left;
        const y = e.clientY - rect.top;
        const r = recordAt(x, y);
        if (!r) { tip.hidden = true; return; }
        tip.textContent = describeRecord(r);
        tip.hidden = false;
        tip.style.left = Math.min(x + 12, rect.width - tip.offsetWidth - 4) + 'px';
        tip.style.top = (y + 14) + 'px';
      });
    });
    canvas.addEventListener('mouseleave', () => { tip.hidden = true; });
  }

  // ----------------------------------------------------------------- header

  function renderInfo(info) {
    if (!info) return;
    state.info = info;
    const uptime = Number(info.uptime_s) || 0;
    if (uptime + 1 < state.uptime) {
      // A new scheduler on the same address: its cursor starts again at 0.
      state.cursor = 0;
      state.records = [];
      state.now = 0;
    }
    state.uptime = uptime;
    setText('scheduler-address', info.scheduler || '\u2013');
    setText('uptime', formatDuration(info.uptime_s));
    setText('total-workers', String(info.workers ?? 0));
    setText('total-threads', String(info.threads ?? 0));
    setText('tasks-completed', String(Math.trunc(Number(info.completed) || 0)));
    setText('tasks-erred', String(Math.trunc(Number(info.erred_total) || 0)));
    setText('bytes-transferred', formatBytes(info.bytes_transferred));
    const mem = `${formatBytes(info.managed_bytes)} managed \u00b7 ${formatBytes(info.rss_bytes)} RSS` +
      (info.memory_limit ? ` / ${formatBytes(info.memory_limit)}` : '');
    setText('total-memory', mem);
    const t = info.tasks || {};
    const parts = ['waiting', 'ready', 'processing', 'memory', 'erred', 'released']
      .filter((k) => t[k])
      .map((k) => `${formatCount(t[k])} ${k === 'memory' ? 'in memory' : k}`);
    setText('task-states', parts.length ? parts.join(' \u00b7 ') : 'none');
    setText('version', info.version ? 'v' + info.version : '');
    if (typeof info.uptime_s === 'number' && info.uptime_s > state.now) state.now = info.uptime_s;
  }

  // --------------------------------------------------------------- progress

  function progressRow(prefix) {
    const row = document.createElement('div');
    row.className = 'progress-row';
    row.innerHTML =
      '<div class="progress-label"><span class="name"><span class="sw"></span><span class="pname"></span></span>' +
      '<span class="count"></span></div>' +
      '<div class="progress-bar"><div class="seg-done"></div><div class="seg-erred"></div>' +
      '<div class="seg-processing"></div><div class="seg-queued"></div></div>';
    row.dataset.prefix = prefix;
    row.querySelector('.sw').style.background = troupePrefixColor(prefix);
    row.querySelector('.pname').textContent = prefix;
    return row;
  }

  // One row per prefix, kept in the server's order and reused between
  // updates so that the widths animate instead of the rows flickering.
  function renderProgress(progress) {
    if (!progress) return;
    const container = $('progress');
    const list = Array.isArray(progress.prefixes) ? progress.prefixes : [];
    const existing = new Map();
    for (const el of container.querySelectorAll('.progress-row')) existing.set(el.dataset.prefix, el);
    const empty = container.querySelector('.empty');
    if (list.length === 0) {
      for (const el of existing.values()) el.remove();
      if (!empty) container.innerHTML = '<div class="empty">No tasks yet.</div>';
      return;
    }
    if (empty) empty.remove();
    let prev = null;
    for (const p of list) {
      let row = existing.get(p.name);
      if (row) existing.delete(p.name); else row = progressRow(p.name);
      updateProgressRow(row, p);
      const want = prev ? prev.nextSibling : container.firstChild;
      if (row !== want) container.insertBefore(row, want);
      prev = row;
    }
    for (const el of existing.values()) el.remove();
  }

  function updateProgressRow(row, p) {
    const total = Number(p.total) || 0;
    const done = Number(p.done) || 0;
    const erred = Number(p.erred) || 0;
    const processing = Number(p.processing) || 0;
    const queued = (Number(p.waiting) || 0) + (Number(p.ready) || 0);
    row.dataset.done = String(done);
    row.dataset.total = String(total);
    row.dataset.erred = String(erred);
    const segs = row.querySelector('.progress-bar').children;
    segs[0].style.width = pct(done, total) + '%';
    segs[1].style.width = pct(erred, total) + '%';
    segs[2].style.width = pct(processing, total) + '%';
    segs[3].style.width = pct(queued, total) + '%';
    const frac = total > 0 ? (100 * (done + erred)) / total : 0;
    let text = `${formatCount(done)}/${formatCount(total)}`;
    if (erred) text += ` \u00b7 ${formatCount(erred)} erred`;
    text += ` \u00b7 ${frac >= 99.95 || frac === 0 ? frac.toFixed(0) : frac.toFixed(1)}%`;
    const count = row.querySelector('.count');
    if (count.textContent !== text) count.textContent = text;
    row.title = `${p.name}: ${done} done, ${erred} erred, ${processing} processing, ` +
      `${p.ready || 0} ready, ${p.waiting || 0} waiting, ${p.memory || 0} in memory, ${p.released || 0} released`;
  }

  // ---------------------------------------------------------------- workers

  function memoryBar(w, scaleTo) {
    const managed = Number(w.managed) || 0;
    const unmanaged = Number(w.unmanaged) || 0;
    const spilled = Number(w.spilled) || 0;
    const used = (Number(w.rss) || managed + unmanaged);
    const frac = scaleTo > 0 ? used / scaleTo : 0;
    const cls = w.memory_limit && frac > 0.95 ? ' full' : w.memory_limit && frac > 0.8 ? ' high' : '';
    const title = `managed ${formatBytes(managed)}, unmanaged ${formatBytes(unmanaged)}, ` +
      `spilled ${formatBytes(spilled)}, RSS ${formatBytes(w.rss)}` +
      (w.memory_limit ? `, limit ${formatBytes(w.memory_limit)}` : '');
    return `<div class="bar${cls}" title="${escapeHtml(title)}">` +
      `<div class="mem-managed" style="width:${pct(managed, scaleTo)}%"></div>` +
      `<div class="mem-unmanaged" style="width:${pct(unmanaged, scaleTo)}%"></div>` +
      `<div class="mem-spilled" style="width:${pct(spilled, scaleTo)}%"></div></div>`;
  }

  // CPU is a fraction of one core; a full bar is all of the worker's threads.
  function cpuBar(w) {
    const cores = Math.max(1, Number(w.threads) || 1);
    const cpu = Number(w.cpu) || 0;
    return `<div class="bar cpu" title="${(cpu * 100).toFixed(0)}% of one core, ${cores} thread(s)">` +
      `<div class="cpu-fill" style="width:${pct(cpu, cores)}%"></div></div>`;
  }

  function renderWorkers(obj) {
    if (!obj) return;
    const workers = Array.isArray(obj.workers) ? obj.workers.slice() : [];
    workers.sort((a, b) => a.id - b.id);
    state.workers = workers;
    for (const w of workers) state.everSeenWorkers.set(w.id, { name: w.name || String(w.id), threads: w.threads });
    // Bars of workers without a limit are scaled to the largest RSS.
    const maxRss = Math.max(1, ...workers.map((w) => Number(w.rss) || 0));
    const rows = workers.map((w) => {
      const scaleTo = Number(w.memory_limit) || maxRss;
      return `<tr class="worker-row${w.retiring ? ' retiring' : ''}" data-worker-id="${Number(w.id)}" ` +
        `data-managed="${Number(w.managed) || 0}" data-rss="${Number(w.rss) || 0}">` +
        `<td>${escapeHtml(w.name || w.id)}${w.retiring ? ' (retiring)' : ''}</td>` +
        `<td>${escapeHtml(w.address || '\u2013')}</td>` +
        `<td class="num">${Number(w.threads) || 0}</td>` +
        `<td>${memoryBar(w, scaleTo)}</td>` +
        `<td>${cpuBar(w)}</td>` +
        `<td class="num">${((Number(w.cpu) || 0) * 100).toFixed(0)}%</td>` +
        `<td class="num">${formatBytes(w.managed)}</td>` +
        `<td class="num">${formatBytes(w.unmanaged)}</td>` +
        `<td class="num">${formatBytes(w.spilled)}</td>` +
        `<td class="num">${w.memory_limit ? formatBytes(w.memory_limit) : '\u2013'}</td>` +
        `<td class="num">${formatCount(w.processing)}</td>` +
        `<td class="num">${formatCount(w.in_memory)}</td></tr>`;
    }).join('');
    const body = $('workers-body');
    const html = rows || '<tr><td colspan="12" class="empty">No workers.</td></tr>';
    if (body.innerHTML !== html) body.innerHTML = html;
  }

  // ------------------------------------------------------------------ graph

  // Depth of every node = longest dependency chain above it (roots are 0),
  // by Kahn's algorithm. Nodes in a cycle (never expected) stay at depth 0.
  function layerNodes(nodes, edges) {
    const index = new Map();
    nodes.forEach((n, i) => index.set(n.id, i));
    const parents = nodes.map(() => []);
    const children = nodes.map(() => []);
    const indeg = new Array(nodes.length).fill(0);
    const validEdges = [];
    for (const e of edges) {
      const a = index.get(e[0]);
      const b = index.get(e[1]);
      if (a === undefined || b === undefined || a === b) continue;
      children[a].push(b);
      parents[b].push(a);
      indeg[b]++;
      validEdges.push([a, b]);
    }
    const depth = new Array(nodes.length).fill(0);
    const queue = [];
    indeg.forEach((d, i) => { if (d === 0) queue.push(i); });
    for (let qi = 0; qi < queue.length; qi++) {
      const u = queue[qi];
      for (const v of children[u]) {
        if (depth[u] + 1 > depth[v]) depth[v] = depth[u] + 1;
        if (--indeg[v] === 0) queue.push(v);
      }
    }
    const layers = [];
    depth.forEach((d, i) => { (layers[d] || (layers[d] = [])).push(i); });
    for (let d = 0; d < layers.length; d++) if (!layers[d]) layers[d] = [];
    return { layers, parents, validEdges };
  }

  // Order nodes within each layer: roots by prefix and key, every later
  // layer by the mean position of its parents, which untangles most edges.
  function orderLayers(nodes, layers, parents) {
    const pos = new Array(nodes.length).fill(0);
    layers.forEach((layer, d) => {
      if (d === 0) {
        layer.sort((a, b) => (nodes[a].prefix || '').localeCompare(nodes[b].prefix || '') ||
          String(nodes[a].key).localeCompare(String(nodes[b].key), 'en', { numeric: true }));
      } else {
        const bary = new Map();
        for (const v of layer) {
          const ps = parents[v];
          bary.set(v, ps.length ? ps.reduce((s, p) => s + pos[p], 0) / ps.length : 0);
        }
        layer.sort((a, b) => bary.get(a) - bary.get(b));
      }
      layer.forEach((v, i) => { pos[v] = i; });
    });
    return pos;
  }

  let lastGraph = null; // the last graph drawn, laid out again on resize

  // `graph` is null when unchanged (event stream); an identical graph (the
  // server may send it every time, and polling always does) is not redrawn.
  function renderGraph(graph, force) {
    if (!graph) return;
    const text = JSON.stringify(graph);
    if (text === state.graphText && !force) return;
    state.graphText = text;
    lastGraph = graph;
    const svg = $('graph');
    const msg = $('graph-message');
    const nodes = Array.isArray(graph.nodes) ? graph.nodes : [];
    svg.dataset.truncated = graph.truncated ? 'true' : 'false';
    if (graph.truncated || nodes.length === 0) {
      svg.innerHTML = '';
      svg.style.height = '0px';
      svg.dataset.nodes = '0';
      msg.hidden = false;
      msg.textContent = graph.truncated
        ? `The scheduler holds ${formatCount(graph.tasks)} tasks, more than the ${formatCount(graph.limit)} ` +
          'this view draws: graph not shown.'
        : 'No tasks in the scheduler.';
      renderGraphLegend([]);
      return;
    }
    msg.hidden = true;
    drawGraph(svg, nodes, Array.isArray(graph.edges) ? graph.edges : []);
    svg.dataset.nodes = String(nodes.length);
    renderGraphLegend(nodes);
  }

  const GRAPH_MAX_PER_COLUMN = 40;

  // Layers left to right by depth. A layer taller than
  // GRAPH_MAX_PER_COLUMN nodes is spread over several staggered sub-columns
  // (node i of the layer goes to sub-column i % n), so that 1000 independent
  // tasks make a compact block instead of a column thousands of pixels high.
  function drawGraph(svg, nodes, edges) {
    const { layers, parents, validEdges } = layerNodes(nodes, edges);
    const pos = orderLayers(nodes, layers, parents);
    const subcols = layers.map((l) => Math.max(1, Math.ceil(l.length / GRAPH_MAX_PER_COLUMN)));
    const tallest = Math.max(...layers.map((l, d) => Math.ceil(l.length / subcols[d])));
    const columns = subcols.reduce((a, b) => a + b, 0) + (layers.length - 1); // + a gap between layers
    const avail = Math.max(300, svg.parentElement.clientWidth - 4);
    const labels = nodes.length <= 40;
    const marginX = 12;
    const marginRight = labels ? 120 : 12;
    const dx = columns > 1 ? Math.min(labels ? 220 : 90, (avail - marginX - marginRight) / (columns - 1)) : 0;
    const dy = Math.max(4, Math.min(22, 480 / tallest));
    const r = Math.max(1.5, Math.min(6, dy * 0.38, dx > 0 ? dx * 0.3 : 6));
    const height = Math.ceil(tallest * dy + 16);
    const width = Math.ceil(marginX + (columns - 1) * dx + marginRight);
    const xy = new Array(nodes.length);
    let col = 0;
    layers.forEach((layer, d) => {
      const n = subcols[d];
      const perCol = Math.ceil(layer.length / n);
      const offset = ((tallest - perCol) * dy) / 2 + 8 + dy / 2;
      for (const v of layer) {
        const i = pos[v];
        xy[v] = [marginX + (col + (i % n)) * dx, offset + Math.floor(i / n) * dy];
      }
      col += n + 1;
    });
    // All edges in one path: far cheaper than one element per edge.
    let path = '';
    for (const [a, b] of validEdges) {
      const [x1, y1] = xy[a];
      const [x2, y2] = xy[b];
      const mx = (x1 + x2) / 2;
      path += `M${x1.toFixed(1)} ${y1.toFixed(1)}C${mx.toFixed(1)} ${y1.toFixed(1)} ${mx.toFixed(1)} ${y2.toFixed(1)} ${x2.toFixed(1)} ${y2.toFixed(1)}`;
    }
    const parts = [`<path class="edges" d="${path}"/>`];
    nodes.forEach((n, i) => {
      const [x, y] = xy[i];
      const st = STATE_COLORS[n.state] ? n.state : 'released';
      parts.push(`<circle class="${st}" cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r.toFixed(1)}" ` +
        `fill="${STATE_COLORS[st]}"><title>${escapeHtml(n.key)} (${escapeHtml(n.state)})</title></circle>`);
      if (labels) {
        const key = String(n.key);
        const short = key.length > 18 ? key.slice(0, 17) + '\u2026' : key;
        parts.push(`<text x="${(x + r + 3).toFixed(1)}" y="${(y + 3).toFixed(1)}">${escapeHtml(short)}</text>`);
      }
    });
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.style.width = width + 'px';
    svg.style.height = height + 'px';
    svg.innerHTML = parts.join('');
  }

  function renderGraphLegend(nodes) {
    const counts = {};
    for (const n of nodes) counts[n.state] = (counts[n.state] || 0) + 1;
    const html = Object.keys(STATE_COLORS).map((s) =>
      legendItem(STATE_COLORS[s], s + (counts[s] ? ` (${formatCount(counts[s])})` : ''))).join('');
    const el = $('graph-legend');
    if (el.innerHTML !== html) el.innerHTML = html;
  }

  // ------------------------------------------------------------ one update

  // `exactStream`: u.stream answers ?since=our cursor (polling), see addStream.
  function applyUpdate(u, exactStream) {
    renderInfo(u.info);
    renderWorkers(u.workers);
    renderProgress(u.progress);
    addStream(u.stream, exactStream);
    renderGraph(u.graph);
    state.updates++;
    document.body.dataset.updates = String(state.updates);
    scheduleStreamDraw();
  }

  let frameRequested = false;
  function scheduleStreamDraw() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      drawStream();
    });
  }

  // ------------------------------------------------------------------- feed

  let eventSource = null;
  let pollTimer = null;
  let sseRetryTimer = null;

  function setConnection(kind, text) {
    const el = $('connection');
    el.className = 'conn-state ' + kind;
    el.textContent = text;
  }

  function startEventStream() {
    stopPolling();
    if (typeof EventSource === 'undefined') { startPolling(); return; }
    setConnection('', 'connecting');
    // `since` lets a reconnecting stream start where the page is.
    eventSource = new EventSource('/api/v1/stream?since=' + state.cursor);
    eventSource.addEventListener('open', () => setConnection('live', 'live'));
    eventSource.addEventListener('update', (ev) => {
      let u;
      try {
        u = JSON.parse(ev.data);
      } catch (err) {
        console.warn('troupe dashboard: bad update', err); // eslint-disable-line no-console
        return;
      }
      setConnection('live', 'live');
      applyUpdate(u);
    });
    eventSource.addEventListener('error', () => {
      // EventSource would retry by itself, but a server without (working)
      // SSE would leave the page blank: poll instead, retry SSE later.
      eventSource.close();
      eventSource = null;
      startPolling();
      clearTimeout(sseRetryTimer);
      sseRetryTimer = setTimeout(startEventStream, SSE_RETRY_MS);
    });
  }

  async function fetchJson(path) {
    const resp = await fetch(path, { cache: 'no-store' });
    if (!resp.ok) throw new Error(`${path}: HTTP ${resp.status}`);
    return resp.text();
  }

  // One polling round: the same pieces as an event-stream update.
  async function pollOnce() {
    try {
      const [info, workers, progress, stream, graph] = await Promise.all([
        fetchJson('/api/v1/info'),
        fetchJson('/api/v1/workers'),
        fetchJson('/api/v1/progress'),
        fetchJson('/api/v1/task-stream?since=' + state.cursor),
        fetchJson('/api/v1/graph'),
      ]);
      setConnection('polling', 'polling');
      applyUpdate({
        info: JSON.parse(info),
        workers: JSON.parse(workers),
        progress: JSON.parse(progress),
        stream: JSON.parse(stream),
        graph: JSON.parse(graph),
      }, true);
    } catch (err) {
      setConnection('down', 'disconnected');
    }
  }

  function startPolling() {
    if (pollTimer !== null) return;
    setConnection('polling', 'polling');
    const tick = async () => {
      await pollOnce();
      if (pollTimer !== null) pollTimer = setTimeout(tick, POLL_INTERVAL_MS);
    };
    pollTimer = setTimeout(tick, 0);
  }

  function stopPolling() {
    if (pollTimer !== null) clearTimeout(pollTimer);
    pollTimer = null;
  }

  // ------------------------------------------------------------------ start

  function start() {
    document.body.dataset.updates = '0';
    setupTooltip();
    $('stream-window').addEventListener('change', scheduleStreamDraw);
    let resizeTimer = null;
    window.addEventListener('resize', () => {
      scheduleStreamDraw();
      clearTimeout(resizeTimer);
      // Re-layout the graph for the new width from the last data we drew.
      resizeTimer = setTimeout(() => { if (lastGraph) renderGraph(lastGraph, true); }, 200);
    });
    startEventStream();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
