// The usage dashboard: tokens per day by model, per connector (tokens and cost), top
// operations, error rate and retries, latency percentiles; range and connector filter; CSV.
import { api, request, query } from "../api.js";
import { h, clear, field, message, table, fmtNumber, fmtUsd, fmtTime } from "../dom.js";
import { stackedColumns, bars, lines } from "../chart.js";

const RANGES = [["1", "Last 24 hours"], ["7", "Last 7 days"], ["30", "Last 30 days"], ["90", "Last 90 days"], ["custom", "Custom"]];

function isoDay(date) { return date.toISOString().slice(0, 10); }

export async function render(main) {
  const params = new URLSearchParams(location.hash.split("?")[1] || "");
  const range = h("select", { name: "range" }, RANGES.map(([v, t]) => h("option", { value: v, text: t })));
  range.value = params.get("range") || "30";
  const from = h("input", { type: "date", name: "from", value: params.get("from") || "" });
  const to = h("input", { type: "date", name: "to", value: params.get("to") || "" });
  const connector = h("select", { name: "connector" }, h("option", { value: "", text: "All connectors" }));
  const exportButton = h("button", { type: "button", class: "secondary", text: "Export CSV" });
  const custom = h("div", { class: "row" }, field("From (UTC)", from), field("To (UTC, exclusive)", to));
  const controls = h("form", { class: "filters", "aria-label": "Filters" },
    field("Time range", range), custom, field("Connector", connector), exportButton);
  const body = h("div", { class: "dashboard", "aria-live": "polite" });
  main.append(h("div", { class: "page-head" }, h("h1", { text: "Usage" })), controls, body);

  const names = new Set((await api.get("/api/connectors")).map((c) => c.name));
  const summary0 = await api.get("/api/usage/summary");
  for (const c of summary0.by_connector) if (c.connector) names.add(c.connector);
  for (const n of [...names].sort()) connector.append(h("option", { value: n, text: n }));
  connector.value = params.get("connector") || "";

  function window_() {
    if (range.value === "custom") return { from: from.value || null, to: to.value || null };
    const now = new Date();
    const days = Number(range.value);
    const start = days === 1 ? new Date(now.getTime() - 86400000).toISOString()
      : isoDay(new Date(now.getTime() - (days - 1) * 86400000));
    return { from: start, to: null };
  }

  async function load() {
    custom.hidden = range.value !== "custom";
    const w = window_();
    const data = await api.get(`/api/usage/summary${query({ ...w, connector: connector.value })}`);
    draw(body, data, w);
  }
  exportButton.addEventListener("click", async () => {
    const w = window_();
    const response = await request("GET", `/api/usage/export${query({ ...w, connector: connector.value })}`, undefined, { raw: true });
    const blob = await response.blob();
    const link = h("a", { href: URL.createObjectURL(blob), download: "usage.csv" });
    document.body.append(link);
    link.click();
    link.remove();
  });
  for (const control of [range, from, to, connector]) control.addEventListener("change", load);
  controls.addEventListener("submit", (e) => { e.preventDefault(); load(); });
  await load();
}

