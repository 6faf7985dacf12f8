// Building DOM nodes: text always goes in as text (textContent / text nodes), never as HTML.

export function h(tag, attrs = {}, ...children) {
  const svg = ["svg", "g", "rect", "line", "path", "text", "polyline", "circle", "title"].includes(tag);
  const el = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (name === "text") {
      el.textContent = String(value);
    } else if (name === "value" && !svg) {
      el.value = String(value);
    } else if (name === "checked") {
      el.checked = Boolean(value);
      el.defaultChecked = Boolean(value); // what a form's reset goes back to
    } else {
      el.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
export function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

// A labelled control: <div class="field"><label for=id>text</label>control hint</div>
export function field(labelText, control, hint) {
  if (!control.id) control.id = nextId("f");
  const parts = [h("label", { for: control.id, text: labelText }), control];
  if (hint) {
    const hintId = nextId("hint");
    control.setAttribute("aria-describedby", hintId);
    parts.push(h("small", { id: hintId, class: "hint", text: hint }));
  }
  return h("div", { class: "field" }, parts);
}

export function fmtNumber(value) {
  if (value === null || value === undefined) return "—";
  return Number(value).toLocaleString("en-US");
}

export function fmtUsd(value) {
  if (value === null || value === undefined) return "—";
  return `$${Number(value).toFixed(Number(value) < 1 ? 4 : 2)}`;
}

export function fmtTime(iso) {
  if (!iso) return "never";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? String(iso) : d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export function message(kind, text) {
  return h("p", { class: `msg ${kind}`, role: kind === "error" ? "alert" : "status", text });
}

export function table(columns, rows, caption) {
  return h("div", { class: "table-wrap" },
    h("table", {},
      caption ? h("caption", { text: caption }) : null,
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", text: c.label })))),
      h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => {
        const v = c.cell(row);
        return h("td", { class: c.num ? "num" : null }, v instanceof Node ? v : String(v ?? "—"));
      }))))));
}
