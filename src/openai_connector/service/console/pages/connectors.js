// Connectors: the list (provider, default model, last test), forms generated from the
// connection schema, write-only secrets, and "Test connection" step by step.
import { api, can, request, session, ApiFailure } from "../api.js";
import { h, clear, field, message, table, fmtTime } from "../dom.js";
import { schemaForm } from "../form.js";

// The last connection test, as the service keeps it: "passed · time" or "failed (step) · time".
function lastTestText(t) {
  if (!t) return "not tested";
  const failed = (t.steps || []).find((s) => !s.ok);
  const outcome = t.ok ? "passed" : `failed${failed && failed.step ? ` (${failed.step})` : ""}`;
  return `${outcome} · ${fmtTime(t.time)}`;
}

function lastTestCell(c) {
  const t = c.last_test;
  const failed = t && (t.steps || []).find((s) => !s.ok && s.error);
  return h("span", { class: t ? (t.ok ? "ok" : "bad") : "muted", "data-last-test": c.id,
    title: failed ? `${failed.step}: ${failed.error.message}` : null, text: lastTestText(t) });
}

// Show a page again even when the address stays the same.
function goTo(hash) {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
}

export async function render(main) {
  const list = await api.get("/api/connectors");
  const head = h("div", { class: "page-head" }, h("h1", { text: "Connectors" }));
  const detail = h("section", { id: "connector-detail", "aria-live": "polite" });
  if (can("admin")) {
    head.append(h("button", { type: "button", id: "new-connector", text: "New connector",
      onclick: () => editForm(detail, null) }));
  }
  main.append(head);
  if (list.length === 0) {
    main.append(h("div", { class: "empty" },
      h("p", { text: "No connectors yet." }),
      h("p", { text: can("admin")
        ? "Create one with “New connector”: pick the provider, its URL and default model, and paste the API key."
        : "Ask an admin to create one (a viewer key can read connectors, not change them)." })));
  } else {
    main.append(table([
      { label: "Name", cell: (c) => h("a", { href: `#/connectors/${encodeURIComponent(c.id)}`, class: "connector-name", text: c.name,
        onclick: (e) => { e.preventDefault(); showConnector(detail, c); } }) },
      { label: "Provider", cell: (c) => c.provider },
      { label: "Default model", cell: (c) => c.config.default_model || "—" },
      { label: "Secrets", cell: (c) => Object.entries(c.secrets).map(([n, s]) => `${n}: ${s.set ? "set" : "not set"}`).join(", ") || "—" },
      { label: "Last test", cell: (c) => lastTestCell(c) },
      { label: "Tags", cell: (c) => c.tags.join(", ") || "—" },
    ], list, `${list.length} connector${list.length === 1 ? "" : "s"}`));
  }
  main.append(detail);
  const wanted = decodeURIComponent(location.hash.split("/")[2] || "");
  const chosen = list.find((c) => c.id === wanted);
  if (chosen) showConnector(detail, chosen);
}

function showConnector(detail, c) {
  const actions = h("div", { class: "actions" });
  const testOut = h("div", { class: "test-out" });
  if (can("operator")) {
    actions.append(h("button", { type: "button", text: "Test connection", onclick: () => runTest(c, testOut) }));
  }
  if (can("admin") && !c.preconfigured) {
    actions.append(h("button", { type: "button", text: "Edit", onclick: () => editForm(detail, c) }));
    actions.append(h("button", { type: "button", class: "danger", text: "Delete", onclick: async () => {
      if (!confirm(`Delete connector ${c.name}? Its secrets go with it.`)) return;
      await api.del(`/api/connectors/${encodeURIComponent(c.id)}`);
      goTo("#/connectors");
    } }));
  }
  const settings = Object.entries(c.config).map(([k, v]) => h("div", { class: "kv" },
    h("dt", { text: k }), h("dd", { text: typeof v === "object" ? JSON.stringify(v) : String(v) })));
  clear(detail,
    h("div", { class: "card" },
      h("h2", { text: c.name }),
      c.description ? h("p", { text: c.description }) : null,
      c.preconfigured ? message("info", "Preconfigured: change it in the preconfigured connectors file.") : null,
      h("dl", { class: "kvs" },
        h("div", { class: "kv" }, h("dt", { text: "id" }), h("dd", { text: c.id })),
        h("div", { class: "kv" }, h("dt", { text: "provider" }), h("dd", { text: c.provider })),
        settings,
        Object.entries(c.secrets).map(([n, s]) => h("div", { class: "kv" }, h("dt", { text: n }),
          h("dd", { text: s.set ? (s.reference ? `set (${s.reference})` : "set") : "not set" }))),
        h("div", { class: "kv" }, h("dt", { text: "operations" }), h("dd", { text: c.allowed_operations ? c.allowed_operations.join(", ") : "all" })),
        h("div", { class: "kv" }, h("dt", { text: "last test" }), h("dd", {}, lastTestCell(c)))),
      actions, testOut));
  history.replaceState(null, "", `#/connectors/${encodeURIComponent(c.id)}`);
  detail.querySelector("h2").setAttribute("tabindex", "-1");
  detail.querySelector("h2").focus();
}