function draw(body, data, w) {
  const t = data.totals;
  if (t.calls === 0) {
    clear(body, h("div", { class: "empty" },
      h("p", { text: "No calls in this range." }),
      h("p", { text: "Run a connector from the Playground (or POST /api/connectors/{id}/execute, or the /v1 gateway) and its tokens appear here; or widen the time range." })));
    return;
  }
  const days = [...new Set(data.tokens_by_day_model.map((r) => r.day))].sort();
  const models = [...new Set(data.tokens_by_day_model.map((r) => r.model || "(no model)"))];
  const series = models.map((m) => ({
    name: m,
    values: days.map((d) => data.tokens_by_day_model.filter((r) => r.day === d && (r.model || "(no model)") === m).reduce((s, r) => s + r.tokens, 0)),
  }));
  const lat = data.latency_ms;
  clear(body,
    h("div", { class: "cards" },
      card("Calls", fmtNumber(t.calls)), card("Tokens", fmtNumber(t.tokens)), card("Cost", fmtUsd(t.cost_usd)),
      card("Errors", `${fmtNumber(t.errors)} (${((t.errors / t.calls) * 100).toFixed(1)}%)`), card("Retries", fmtNumber(t.retries)),
      card("Latency p50 / p95", lat.p50 === null ? "—" : `${Math.round(lat.p50)} / ${Math.round(lat.p95)} ms`)),
    h("div", { class: "grid2" },
      stackedColumns("Tokens per day, by model", days, series, "tokens"),
      bars("Tokens by connector", data.by_connector.map((c) => ({ label: c.connector || "(none)", value: c.tokens, cost: c.cost_usd, calls: c.calls })),
        (i) => `${i.label}: ${fmtNumber(i.value)} tokens, ${fmtUsd(i.cost)}, ${fmtNumber(i.calls)} calls`),
      lines("Error rate and retries per day", data.by_day.map((d) => d.day), [
        { name: "error rate", values: data.by_day.map((d) => d.error_rate), format: (v) => `${(v * 100).toFixed(1)}%` },
        { name: "retries", values: data.by_day.map((d) => d.retries), format: (v) => fmtNumber(Math.round(v)) },
      ]),
      h("div", {},
        table([
          { label: "Connector", cell: (c) => c.connector || "(none)" },
          { label: "Calls", num: true, cell: (c) => fmtNumber(c.calls) },
          { label: "Tokens", num: true, cell: (c) => fmtNumber(c.tokens) },
          { label: "Cost", num: true, cell: (c) => fmtUsd(c.cost_usd) + (c.unpriced_calls ? ` (+${c.unpriced_calls} unpriced)` : "") },
        ], data.by_connector, "Tokens and cost by connector"),
        table([
          { label: "Percentile", cell: (p) => p[0] },
          { label: "Latency (ms)", num: true, cell: (p) => (p[1] === null ? "—" : fmtNumber(Math.round(p[1]))) },
        ], [["p50", lat.p50], ["p90", lat.p90], ["p95", lat.p95], ["p99", lat.p99]], `Latency percentiles (${fmtNumber(lat.count)} calls)`))),
    table([
      { label: "Operation", cell: (o) => o.operation },
      { label: "Calls", num: true, cell: (o) => fmtNumber(o.calls) },
      { label: "Tokens", num: true, cell: (o) => fmtNumber(o.tokens) },
      { label: "Errors", num: true, cell: (o) => fmtNumber(o.errors) },
    ], data.top_operations, "Top operations"),
    h("div", { class: "latest" }, table([
      { label: "Time", cell: (r) => fmtTime(r.time) },
      { label: "Connector", cell: (r) => r.connector || "—" },
      { label: "Operation", cell: (r) => r.operation },
      { label: "Model", cell: (r) => r.model || "—" },
      { label: "Status", cell: (r) => r.error_code || r.status || "—" },
      { label: "Prompt", num: true, cell: (r) => fmtNumber(r.prompt_tokens) },
      { label: "Completion", num: true, cell: (r) => fmtNumber(r.completion_tokens) },
      { label: "Cost", num: true, cell: (r) => fmtUsd(r.cost_usd) },
      { label: "Latency (ms)", num: true, cell: (r) => (r.latency_ms === null ? "—" : fmtNumber(Math.round(r.latency_ms))) },
      { label: "Caller", cell: (r) => r.caller || "—" },
    ], data.latest, "Latest calls")),
    h("p", { class: "muted", text: `Prices: table ${data.price_table}. Times in UTC.` }));
}

function card(label, value) {
  return h("div", { class: "stat" }, h("span", { class: "stat-label", text: label }), h("span", { class: "stat-value", text: value }));
}
