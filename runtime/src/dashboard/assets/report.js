// troupe performance report: renders window.TROUPE_REPORT into the
// self-contained report.html written by the C++ side:
//   <canvas id="task-stream">  the task stream over the whole report span
//   a new section               total task time per prefix, as bars
// Needs taskstream.js (inlined before this script); no network, since the
// report is opened from a file.
// Non-ASCII characters are written as \u escapes: the report inlines this
// file into an HTML page that declares no charset.
//
// TROUPE_REPORT = {title, start_s, stop_s, prefixes: [name...],
//                  workers: [{id, name, threads}],
//                  records: [[start, stop, worker, thread, prefix, kind, nbytes]...]}
'use strict';

(function () {
  const KIND_ERRED = 1;
  const KIND_TRANSFER = 2;

  function formatSeconds(s) {
    if (s < 1e-3) return (s * 1e6).toFixed(0) + ' \u00b5s';
    if (s < 1) return (s * 1e3).toFixed(1) + ' ms';
    if (s < 120) return s.toFixed(2) + ' s';
    return (s / 60).toFixed(1) + ' min';
  }

  function formatBytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return (i === 0 ? String(n) : n.toFixed(n < 10 ? 2 : 1)) + ' ' + units[i];
  }

  function drawStream(report) {
    const canvas = document.getElementById('task-stream');
    if (!canvas) return;
    const opts = { maxHeight: 640 };
    // Without a span in the report, drawTaskStream uses the records' span.
    if (typeof report.start_s === 'number' && typeof report.stop_s === 'number' &&
        report.stop_s > report.start_s) {
      opts.t0 = report.start_s;
      opts.t1 = report.stop_s;
    }
    drawTaskStream(canvas, {
      prefixes: report.prefixes || [],
      workers: report.workers || [],
      records: report.records || [],
    }, opts);
  }

  // Total run time, task count and errors per prefix, plus transfer totals.
  function summarize(report) {
    const per = new Map();
    let transfers = 0;
    let transferBytes = 0;
    for (const r of report.records || []) {
      if (r[5] === KIND_TRANSFER) {
        transfers++;
        transferBytes += Number(r[6]) || 0;
        continue;
      }
      const name = (report.prefixes || [])[r[4]] ?? `prefix-${r[4]}`;
      let p = per.get(name);
      if (!p) { p = { name, seconds: 0, count: 0, erred: 0 }; per.set(name, p); }
      p.seconds += Math.max(0, r[1] - r[0]);
      p.count++;
      if (r[5] === KIND_ERRED) p.erred++;
    }
    const prefixes = Array.from(per.values()).sort((a, b) => b.seconds - a.seconds);
    return { prefixes, transfers, transferBytes };
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function renderPrefixBars(report) {
    const { prefixes, transfers, transferBytes } = summarize(report);
    const section = el('section', 'report-section');
    section.id = 'prefix-times';
    section.appendChild(el('h2', '', 'Task time per prefix'));
    if (prefixes.length === 0) {
      section.appendChild(el('div', 'empty', 'No tasks ran.'));
    } else {
      const grid = el('div', 'prefix-bars');
      const max = prefixes[0].seconds || 1;
      for (const p of prefixes) {
        const name = el('div', 'name');
        const sw = el('span', 'sw');
        sw.style.background = troupePrefixColor(p.name);
        sw.style.marginLeft = '0';
        name.appendChild(sw);
        name.appendChild(document.createTextNode(p.name));
        const track = el('div', 'bar-track');
        const fill = el('div', 'bar-fill');
        fill.style.width = Math.max(0.5, (100 * p.seconds) / max) + '%';
        fill.style.background = troupePrefixColor(p.name);
        track.appendChild(fill);
        const val = el('div', 'val',
          `${formatSeconds(p.seconds)} \u00b7 ${p.count} task${p.count === 1 ? '' : 's'}` +
          (p.erred ? ` \u00b7 ${p.erred} erred` : '') +
          ` \u00b7 mean ${formatSeconds(p.seconds / p.count)}`);
        const row = [name, track, val];
        for (const c of row) { c.dataset.prefix = p.name; grid.appendChild(c); }
        track.classList.add('prefix-bar');
        track.dataset.seconds = String(p.seconds);
        track.dataset.count = String(p.count);
      }
      section.appendChild(grid);
    }
    if (transfers) {
      section.appendChild(el('div', 'panel-foot',
        `${transfers} transfer${transfers === 1 ? '' : 's'} moved ${formatBytes(transferBytes)} between workers (red in the task stream).`));
    }
    document.body.appendChild(section);
  }

  function main() {
    const report = window.TROUPE_REPORT;
    if (!report) {
      document.body.appendChild(el('div', 'empty', 'No report data.'));
      return;
    }
    drawStream(report);
    renderPrefixBars(report);
    let timer = null;
    window.addEventListener('resize', () => {
      clearTimeout(timer);
      timer = setTimeout(() => drawStream(report), 100);
    });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
  else main();
})();
