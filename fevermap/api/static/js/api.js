// Requests to the fevermap server (the only host the page talks to). A read answered by the service worker from its
// cache (no network) comes back with `offline` set to the time the answer was first served.
export class ApiError extends Error {
  constructor(message, status, detail) { super(message); this.status = status; this.detail = detail; }
}

export async function getJSON(url, { timeoutMs = 20000 } = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } });
  } catch (err) {
    throw new ApiError("network", 0, String(err));
  } finally {
    clearTimeout(timer);
  }
  let body = null;
  try { body = await response.json(); } catch (err) { body = null; }
  if (!response.ok) {
    const detail = body && (typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail || body));
    throw new ApiError(response.status >= 500 ? "server" : "request", response.status, detail || response.statusText);
  }
  const offline = response.headers.get("X-Fevermap-Offline");
  return { data: body, offline: offline ? (Date.parse(offline) || true) : null };
}

/** Whether the server answers now (the service worker never answers /health from its cache). */
export async function online() {
  if (navigator.onLine === false) return false;
  try {
    const r = await fetch("/health", { cache: "no-store" });
    return r.ok;
  } catch (err) {
    return false;
  }
}

const LAST = "fevermap.lastNearest";

/** Keep the last clinic list for offline use (phones stay dialable). */
export function saveLast(answer, origin) {
  try { localStorage.setItem(LAST, JSON.stringify({ answer, origin, savedAt: Date.now() })); } catch (err) { /* full */ }
}

export function loadLast() {
  try { return JSON.parse(localStorage.getItem(LAST) || "null"); } catch (err) { return null; }
}
