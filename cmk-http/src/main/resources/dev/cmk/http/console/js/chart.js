// Stacked bar charts as SVG elements (no library, nothing inline: colours come from CSS classes),
// each with a text summary for screen readers and its numbers in a table under "Data".
import { el } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 720;
const H = 220;
const PAD = { left: 44, right: 8, top: 10, bottom: 42 };

function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function niceMax(v) {
  if (v <= 5) return 5;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * Draws a stacked bar chart into `host`.
 * @param buckets [{label, values: [n per series]}]
 * @param series [{name, cls}] (cls a CSS class giving the fill and the legend swatch)
 */
export function stackedBars(host, { title, buckets, series, unit }) {
  host.replaceChildren();
  if (buckets.length === 0) {
    host.append(el('p', { class: 'muted' }, 'No data for this period.'));
    return;
  }
  const totals = buckets.map((b) => b.values.reduce((a, v) => a + v, 0));
  const max = niceMax(Math.max(...totals, 1));
  const iw = W - PAD.left - PAD.right;
  const ih = H - PAD.top - PAD.bottom;
  const slot = iw / buckets.length;
  const bw = Math.max(2, Math.min(40, slot * 0.7));
  const sum = series.map((s, i) => s.name + ' ' + buckets.reduce((a, b) => a + b.values[i], 0)).join(', ');
  const chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': title + ': ' + sum + ' ' + unit + ' over ' + buckets.length + ' periods' });
  chart.append(svg('line', { class: 'axis', x1: PAD.left, y1: PAD.top + ih, x2: W - PAD.right, y2: PAD.top + ih }));
  chart.append(svg('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: PAD.top + ih }));
  for (const t of [0, max / 2, max]) {
    const y = PAD.top + ih - (t / max) * ih;
    chart.append(svg('text', { x: PAD.left - 6, y: y + 4, 'text-anchor': 'end' }, String(Math.round(t))));
  }
  const every = Math.ceil(buckets.length / 8);
  buckets.forEach((b, i) => {
    const x = PAD.left + i * slot + (slot - bw) / 2;
    let y = PAD.top + ih;
    b.values.forEach((v, s) => {
      if (v <= 0) return;
      const h = (v / max) * ih;
      y -= h;
      const r = svg('rect', { x, y, width: bw, height: Math.max(h, 0.5), class: series[s].cls });
      r.append(svg('title', {}, b.label + ': ' + series[s].name + ' ' + v));
      chart.append(r);
    });
    if (i % every === 0) {
      chart.append(svg('text', { x: x + bw / 2, y: H - PAD.bottom + 16, 'text-anchor': 'middle' }, b.label));
    }
  });
  const legend = el('ul', { class: 'legend' }, series.map((s) =>
    el('li', {}, el('span', { class: 'swatch ' + s.cls, 'aria-hidden': 'true' }), s.name)));
  const table = el('table', { class: 'grid' },
    el('caption', {}, title + ' (' + unit + ')'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Period'), series.map((s) => el('th', { scope: 'col' }, s.name)))),
    el('tbody', {}, buckets.map((b) => el('tr', {}, el('th', { scope: 'row' }, b.label), b.values.map((v) => el('td', {}, String(v)))))));
  host.append(chart, legend, el('details', { class: 'data' }, el('summary', {}, 'Data'), table));
}

/** Series classes in a fixed order, for charts whose series come from the data. */
export function palette(i) {
  return 's' + (i % 8);
}

/** "16:00" (today) or "12-06 16:00": an hour bucket's label. */
export function hourLabel(ms) {
  const d = new Date(ms);
  const hh = String(d.getHours()).padStart(2, '0') + ':00';
  const today = new Date();
  if (d.toDateString() === today.toDateString()) return hh;
  return String(d.getMonth() + 1).padStart(2, '0') + '-' + String(d.getDate()).padStart(2, '0') + ' ' + hh;
}
