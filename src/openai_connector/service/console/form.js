// Forms generated from a JSON Schema (pydantic's): one labelled control per property, nested
// objects as fieldsets, lists and maps as JSON text. read() gives back only what was filled.
import { h, field, nextId } from "./dom.js";

function resolve(schema, root) {
  let s = schema || {};
  while (s.$ref) s = root.$defs?.[s.$ref.split("/").pop()] || {};
  if (s.allOf && s.allOf.length === 1) return resolve(s.allOf[0], root);
  const options = s.anyOf || s.oneOf;
  if (options) {
    const real = options.filter((o) => o.type !== "null");
    if (real.length === 1) return { ...resolve(real[0], root), description: s.description, default: s.default, title: s.title };
    return { ...s, kind: "json" };
  }
  return s;
}

function kindOf(s) {
  if (s.kind) return s.kind;
  if (s.enum) return "enum";
  if (s.const !== undefined) return "const";
  if (s.format === "binary" || s.contentMediaType) return "file";
  if (s.type === "object" && s.properties) return "object";
  if (s.type === "boolean") return "boolean";
  if (s.type === "integer" || s.type === "number") return "number";
  if (s.type === "string") return "string";
  return "json";
}

function short(text) {
  if (!text) return null;
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

// Build the controls of an object schema. Returns {element, read(), fill(values)}.
export function schemaForm(schema, root = schema, options = {}) {
  const skip = new Set(options.skip || []);
  const fileFields = new Set(options.fileFields || []);
  const parts = [];
  const props = schema.properties || {};
  for (const [name, raw] of Object.entries(props)) {
    if (skip.has(name)) continue;
    const s = resolve(raw, root);
    const kind = fileFields.has(name) ? "file" : kindOf(s);
    const label = name + ((schema.required || []).includes(name) ? " (required)" : "");
    let control;
    if (kind === "object") {
      const inner = schemaForm(s, root);
      const legendId = nextId("legend");
      const box = h("fieldset", { class: "nested" }, h("legend", { id: legendId, text: name }), inner.element);
      parts.push({ name, element: box, read: inner.read, fill: inner.fill });
      continue;
    }
    if (kind === "enum") {
      control = h("select", { name }, h("option", { value: "", text: "(default)" }),
        s.enum.map((v) => h("option", { value: String(v), text: String(v) })));
    } else if (kind === "boolean") {
      control = h("select", { name }, h("option", { value: "", text: "(default)" }),
        h("option", { value: "true", text: "true" }), h("option", { value: "false", text: "false" }));
    } else if (kind === "number") {
      control = h("input", { type: "number", name, step: s.type === "integer" ? "1" : "any",
        min: s.minimum ?? s.exclusiveMinimum, max: s.maximum });
    } else if (kind === "file") {
      control = h("input", { type: "file", name });
    } else if (kind === "string" && !(s.maxLength > 500 || /prompt|input|text|content|instructions/.test(name))) {
      control = h("input", { type: "text", name, spellcheck: "false" });
    } else {
      control = h("textarea", { name, rows: kind === "json" ? 3 : 2, spellcheck: "false",
        placeholder: kind === "json" ? "JSON" : null });
    }
    const hint = short(s.description) || (kind === "json" ? "JSON" : null);
    const wrapped = field(label, control, hint);
    parts.push({
      name,
      element: wrapped,
      read: () => readControl(control, kind, name),
      fill: (v) => fillControl(control, kind, v),
    });
  }
  return {
    element: h("div", { class: "schema-form" }, parts.map((p) => p.element)),
    read() {
      const out = {};
      for (const p of parts) {
        const v = p.read();
        if (v !== undefined && !(typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof File) && Object.keys(v).length === 0)) out[p.name] = v;
      }
      return out;
    },
    fill(values) {
      for (const p of parts) if (values && Object.hasOwn(values, p.name)) p.fill(values[p.name]);
    },
    files() {
      return parts.filter((p) => p.element.querySelector("input[type=file]"))
        .map((p) => ({ name: p.name, input: p.element.querySelector("input[type=file]") }));
    },
  };
}

function readControl(control, kind, name) {
  const text = control.value;
  if (kind === "file") return control.files && control.files[0] ? control.files[0] : undefined;
  if (text === "") return undefined;
  if (kind === "boolean") return text === "true";
  if (kind === "number") return Number(text);
  if (kind === "json") {
    try {
      return JSON.parse(text);
    } catch {
      if (/^\s*[[{"]/.test(text)) throw new Error(`${name}: not valid JSON`);
      return text; // a field that takes text or JSON: plain text is text
    }
  }
  return text;
}

function fillControl(control, kind, value) {
  if (kind === "file") return;
  if (value === null || value === undefined) control.value = "";
  else if (kind === "json") control.value = typeof value === "string" && !/^\s*[[{"\d-]|^(true|false|null)$/.test(value) ? value : JSON.stringify(value);
  else control.value = String(value);
}
