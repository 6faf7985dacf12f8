// Playground: pick a connector and an operation (keyword search), fill the form generated
// from the operation's input schema, run it; streamed answers appear as they arrive.
import { api, request, readAnswer, ApiFailure } from "../api.js";
import { h, clear, field, message, fmtNumber } from "../dom.js";
import { schemaForm } from "../form.js";
import { snippets } from "../snippets.js";

const FILE_FIELDS = ["file", "image", "mask", "audio", "files"];

export async function render(main) {
  const connectors = await api.get("/api/connectors");
  main.append(h("div", { class: "page-head" }, h("h1", { text: "Playground" })));
  if (connectors.length === 0) {
    main.append(h("div", { class: "empty" }, h("p", { text: "No connector to run yet: create one on the Connectors page first." })));
    return;
  }
  const connector = h("select", { name: "connector" }, connectors.map((c) => h("option", { value: c.id, text: `${c.name} (${c.provider})` })));
  const search = h("input", { type: "search", name: "q", placeholder: "e.g. transcribe audio", autocomplete: "off" });
  const operation = h("select", { name: "operation", size: 6 });
  const formBox = h("div", { class: "op-form" });
  const result = h("section", { class: "result", "aria-label": "Result" },
    h("p", { class: "muted", text: "Choose an operation, fill its form (or press Example) and Run: the answer, its timing, attempts, request id and usage, and the same call as curl, Python and CLI appear here." }));
  const left = h("div", { class: "card" },
    field("Connector", connector),
    field("Search operations", search, "Keywords rank the operations, best first."),
    field("Operation", operation),
    formBox);
  main.append(h("div", { class: "split" }, left, result));

  let listing = 0;
  async function list() {
    const q = search.value.trim();
    const token = ++listing;
    const ops = await api.get(`/api/operations${q ? `?q=${encodeURIComponent(q)}` : ""}`);
    if (token !== listing) return; // a newer search is under way
    const keep = operation.value;
    clear(operation, ops.map((o) => h("option", { value: o.id, text: `${o.id} — ${o.summary || ""}` })));
    if (ops.some((o) => o.id === keep)) operation.value = keep;
    else if (ops.length) operation.value = ops[0].id;
    if (operation.value !== shown) await choose();
  }
  let timer = null;
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(list, 200); });
  operation.addEventListener("change", () => choose());

  // The form shown is that of the last operation chosen: a slower answer for an earlier
  // choice, or a search listing the same operation again, never replaces it.
  let shown = null;
  let choosing = 0;
  async function choose() {
    const id = operation.value;
    if (id === shown) return;
    const token = ++choosing;
    if (!id) { shown = null; return clear(formBox); }
    const op = await api.get(`/api/operations/${encodeURIComponent(id)}`);
    if (token !== choosing) return;
    shown = id;
    const schema = op.input_schema;
    const props = Object.keys(schema.properties || {});
    const form = schemaForm(schema, schema, { skip: ["stream"], fileFields: props.filter((p) => FILE_FIELDS.includes(p)) });
    const stream = h("input", { type: "checkbox", name: "stream", checked: op.streams });
    const status = h("div", { class: "form-status" });
    const el = h("form", { "aria-label": `Input of ${op.id}` },
      h("h2", { text: op.id }),
      h("p", { class: "muted", text: op.summary || "" }),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "secondary", text: "Example", onclick: () => {
          const example = op.example_input || {};
          form.fill(example);
          if (op.streams && "stream" in example) stream.checked = Boolean(example.stream);
        } }),
        h("button", { type: "button", class: "secondary", text: "Clear", onclick: () => el.reset() })),
      form.element,
      op.streams ? h("label", { class: "inline" }, stream, " Stream the answer") : null,
      h("div", { class: "actions" }, h("button", { type: "submit", text: "Run" })),
      status);
    el.addEventListener("submit", async (event) => {
      event.preventDefault();
      let params;
      try {
        params = form.read();
      } catch (err) {
        clear(status, message("error", err.message));
        return;
      }
      clear(status);
      const chosen = connectors.find((c) => c.id === connector.value);
      await run(result, chosen, op, params, op.streams && stream.checked);
    });
    clear(formBox, el);
  }
  await list();
}

