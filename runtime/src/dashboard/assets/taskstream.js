// troupe task stream renderer.
//
// Standalone on purpose: the live dashboard (dashboard.js) and the static
// performance report (report.js) both call drawTaskStream(), and the report
// inlines this file into a self-contained HTML page, so nothing here may
// fetch, use modules, or depend on the other scripts.
//
// A record is [start_s, stop_s, worker_id, thread, prefix_index, kind, nbytes]
// with kind 0 = task ran, 1 = task erred, 2 = transfer to worker_id.
'use strict';

(function (global) {
  const KIND_RAN = 0;
  const KIND_ERRED = 1;
  const KIND_TRANSFER = 2;

  const TRANSFER_COLOR = '#d62728';
  const ERRED_FILL = '#6b0000';
  const ERRED_OUTLINE = '#000000';

  // FNV-1a: a cheap stable hash so that a prefix keeps its colour across
  // reloads, pages (dashboard vs report) and runs.
  function hashString(s) {
    let h = 0x811c9dc5;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  // Distinct colours for prefixes: category20 without its reds (pale ones darkened), which mean
  // transfers and errors here.
  const PALETTE = [
    '#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2',
    '#17becf', '#bcbd22', '#7f7f7f', '#6baed6', '#fd9f4f', '#74c476',
    '#9e9ac8', '#b07d62', '#de77ae', '#4fc3d1', '#c7c34a', '#393b79',
    '#637939', '#8c6d31', '#5254a3', '#6b6ecf',
  ];
  const colorCache = new Map();

  // Stable colour of a task prefix, from a hash of its name.
  function prefixColor(name) {
    let c = colorCache.get(name);
    if (c === undefined) {
      c = PALETTE[hashString(String(name)) % PALETTE.length];
      colorCache.set(name, c);
    }
    return c;
  }

  // Axis step of 1, 2 or 5 times a power of ten giving about `target` ticks.
  function niceStep(span, target) {
    const raw = span / Math.max(1, target);
    const pow = Math.pow(10, Math.floor(Math.log10(raw)));
    for (const m of [1, 2, 5, 10]) {
      if (m * pow >= raw) return m * pow;
    }
    return 10 * pow;
  }

  function formatSeconds(t, step) {
    const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step))));
    return t.toFixed(decimals) + ' s';
  }

  // One row per worker thread: workers listed first (by id), then any worker
  // seen only in records (it left the cluster but its history is still on
  // screen), with as many rows as the highest thread index seen.
  function buildRows(workers, records) {
    const threadsOf = new Map();
    const names = new Map();
    for (const w of workers || []) {
      threadsOf.set(w.id, Math.max(1, w.threads | 0));
      names.set(w.id, w.name || String(w.id));
    }
    for (const r of records) {
      const wid = r[2];
      const need = r[5] === KIND_TRANSFER ? 1 : (r[3] | 0) + 1;
      const have = threadsOf.get(wid);
      if (have === undefined) {
        threadsOf.set(wid, need);
        names.set(wid, 'worker-' + wid + ' (gone)');
      } else if (need > have) {
        threadsOf.set(wid, need);
      }
    }
    const ids = Array.from(threadsOf.keys()).sort((a, b) => a - b);
    const rows = [];
    const firstRow = new Map();
    for (const id of ids) {
      firstRow.set(id, rows.length);
      for (let t = 0; t < threadsOf.get(id); t++) {
        rows.push({ worker: id, thread: t, label: names.get(id) + '/' + t });
      }
    }
    return { rows, firstRow };
  }

  // Pixel rectangles of one colour, merged as they are added: records arrive
  // roughly in time order per row, so a rectangle that starts inside (or
  // within half a pixel of) the previous one of the same row and colour just
  // extends it. This bounds the work of drawing to about rows x width
  // rectangles however many (microsecond) tasks fall into a pixel. Tasks at
  // least 4 px wide keep a 1 px gap at their end, so back-to-back tasks of
  // one prefix still read as separate tasks.
  class RectBatch {
    constructor() { this.open = new Map(); this.done = []; }
    add(row, x0, x1) {
      const wide = x1 - x0 >= 4;
      if (wide) x1 -= 1;
      const cur = this.open.get(row);
      if (cur !== undefined && x1 >= cur[1] - 0.5 &&
          (wide ? x0 < cur[2] : x0 <= cur[2] + 0.5)) {
        if (x0 < cur[1]) cur[1] = x0;
        if (x1 > cur[2]) cur[2] = x1;
        return;
      }
      if (cur !== undefined) this.done.push(cur);
      this.open.set(row, [row, x0, x1]);
    }
    all() {
      for (const r of this.open.values()) this.done.push(r);
      this.open.clear();
      return this.done;
    }
  }

  function sizeCanvas(canvas, cssWidth, cssHeight) {
    const dpr = global.devicePixelRatio || 1;
    canvas.style.height = cssHeight + 'px';
    const w = Math.round(cssWidth * dpr);
    const h = Math.round(cssHeight * dpr);
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssWidth, cssHeight);
    return ctx;
  }

  function drawAxis(ctx, t0, t1, left, plotW, y, height) {
    const step = niceStep(t1 - t0, plotW / 90);
    ctx.strokeStyle = '#e3e6ea';
    ctx.fillStyle = '#555';
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (let t = Math.ceil(t0 / step) * step; t <= t1 + step * 1e-9; t += step) {
      const x = Math.round(left + ((t - t0) / (t1 - t0)) * plotW) + 0.5;
      ctx.moveTo(x, 0);
      ctx.lineTo(x, y);
      const label = formatSeconds(t, step);
      // Keep the labels at either end inside the canvas.
      const half = ctx.measureText(label).width / 2;
      const lx = Math.min(Math.max(x, half + 1), left + plotW + 8 - half - 1);
      ctx.fillText(label, lx, y + 4);
    }
    ctx.stroke();
    ctx.strokeStyle = '#999';
    ctx.beginPath();
    ctx.moveTo(left, y + 0.5);
    ctx.lineTo(left + plotW, y + 0.5);
    ctx.stroke();
  }

  function drawLabels(ctx, rows, rowH, left) {
    if (rowH < 9) {
      // Too dense for a label per thread: label each worker's first row.
      ctx.font = '10px system-ui, sans-serif';
    } else {
      ctx.font = Math.min(12, rowH - 2) + 'px system-ui, sans-serif';
    }
    ctx.fillStyle = '#333';
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    let lastY = -Infinity;
    for (let i = 0; i < rows.length; i++) {
      const y = i * rowH + rowH / 2;
      if (rowH < 9 && (rows[i].thread !== 0 || y - lastY < 11)) continue;
      ctx.fillText(rows[i].label, left - 6, y, left - 8);
      lastY = y;
    }
    // Faint separators between workers.
    ctx.strokeStyle = '#eef0f3';
    ctx.beginPath();
    for (let i = 1; i < rows.length; i++) {
      if (rows[i].worker !== rows[i - 1].worker) {
        const y = Math.round(i * rowH) + 0.5;
        ctx.moveTo(0, y);
        ctx.lineTo(left + 10000, y);
      }
    }
    ctx.stroke();
  }

  /**
   * Draw a task stream.
   *
   * canvas: an HTMLCanvasElement (its CSS width is used; its height is set).
   * data:   { prefixes: [name...], workers: [{id, name, threads}],
   *           records: [[start, stop, worker, thread, prefix, kind, nbytes]...] }
   * opts:   { t0, t1: time window in seconds (default: span of the records),
   *           totalTasks, totalTransfers: counts for the data-tasks and
   *             data-transfers attributes (default: counted from records),
   *           rowHeight: preferred row height (default 22),
   *           maxHeight: canvas height cap in CSS px (default 420),
   *           width: CSS width when the canvas is not laid out }
   * Returns a layout { rows, t0, t1, left, plotW, rowH, timeAt(x), rowAt(y) }
   * that a caller can use for hover look-ups.
   */
  function drawTaskStream(canvas, data, opts) {
    opts = opts || {};
    const records = (data && data.records) || [];
    const prefixes = (data && data.prefixes) || [];
    const { rows, firstRow } = buildRows(data && data.workers, records);
    const rowIndex = new Map();
    rows.forEach((r, i) => rowIndex.set(r.worker * 4096 + r.thread, i));

    let t0 = opts.t0;
    let t1 = opts.t1;
    if (t0 === undefined || t1 === undefined) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const r of records) {
        if (r[0] < lo) lo = r[0];
        if (r[1] > hi) hi = r[1];
      }
      if (!isFinite(lo)) { lo = 0; hi = 1; }
      if (t0 === undefined) t0 = lo;
      if (t1 === undefined) t1 = hi;
    }
    if (!(t1 > t0)) t1 = t0 + 1e-3;

    const cssWidth = canvas.clientWidth || opts.width || canvas.width || 800;
    const axisH = 20;
    const maxH = opts.maxHeight || 420;
    const nRows = Math.max(rows.length, 1);
    const rowH = Math.max(2, Math.min(opts.rowHeight || 22, (maxH - axisH) / nRows));
    const plotH = nRows * rowH;
    const left = Math.min(140, Math.max(70, Math.round(cssWidth * 0.12)));
    const plotW = Math.max(10, cssWidth - left - 8);
    const ctx = sizeCanvas(canvas, cssWidth, Math.ceil(plotH + axisH));

    drawAxis(ctx, t0, t1, left, plotW, plotH, axisH);
    drawLabels(ctx, rows, rowH, left);

    // Bucket the visible records by colour, merging sub-pixel neighbours.
    const scale = plotW / (t1 - t0);
    const byPrefix = new Map();
    const erred = new RectBatch();
    const transfers = new RectBatch();
    let tasks = 0;
    let nTransfers = 0;
    for (const r of records) {
      const kind = r[5];
      if (kind === KIND_TRANSFER) nTransfers++; else tasks++;
      if (r[1] < t0 || r[0] > t1) continue;
      let x0 = left + (Math.max(r[0], t0) - t0) * scale;
      let x1 = left + (Math.min(r[1], t1) - t0) * scale;
      if (x1 - x0 < 1) x1 = x0 + 1; // microsecond tasks stay visible
      if (kind === KIND_TRANSFER) {
        const row = firstRow.get(r[2]);
        if (row !== undefined) transfers.add(row, x0, x1);
        continue;
      }
      const row = rowIndex.get(r[2] * 4096 + r[3]);
      if (row === undefined) continue;
      if (kind === KIND_ERRED) {
        erred.add(row, x0, x1);
        continue;
      }
      let batch = byPrefix.get(r[4]);
      if (batch === undefined) {
        batch = new RectBatch();
        byPrefix.set(r[4], batch);
      }
      batch.add(row, x0, x1);
    }

    // One path and one fill per colour: fillStyle changes are what cost.
    const pad = rowH >= 6 ? 1 : 0;
    const fillBatch = (batch, color, top, height) => {
      ctx.fillStyle = color;
      ctx.beginPath();
      for (const [row, x0, x1] of batch.all()) {
        ctx.rect(x0, row * rowH + top, x1 - x0, height);
      }
      ctx.fill();
    };
    for (const [p, batch] of byPrefix) {
      fillBatch(batch, prefixColor(prefixes[p] !== undefined ? prefixes[p] : 'prefix-' + p), pad, rowH - 2 * pad);
    }
    // Erred tasks: dark red, outlined in black where there is room for it.
    const erredRects = erred.all();
    fillBatch({ all: () => erredRects }, ERRED_FILL, pad, rowH - 2 * pad);
    ctx.strokeStyle = ERRED_OUTLINE;
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const [row, x0, x1] of erredRects) {
      if (x1 - x0 >= 3 && rowH >= 6) ctx.rect(x0 + 0.5, row * rowH + pad + 0.5, x1 - x0 - 1, rowH - 2 * pad - 1);
    }
    ctx.stroke();
    // Transfers: a thin red bar along the bottom of the receiving worker's
    // first row, so they never hide the tasks drawn in the same row.
    const th = Math.max(1, Math.min(4, Math.round(rowH / 4)));
    fillBatch(transfers, TRANSFER_COLOR, rowH - th, th);

    canvas.dataset.tasks = String(opts.totalTasks !== undefined ? opts.totalTasks : tasks);
    canvas.dataset.transfers = String(opts.totalTransfers !== undefined ? opts.totalTransfers : nTransfers);

    return {
      rows, t0, t1, left, plotW, rowH,
      timeAt: (x) => t0 + (x - left) / scale,
      rowAt: (y) => {
        const i = Math.floor(y / rowH);
        return i >= 0 && i < rows.length ? rows[i] : null;
      },
    };
  }

  global.drawTaskStream = drawTaskStream;
  global.troupePrefixColor = prefixColor;
  global.troupeTransferColor = TRANSFER_COLOR;
  global.troupeErredColor = ERRED_FILL;
})(typeof window !== 'undefined' ? window : globalThis);