async function runTest(c, out) {
  clear(out, h("p", { class: "muted", text: "Testing…" }));
  const response = await request("POST", `/api/connectors/${encodeURIComponent(c.id)}/test`, {}, { raw: true });
  const data = await response.json().catch(() => null);
  const hasSteps = data && (Array.isArray(data.steps) || (data.body && Array.isArray(data.body.steps)));
  if (!hasSteps) {
    const err = (data && data.error) || {};
    if (response.status === 405 || (response.status === 404 && err.code === "not_found")) {
      clear(out, message("error", "This service has no test route yet (it comes with the run API)."));
    } else {
      clear(out, message("error", `${err.code || response.status}: ${err.message || "the test did not run"}`));
    }
    if (response.status === 401) session.onSignedOut(new ApiFailure(401, err.code, err.message));
    return;
  }
  const report = data && data.body && data.body.steps ? data.body : data;
  const steps = (report && report.steps) || [];
  const ok = report && (report.ok ?? steps.every((s) => s.ok));
  // The service kept this outcome: show it in the list (and the card) without a reload.
  c.last_test = { ok, time: report.time || new Date().toISOString(), steps };
  for (const cell of document.querySelectorAll(`[data-last-test="${CSS.escape(c.id)}"]`)) cell.replaceWith(lastTestCell(c));
  clear(out,
    message(ok ? "ok" : "error", ok ? "Connection works." : "Connection test failed."),
    table([
      { label: "Step", cell: (s) => s.step || s.name },
      { label: "Result", cell: (s) => h("span", { class: s.ok ? "ok" : "bad", text: s.skipped ? "skipped" : s.ok ? "ok" : "failed" }) },
      { label: "Time (ms)", num: true, cell: (s) => (s.elapsed_ms ?? s.ms ?? "—") },
      { label: "Provider's error", cell: (s) => s.error ? `${s.error.code || ""} ${s.error.message || JSON.stringify(s.error)}`.trim() : (s.note || "") },
    ], steps, "Steps"));
}

async function editForm(detail, current) {
  const meta = await api.get("/api/schema/connection");
  const schema = meta.schema;
  const name = h("input", { type: "text", name: "name", required: true, value: current ? current.name : "" });
  const description = h("textarea", { name: "description", rows: 2, value: current ? current.description : "" });
  const providerSchema = schema.properties.provider;
  const providers = (providerSchema.enum || schema.$defs?.Provider?.enum || ["openai", "azure", "compatible"]);
  const provider = h("select", { name: "provider" }, providers.map((p) => h("option", { value: p, text: p })));
  provider.value = current ? current.provider : "openai";
  const config = schemaForm(schema, schema, { skip: ["provider"] });
  if (current) config.fill(current.config);
  const secretParts = [];
  const secretNames = meta.secrets.filter((n) => !n.endsWith("NAME"));
  for (const [n] of Object.entries(current ? current.secrets : {})) if (!secretNames.includes(n)) secretNames.push(n);
  for (const n of secretNames) {
    const input = h("input", { type: "password", name: `secret-${n}`, autocomplete: "new-password", spellcheck: "false" });
    const state = current && current.secrets[n] && current.secrets[n].set;
    const wrap = field(`${n} (secret, write-only)`, input, state ? "Set. Leave it empty to keep it." : "Not set.");
    if (state) {
      wrap.hidden = true;
      const status = h("p", { class: "secret-state" }, h("span", { text: `${n}: set ` }),
        h("button", { type: "button", text: `Replace ${n}`, onclick: () => { wrap.hidden = false; status.hidden = true; input.focus(); } }));
      secretParts.push(status);
    }
    secretParts.push(wrap);
    input.dataset.secret = n;
  }
  const operations = h("input", { type: "text", name: "allowed_operations", value: current && current.allowed_operations ? current.allowed_operations.join(", ") : "" });
  const tags = h("input", { type: "text", name: "tags", value: current ? current.tags.join(", ") : "" });
  const budget = h("input", { type: "number", name: "monthly_budget_usd", min: 0, step: "any", value: current && current.monthly_budget_usd !== null ? current.monthly_budget_usd : "" });
  const status = h("div", { class: "form-status" });
  const form = h("form", { class: "card", "aria-labelledby": "edit-title" },
    h("h2", { id: "edit-title", text: current ? `Edit ${current.name}` : "New connector" }),
    field("Name", name), field("Description", description), field("Provider", provider),
    h("fieldset", {}, h("legend", { text: "Connection settings" }), config.element),
    h("fieldset", {}, h("legend", { text: "Secrets" }), secretParts),
    field("Allowed operations", operations, "Comma-separated ids; empty: every operation."),
    field("Tags", tags, "Comma-separated."),
    field("Monthly budget (USD)", budget),
    h("div", { class: "actions" }, h("button", { type: "submit", text: current ? "Save" : "Create" }),
      h("button", { type: "button", class: "secondary", text: "Cancel", onclick: () => clear(detail) })),
    status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    let body;
    try {
      const cfg = config.read();
      if (current) for (const k of Object.keys(current.config)) if (!(k in cfg)) cfg[k] = null;
      const secrets = {};
      for (const input of form.querySelectorAll("input[data-secret]")) {
        if (input.value.trim()) secrets[input.dataset.secret] = input.value.trim();
      }
      const list = (text) => text.split(",").map((t) => t.trim()).filter(Boolean);
      body = {
        name: name.value.trim(), description: description.value, provider: provider.value,
        config: cfg, secrets, tags: list(tags.value),
        allowed_operations: operations.value.trim() ? list(operations.value) : null,
        monthly_budget_usd: budget.value === "" ? null : Number(budget.value),
      };
    } catch (err) {
      clear(status, message("error", err.message));
      return;
    }
    try {
      const saved = current
        ? await api.patch(`/api/connectors/${encodeURIComponent(current.id)}`, body)
        : await api.post("/api/connectors", body);
      goTo(`#/connectors/${encodeURIComponent(saved.id)}`);
    } catch (err) {
      clear(status, message("error", `${err.field ? err.field + ": " : ""}${err.message}`));
    }
  });
  clear(detail, form);
  name.focus();
}