async function run(result, connector, op, params, stream) {
  const files = Object.entries(params).filter(([, v]) => v instanceof File);
  const plain = Object.fromEntries(Object.entries(params).filter(([, v]) => !(v instanceof File)));
  const started = performance.now();
  const streamed = h("pre", { class: "stream", "aria-live": "polite", "aria-label": "Streamed answer" });
  const facts = h("dl", { class: "kvs facts" });
  const envelope = h("pre", { class: "envelope", "aria-label": "Envelope" });
  const media = h("div", { class: "media" });
  const code = snippets(location.origin, connector, op.id, plain, stream, files.map(([n, f]) => [n, f.name]));
  clear(result,
    h("h2", { text: "Result" }),
    facts, stream ? streamed : null, media, h("h3", { text: "Envelope" }), envelope,
    h("h3", { text: "The same call" }),
    ["curl", "python", "cli"].map((kind) => h("div", { class: "snippet" },
      h("div", { class: "snippet-head" }, h("span", { text: { curl: "curl", python: "Python", cli: "CLI" }[kind] }),
        h("button", { type: "button", class: "secondary", text: `Copy ${kind}`, onclick: () => navigator.clipboard?.writeText(code[kind]) })),
      h("pre", { class: `code code-${kind}`, text: code[kind] }))));
  envelope.textContent = "Running…";
  showFacts(facts, null, null); // every row there from the start: nothing moves when they fill
  const path = `/api/connectors/${encodeURIComponent(connector.id)}/execute`;
  let body = { operation: op.id, params: plain };
  if (stream) body.stream = true;
  if (files.length) {
    const form = new FormData();
    form.append("request", JSON.stringify(body));
    for (const [name, file] of files) form.append(name, file, file.name);
    body = form;
  }
  let final;
  try {
    const response = await request("POST", path, body, { raw: true, headers: stream ? { Accept: "text/event-stream" } : {} });
    if (response.status === 404 || response.status === 405) {
      const answer = await response.json().catch(() => ({}));
      if (!answer.error || answer.error.code === "not_found" || response.status === 405) {
        envelope.textContent = "";
        result.append(message("error", "This service has no run API yet (POST /api/connectors/{id}/execute)."));
        return;
      }
      throw new ApiFailure(response.status, answer.error.code, answer.error.message, answer.error.field);
    }
    const type = response.headers.get("content-type") || "";
    final = type.includes("text/event-stream") ? await readStream(response, streamed) : await readAnswer(response);
  } catch (err) {
    envelope.textContent = "";
    clear(facts);
    result.insertBefore(message("error", `${err.code || "error"}: ${err.message}`), facts);
    return;
  }
  const elapsed = performance.now() - started;
  showFacts(facts, final, elapsed);
  envelope.textContent = JSON.stringify(final, null, 2);
  showMedia(media, final);
}

async function readStream(response, out) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let final = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const lines = chunk.split("\n");
      const name = (lines.find((l) => l.startsWith("event:")) || "event: message").slice(6).trim();
      const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n");
      if (!data || data === "[DONE]") continue;
      let event;
      try { event = JSON.parse(data); } catch { out.append(document.createTextNode(data)); continue; }
      if (name === "error") {
        const err = event.error || event;
        throw new ApiFailure(502, err.code || "stream_error", err.message || "the call failed midway");
      }
      if (event && typeof event === "object" && "status" in event && "body" in event) { final = event; continue; }
      const text = deltaText(event);
      if (text) {
        out.append(document.createTextNode(text));
        out.scrollTop = out.scrollHeight; // follow the tail inside the fixed box
      }
    }
  }
  return final || { status: null, body: out.textContent, meta: {} };
}

function deltaText(event) {
  if (typeof event === "string") return event;
  if (!event || typeof event !== "object") return "";
  if (typeof event.delta === "string") return event.delta;
  if (typeof event.text === "string") return event.text;
  const choice = event.choices && event.choices[0];
  if (choice && choice.delta && typeof choice.delta.content === "string") return choice.delta.content;
  if (choice && typeof choice.text === "string") return choice.text;
  if (event.data) return deltaText(event.data);
  return "";
}

function showFacts(facts, final, elapsed) {
  const meta = (final && final.meta) || {};
  const usage = meta.usage || {};
  const headers = (final && final.headers) || {};
  const rows = [
    ["status", final ? final.status : "…"],
    ["time", final ? `${Math.round(meta.elapsed_ms ?? elapsed)} ms` : "…"],
    ["attempts", meta.attempts ?? "—"],
    ["request id", meta.request_id || headers["x-request-id"] || "—"],
    ["usage", usage.total_tokens !== undefined || usage.prompt_tokens !== undefined
      ? `${fmtNumber(usage.prompt_tokens)} in · ${fmtNumber(usage.completion_tokens)} out` : "—"],
  ];
  clear(facts, rows.map(([k, v]) => h("div", { class: "kv" }, h("dt", { text: k }), h("dd", { text: String(v ?? "—") }))));
}

function showMedia(media, final) {
  const body = final && final.body;
  if (!body || typeof body !== "object") return;
  const files = (final.meta && Array.isArray(final.meta.files)) ? final.meta.files : [];
  const items = [...(Array.isArray(body.data) ? body.data : [body]), ...files];
  for (const item of items) {
    if (!item || typeof item !== "object") continue;
    if (typeof item.b64_json === "string") {
      const src = `data:image/png;base64,${item.b64_json}`;
      media.append(h("figure", {}, h("img", { src, alt: item.revised_prompt || "generated image" }),
        h("a", { href: src, download: "image.png", text: "Download image" })));
    }
    const b64 = item.base64 || item.content_base64;
    if (typeof b64 === "string") {
      const type = item.content_type || item.media_type || "application/octet-stream";
      const src = `data:${type};base64,${b64}`;
      if (type.startsWith("audio/")) media.append(h("audio", { controls: true, src, "aria-label": "Audio answer" }));
      if (type.startsWith("image/")) media.append(h("img", { src, alt: "file answer" }));
      media.append(h("a", { href: src, download: item.name || item.filename || "download", text: `Download ${item.name || item.filename || "file"}` }));
    }
    if (typeof item.download === "string" && item.download.startsWith("/api/downloads/")) {
      const name = item.name || "download";
      media.append(h("button", { type: "button", class: "secondary", text: `Download ${name}`, onclick: async () => {
        const response = await request("GET", item.download, undefined, { raw: true });
        if (!response.ok) return media.append(message("error", `download refused (${response.status})`));
        const link = h("a", { href: URL.createObjectURL(await response.blob()), download: name });
        document.body.append(link);
        link.click();
        link.remove();
      } }));
    }
  }
}
