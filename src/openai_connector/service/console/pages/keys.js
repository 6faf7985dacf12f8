// Keys (admin): create (shown once), list with last use, revoke.
import { api } from "../api.js";
import { h, clear, field, message, table, fmtTime } from "../dom.js";

export async function render(main) {
  const name = h("input", { type: "text", name: "key-name", required: true, autocomplete: "off" });
  const role = h("select", { name: "role" }, ["viewer", "operator", "admin"].map((r) => h("option", { value: r, text: r })));
  const shown = h("div", { class: "form-status", "aria-live": "polite" });
  const form = h("form", { class: "card", "aria-labelledby": "new-key-title" },
    h("h2", { id: "new-key-title", text: "New key" }),
    h("div", { class: "row" }, field("Name", name), field("Role", role)),
    h("button", { type: "submit", text: "Create key" }), shown);
  const listBox = h("section", { "aria-label": "Keys" });
  main.append(h("div", { class: "page-head" }, h("h1", { text: "Keys" })), form, listBox);

  async function refresh() {
    const keys = await api.get("/api/keys");
    clear(listBox, table([
      { label: "Name", cell: (k) => k.name },
      { label: "Role", cell: (k) => k.role },
      { label: "Prefix", cell: (k) => `${k.prefix}…` },
      { label: "Created", cell: (k) => fmtTime(k.created) },
      { label: "Last used", cell: (k) => fmtTime(k.last_used) },
      { label: "State", cell: (k) => (k.revoked ? `revoked ${fmtTime(k.revoked)}` : "active") },
      { label: "Actions", cell: (k) => (k.revoked ? "" : h("button", { type: "button", class: "danger", text: "Revoke", "aria-label": `Revoke ${k.name}`,
        onclick: async () => {
          if (!confirm(`Revoke the key ${k.name}? Requests with it are refused at once.`)) return;
          await api.del(`/api/keys/${encodeURIComponent(k.name)}`);
          await refresh();
        } })) },
    ], keys, `${keys.length} key${keys.length === 1 ? "" : "s"}`));
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = await api.post("/api/keys", { name: name.value.trim(), role: role.value });
      const value = h("code", { class: "new-key", text: made.key });
      clear(shown, h("div", { class: "msg ok", role: "status" },
        h("p", { text: `Key ${made.name} (${made.role}) — copy it now, it is not shown again:` }), value,
        h("button", { type: "button", class: "secondary", text: "Copy", onclick: () => navigator.clipboard?.writeText(made.key) })));
      name.value = "";
      await refresh();
    } catch (err) {
      clear(shown, message("error", err.message));
    }
  });
  await refresh();
}
