// Hand-written SVG charts. Every mark can be hovered or focused (Tab) to show its value in
// the shared tooltip, and carries the same text as its accessible name.
import { h, fmtNumber } from "./dom.js";

const COLOURS = ["#2f6fb5", "#e07b39", "#3a9a5b", "#b8454a", "#7a5bb5", "#8c6d31", "#2b9aa0", "#c65fa0"];
const tip = () => document.getElementById("chart-tip");

function hoverable(mark, text) {
  mark.setAttribute("tabindex", "0");
  mark.setAttribute("role", "img");
  mark.setAttribute("aria-label", text);
  mark.classList.add("mark");
  const show = (event) => {
    const box = tip();
    box.textContent = text;
    box.hidden = false;
    const r = mark.getBoundingClientRect();
    const x = event && event.clientX !== undefined && event.type === "mousemove" ? event.clientX : r.left + r.width / 2;
    box.style.left = `${Math.max(4, Math.min(window.innerWidth - box.offsetWidth - 4, x - box.offsetWidth / 2)) + window.scrollX}px`;
    box.style.top = `${r.top + window.scrollY - box.offsetHeight - 8}px`;
  };
  const hide = () => { tip().hidden = true; };
  mark.addEventListener("mouseenter", show);
  mark.addEventListener("mousemove", show);
  mark.addEventListener("focus", show);
  mark.addEventListener("mouseleave", hide);
  mark.addEventListener("blur", hide);
  return mark;
}

function legend(names) {
  return h("ul", { class: "legend" }, names.map((n, i) => h("li", {},
    h("span", { class: `swatch c${i % COLOURS.length}` }), n)));
}

function niceMax(value) {
  if (value <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(value));
  return [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].map((m) => m * p).find((m) => m >= value);
}

// Stacked columns: categories along x (days), one stack per series (models).
export function stackedColumns(title, categories, series, unit) {
  const W = 640, H = 240, L = 56, B = 28, T = 10;
  const totals = categories.map((_, i) => series.reduce((s, x) => s + (x.values[i] || 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const step = (W - L - 8) / Math.max(1, categories.length);
  const bar = Math.max(2, Math.min(48, step * 0.7));
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = h("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "group", "aria-label": title });
  for (const f of [0, 0.5, 1]) {
    svg.append(h("line", { x1: L, x2: W - 4, y1: y(max * f), y2: y(max * f), class: "grid" }));
    svg.append(h("text", { x: L - 6, y: y(max * f) + 4, class: "axis", "text-anchor": "end" }, fmtNumber(max * f)));
  }
  categories.forEach((cat, i) => {
    const x = L + i * step + (step - bar) / 2;
    let base = 0;
    series.forEach((s, k) => {
      const v = s.values[i] || 0;
      if (v <= 0) return;
      const rect = h("rect", { x, y: y(base + v), width: bar, height: Math.max(1, y(base) - y(base + v)), fill: COLOURS[k % COLOURS.length] });
      svg.append(hoverable(rect, `${cat} · ${s.name}: ${fmtNumber(v)} ${unit}`));
      base += v;
    });
    if (categories.length <= 16 || i % Math.ceil(categories.length / 8) === 0) {
      svg.append(h("text", { x: x + bar / 2, y: H - 8, class: "axis", "text-anchor": "middle" }, cat.slice(5)));
    }
  });
  return h("figure", { class: "chart-box" }, h("figcaption", { text: title }), svg, legend(series.map((s) => s.name)));
}

// Horizontal bars, one per item.
export function bars(title, items, describe) {
  const W = 640, row = 26, L = 170;
  const H = Math.max(row, items.length * row) + 6;
  const max = niceMax(Math.max(0, ...items.map((i) => i.value)));
  const svg = h("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "group", "aria-label": title });
  items.forEach((item, i) => {
    const y = 3 + i * row;
    const label = item.label.length > 24 ? `${item.label.slice(0, 23)}…` : item.label;
    svg.append(h("text", { x: L - 8, y: y + 16, class: "axis", "text-anchor": "end" }, label));
    const width = Math.max(1, (W - L - 90) * (item.value / max));
    svg.append(hoverable(h("rect", { x: L, y, width, height: row - 8, fill: COLOURS[i % COLOURS.length] }), describe(item)));
    svg.append(h("text", { x: L + width + 6, y: y + 16, class: "axis" }, fmtNumber(item.value)));
  });
  return h("figure", { class: "chart-box" }, h("figcaption", { text: title }), svg);
}

// Lines over days: several series on one scale each ("left" and "right").
export function lines(title, categories, series) {
  const W = 640, H = 200, L = 56, R = 56, B = 28, T = 10;
  const step = categories.length > 1 ? (W - L - R) / (categories.length - 1) : 0;
  const x = (i) => (categories.length > 1 ? L + i * step : (W - L - R) / 2 + L);
  const svg = h("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "group", "aria-label": title });
  series.forEach((s, k) => {
    const max = niceMax(Math.max(0, ...s.values));
    const y = (v) => T + (H - T - B) * (1 - v / max);
    const side = k === 0 ? L - 6 : W - R + 6;
    svg.append(h("text", { x: side, y: y(max) + 4, class: "axis", "text-anchor": k === 0 ? "end" : "start", fill: COLOURS[k] }, s.format(max)));
    svg.append(h("polyline", { points: s.values.map((v, i) => `${x(i)},${y(v)}`).join(" "), fill: "none", stroke: COLOURS[k], "stroke-width": 2 }));
    s.values.forEach((v, i) => svg.append(hoverable(h("circle", { cx: x(i), cy: y(v), r: 5, fill: COLOURS[k] }), `${categories[i]} · ${s.name}: ${s.format(v)}`)));
  });
  svg.append(h("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "grid" }));
  categories.forEach((c, i) => {
    if (categories.length <= 16 || i % Math.ceil(categories.length / 8) === 0) {
      svg.append(h("text", { x: x(i), y: H - 8, class: "axis", "text-anchor": "middle" }, c.slice(5)));
    }
  });
  return h("figure", { class: "chart-box" }, h("figcaption", { text: title }), svg, legend(series.map((s) => s.name)));
}
