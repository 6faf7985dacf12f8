// Talking to the service: the key lives in sessionStorage and goes out as a bearer token.

const KEY = "openai-connector.key";

export class ApiFailure extends Error {
  constructor(status, code, text, field) {
    super(text);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

export const session = {
  get key() { return sessionStorage.getItem(KEY); },
  set key(value) {
    if (value) sessionStorage.setItem(KEY, value);
    else sessionStorage.removeItem(KEY);
  },
  me: null,
  onSignedOut: () => {},
};

export async function request(method, path, body, extra = {}) {
  const headers = { Accept: "application/json", ...(extra.headers || {}) };
  if (session.key) headers.Authorization = `Bearer ${session.key}`;
  let payload = body;
  if (body !== undefined && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const response = await fetch(path, { method, headers, body: payload, signal: extra.signal });
  if (extra.raw) return response;
  return readAnswer(response);
}

export async function readAnswer(response) {
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const err = (data && data.error) || {};
    const failure = new ApiFailure(response.status, err.code || `http_${response.status}`,
      err.message || `the service answered ${response.status}`, err.field);
    if (response.status === 401 && session.key) session.onSignedOut(failure);
    throw failure;
  }
  return data;
}

export const api = {
  get: (path) => request("GET", path),
  post: (path, body) => request("POST", path, body),
  patch: (path, body) => request("PATCH", path, body),
  del: (path) => request("DELETE", path),
};

export function can(role) {
  const rank = { viewer: 0, operator: 1, admin: 2 };
  return session.me !== null && rank[session.me.role] >= rank[role];
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== "") q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : "";
}
