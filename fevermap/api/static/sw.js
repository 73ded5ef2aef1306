// fevermap's service worker (served at /sw.js by fevermap/api/routes_map.py, which fills in the version and the
// precache list: the page, its start-up data and every static file). After one visit the page opens without a
// network: static files come from the cache; the page and API reads go to the network first and fall back to the
// last answer kept, marked with the header X-Fevermap-Offline so the page can say "as of HH:MM, offline".
const VERSION = "__VERSION__";
const PRECACHE = __PRECACHE__;
const CACHE = `fevermap-${VERSION}`;
const NETWORK_ONLY = ["/health", "/sw.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith("fevermap-") && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function fromCacheMarked(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request, { ignoreVary: true });
  if (!hit) return Response.error();
  const headers = new Headers(hit.headers);
  headers.set("X-Fevermap-Offline", hit.headers.get("Date") || "unknown");
  return new Response(await hit.blob(), { status: hit.status, statusText: hit.statusText, headers });
}

async function networkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const copy = response.clone();
      caches.open(CACHE).then((c) => c.put(request, copy));
    }
    return response;
  } catch (err) {
    return fromCacheMarked(request);
  }
}

async function cacheFirst(request) {
  const hit = await caches.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok) {
    const copy = response.clone();
    caches.open(CACHE).then((c) => c.put(request, copy));
  }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || NETWORK_ONLY.includes(url.pathname)) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(networkFirst(new Request("/", { credentials: "same-origin" })));
  } else {
    event.respondWith(networkFirst(request));
  }
});
