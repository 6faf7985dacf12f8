// The console's shell: sign-in, navigation by location.hash, one page module at a time.
import { api, session, ApiFailure } from "./api.js";
import { h, clear, field, message } from "./dom.js";
import * as connectors from "./pages/connectors.js";
import * as playground from "./pages/playground.js";
import * as usage from "./pages/usage.js";
import * as keys from "./pages/keys.js";

const PAGES = [
  { hash: "#/connectors", title: "Connectors", role: "viewer", module: connectors },
  { hash: "#/playground", title: "Playground", role: "operator", module: playground },
  { hash: "#/usage", title: "Usage", role: "viewer", module: usage },
  { hash: "#/keys", title: "Keys", role: "admin", module: keys },
];
const RANK = { viewer: 0, operator: 1, admin: 2 };
const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const signout = document.getElementById("signout");

function allowed() {
  return PAGES.filter((p) => session.me && RANK[session.me.role] >= RANK[p.role]);
}

function showSignIn(note) {
  session.key = null;
  session.me = null;
  clear(nav);
  who.textContent = "";
  signout.hidden = true;
  const input = h("input", { type: "password", name: "key", autocomplete: "off", required: true, spellcheck: "false" });
  const status = h("div", { class: "form-status" });
  const form = h("form", { class: "card narrow", "aria-labelledby": "signin-title" },
    h("h1", { id: "signin-title", text: "Sign in" }),
    h("p", { text: "Paste a service key (ocs_…). The admin key printed on the service's first start works; `openai-connector keys create` makes others. The key is kept in this tab only." }),
    field("Service key", input),
    h("button", { type: "submit", text: "Sign in" }),
    status);
  if (note) status.append(message("error", note));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    session.key = input.value.trim();
    try {
      session.me = await api.get("/api/me");
    } catch (err) {
      session.key = null;
      clear(status, message("error", err instanceof ApiFailure ? err.message : "the service did not answer"));
      input.focus();
      return;
    }
    if (!location.hash || location.hash === "#/signin") location.hash = "#/connectors";
    else render();
  });
  clear(main, form);
  input.focus();
}

function renderNav(current) {
  clear(nav, allowed().map((p) =>
    h("a", { href: p.hash, "aria-current": p === current ? "page" : null, text: p.title,
      onclick: () => { if (location.hash === p.hash) render(); } })));
  who.textContent = `${session.me.name} (${session.me.role})`;
  signout.hidden = false;
}

let latest = 0;

async function render() {
  const token = ++latest;
  if (!session.key) return showSignIn();
  if (!session.me) {
    try {
      session.me = await api.get("/api/me");
    } catch (err) {
      return showSignIn(err.message);
    }
  }
  if (token !== latest) return;
  const pages = allowed();
  const page = pages.find((p) => location.hash.startsWith(p.hash)) || pages[0];
  if (!location.hash.startsWith(page.hash)) {
    history.replaceState(null, "", page.hash);
  }
  renderNav(page);
  document.title = `${page.title} · openai-connector`;
  // Each page is built off-screen and shown only if no newer navigation started meanwhile.
  const box = h("div", { class: "page" });
  try {
    await page.module.render(box);
  } catch (err) {
    if (err instanceof ApiFailure && err.status === 401) return;
    box.append(message("error", err.message || String(err)));
  }
  if (token !== latest) return;
  clear(main, box);
}

session.onSignedOut = (failure) => showSignIn(`Signed out: ${failure.message}`);
signout.addEventListener("click", () => { showSignIn(); history.replaceState(null, "", "#/signin"); });
window.addEventListener("hashchange", () => render());
render();
