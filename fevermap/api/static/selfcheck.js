// fevermap self-check: "Was I near a risk area?" The itinerary never leaves the browser: the page downloads the
// public risk areas and case place-days of a date and matches here, with the server's rule (fevermap.risk.engine
// RiskEngine.match): distance <= the place's radius (else the rule set's match.radius_m) by the geodesic on WGS-84,
// and overlap of the two time intervals >= match.min_overlap_min minutes. Coordinates are [lon, lat].
(function () {
  "use strict";
  const D2R = Math.PI / 180;
  const A = 6378137.0, F = 1 / 298.257223563, B = A * (1 - F);

  // Geodesic distance in metres (Vincenty's inverse formula, WGS-84; ~0.5 mm from Karney's for these lengths).
  function geodesicM(lon1, lat1, lon2, lat2) {
    const L = (lon2 - lon1) * D2R;
    const U1 = Math.atan((1 - F) * Math.tan(lat1 * D2R)), U2 = Math.atan((1 - F) * Math.tan(lat2 * D2R));
    const sinU1 = Math.sin(U1), cosU1 = Math.cos(U1), sinU2 = Math.sin(U2), cosU2 = Math.cos(U2);
    let lam = L, prev, sinS, cosS, sig, cos2a, cos2sm, sinA;
    for (let i = 0; i < 200; i++) {
      const sl = Math.sin(lam), cl = Math.cos(lam);
      sinS = Math.sqrt((cosU2 * sl) ** 2 + (cosU1 * sinU2 - sinU1 * cosU2 * cl) ** 2);
      if (sinS === 0) return 0;
      cosS = sinU1 * sinU2 + cosU1 * cosU2 * cl;
      sig = Math.atan2(sinS, cosS);
      sinA = cosU1 * cosU2 * sl / sinS;
      cos2a = 1 - sinA * sinA;
      cos2sm = cos2a !== 0 ? cosS - 2 * sinU1 * sinU2 / cos2a : 0;
      const C = F / 16 * cos2a * (4 + F * (4 - 3 * cos2a));
      prev = lam;
      lam = L + (1 - C) * F * sinA * (sig + C * sinS * (cos2sm + C * cosS * (-1 + 2 * cos2sm * cos2sm)));
      if (Math.abs(lam - prev) < 1e-12) break;
    }
    const u2 = cos2a * (A * A - B * B) / (B * B);
    const a = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)));
    const b = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)));
    const ds = b * sinS * (cos2sm + b / 4 * (cosS * (-1 + 2 * cos2sm * cos2sm)
      - b / 6 * cos2sm * (-3 + 4 * sinS * sinS) * (-3 + 4 * cos2sm * cos2sm)));
    return B * a * (sig - ds);
  }

  // Index of place-days: places in a grid of ~0.01 degree cells; visits grouped by place.
  function indexPlaceDays(pd) {
    const cells = new Map(), byPlace = pd.places.map(() => []);
    pd.visits.forEach((v, i) => byPlace[v[0]].push(i));
    let maxR = pd.match.radius_m;
    pd.places.forEach((p, i) => {
      if (p[2] && p[2] > maxR) maxR = p[2];
      const key = Math.floor(p[0] * 100) + ":" + Math.floor(p[1] * 100);
      if (!cells.has(key)) cells.set(key, []);
      cells.get(key).push(i);
    });
    return { pd, cells, byPlace, maxR };
  }

  // Matches of stops [{lon, lat, start, end}] (UTC epoch seconds) against place-days: [{stop, visit, distance_m,
  // radius_m, overlap_start, overlap_end}] sorted by (stop, visit), as the server's Matches.sorted().
  function match(stops, pdOrIndex) {
    const ix = pdOrIndex.cells ? pdOrIndex : indexPlaceDays(pdOrIndex);
    const pd = ix.pd, minOv = Math.round(pd.match.min_overlap_min * 60), out = [];
    stops.forEach((s, si) => {
      const dLat = ix.maxR / 110574 + 1e-6, dLon = dLat / Math.max(0.01, Math.cos(Math.abs(s.lat) * D2R + dLat * D2R));
      for (let cx = Math.floor((s.lon - dLon) * 100); cx <= Math.floor((s.lon + dLon) * 100); cx++) {
        for (let cy = Math.floor((s.lat - dLat) * 100); cy <= Math.floor((s.lat + dLat) * 100); cy++) {
          const cell = ix.cells.get(cx + ":" + cy);
          if (!cell) continue;
          for (const p of cell) {
            const place = pd.places[p];
            if (Math.abs(place[1] - s.lat) > dLat || Math.abs(place[0] - s.lon) > dLon) continue;
            let d = -1;
            const r = place[2] && place[2] > 0 ? place[2] : pd.match.radius_m;
            for (const vi of ix.byPlace[p]) {
              const v = pd.visits[vi];
              const os = Math.max(s.start, v[1]), oe = Math.min(s.end, v[2]);
              if (oe - os < minOv) continue;
              if (d < 0) d = geodesicM(s.lon, s.lat, place[0], place[1]);
              if (d <= r) out.push({ stop: si, visit: vi, distance_m: d, radius_m: r, overlap_start: os, overlap_end: oe });
            }
          }
        }
      }
    });
    out.sort((a, b) => a.stop - b.stop || a.visit - b.visit);
    return out;
  }

  // Is (lon, lat) inside a GeoJSON Polygon / MultiPolygon geometry (ray casting on [lon, lat] rings)?
  function inRing(ring, x, y) {
    let inside = false;
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i], [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi) inside = !inside;
    }
    return inside;
  }
  function inGeometry(g, x, y) {
    const polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    return polys.some((rings) => inRing(rings[0], x, y) && !rings.slice(1).some((h) => inRing(h, x, y)));
  }

  // Itinerary files read here, in the browser: Google Takeout (timelineObjects / semanticSegments) or fevermap JSON.
  function parseItinerary(data) {
    const stops = [];
    const t = (v) => (typeof v === "number" ? v / 1000 : Date.parse(v) / 1000);
    for (const o of data.timelineObjects || []) {
      const v = o.placeVisit;
      if (!v || !v.location || !v.duration) continue;
      const d = v.duration;
      stops.push({ lon: v.location.longitudeE7 / 1e7, lat: v.location.latitudeE7 / 1e7,
        start: t(d.startTimestamp || Number(d.startTimestampMs)), end: t(d.endTimestamp || Number(d.endTimestampMs)),
        place: v.location.name || v.location.address || "" });
    }
    for (const seg of data.semanticSegments || []) {
      const c = seg.visit && seg.visit.topCandidate, m = c && /(-?[\d.]+)°?,\s*(-?[\d.]+)°?/.exec(c.placeLocation.latLng);
      if (m) stops.push({ lon: +m[2], lat: +m[1], start: t(seg.startTime), end: t(seg.endTime), place: c.semanticType || "" });
    }
    for (const d of data.declarations || []) {
      for (const s of d.stops || []) stops.push({ lon: +s.lon, lat: +s.lat, start: t(s.start), end: t(s.end), place: s.place || "" });
    }
    return stops.filter((s) => isFinite(s.lon) && isFinite(s.lat) && isFinite(s.start) && isFinite(s.end) && s.end >= s.start);
  }

  window.FevermapSelfcheck = { geodesicM, indexPlaceDays, match, inGeometry, parseItinerary };

  // ------------------------------------------------------------------ the page
  if (!document.getElementById("selfcheck")) return;
  const $ = (id) => document.getElementById(id);
  const lang = new URLSearchParams(location.search).get("lang")
    || ((navigator.language || "en").toLowerCase().startsWith("zh") ? "zh-Hans" : "en");
  const stops = [];
  let pd = null, areas = null;

  function esc(s) { const d = document.createElement("div"); d.textContent = String(s); return d.innerHTML; }
  function fmtTime(sec) { return new Date(sec * 1000).toLocaleString(lang); }

  function renderStops() {
    $("stops").innerHTML = stops.length ? stops.map((s, i) =>
      `<li>${esc(s.place || i18next.t("unnamed"))}: ${s.lon.toFixed(5)}, ${s.lat.toFixed(5)}; ${esc(fmtTime(s.start))} - ${esc(fmtTime(s.end))}</li>`).join("")
      : `<li class="muted">${esc(i18next.t("noStops"))}</li>`;
  }

  function addStop(ev) {
    ev.preventDefault();
    const s = { place: $("place").value.trim(), lon: parseFloat($("lon").value), lat: parseFloat($("lat").value),
      start: Date.parse($("start").value) / 1000, end: Date.parse($("end").value) / 1000 };
    if (![s.lon, s.lat, s.start, s.end].every(isFinite) || s.end < s.start) { $("status").textContent = i18next.t("badStop"); return; }
    stops.push(s);
    renderStops();
  }

  async function importFile(ev) {
    const file = ev.target.files[0];
    if (!file) return;
    try {
      const got = parseItinerary(JSON.parse(await file.text()));
      stops.push(...got);
      $("status").textContent = i18next.t("imported", { count: got.length });
    } catch (e) { $("status").textContent = i18next.t("badFile"); }
    renderStops();
  }

  async function check() {
    const date = $("date").value;
    $("status").textContent = i18next.t("downloading");
    // only the date goes to the server; the itinerary stays here
    const [p, a] = await Promise.all([
      fetch("/risk-areas/place-days?date=" + encodeURIComponent(date)).then((r) => r.json()),
      fetch("/risk-areas?date=" + encodeURIComponent(date)).then((r) => r.json()),
    ]);
    pd = p; areas = a;
    const t0 = performance.now();
    const hits = match(stops, pd);
    const inside = [];
    stops.forEach((s, si) => {
      for (const f of areas.features) if (inGeometry(f.geometry, s.lon, s.lat)) inside.push({ stop: si, level: f.properties.level });
    });
    document.body.dataset.matchMs = String(performance.now() - t0);
    renderHits(hits, inside);
  }

  function renderHits(hits, inside) {
    const rule = i18next.t("rule", { radius: pd.match.radius_m, minutes: pd.match.min_overlap_min });
    $("status").textContent = hits.length ? i18next.t("hits", { count: hits.length }) : i18next.t("noHits");
    $("hits").innerHTML = hits.map((h, k) => {
      const s = stops[h.stop], day = new Date(pd.visits[h.visit][1] * 1000).toLocaleDateString(lang, { timeZone: pd.tz });
      return `<li class="hit" data-k="${k}"><b>${esc(s.place || i18next.t("unnamed"))}</b>: ${esc(i18next.t("hitText",
        { day, distance: h.distance_m.toFixed(0) }))} <span class="muted">(${esc(rule)})</span>
        <button class="there" data-k="${k}">${esc(i18next.t("wereYouThere"))}</button></li>`;
    }).join("") + inside.map((x) => `<li class="inside">${esc(stops[x.stop].place || i18next.t("unnamed"))}: ${esc(i18next.t("insideArea", { level: i18next.t("level." + x.level, { defaultValue: x.level }) }))}</li>`).join("");
    for (const b of document.querySelectorAll("button.there")) b.onclick = () => confirmHit(hits[+b.dataset.k]);
  }

  function confirmHit(hit) {
    const s = stops[hit.stop];
    if (!window.confirm(i18next.t("confirmThere", { place: s.place || i18next.t("unnamed"), time: fmtTime(s.start) }))) return;
    $("declare").hidden = false;
    $("declare").dataset.stop = String(hit.stop);
  }

  async function declare(ev) {
    ev.preventDefault();
    const s = stops[+$("declare").dataset.stop];
    const body = { name: $("d-name").value, phone: $("d-phone").value, area: $("d-area").value,
      stops: [{ lon: s.lon, lat: s.lat, start: new Date(s.start * 1000).toISOString(), end: new Date(s.end * 1000).toISOString(),
        place: s.place || null }] };
    const r = await fetch("/declarations", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const j = await r.json();
    $("status").textContent = r.ok ? i18next.t("declared", { receipt: j.receipt_id }) : String(j.detail || r.status);
  }

  function translate() {
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = i18next.t(el.dataset.i18n);
  }

  async function start() {
    const res = await fetch(`/static/i18n/${lang}/selfcheck.json`).then((r) => r.json());
    await i18next.init({ lng: lang, fallbackLng: "en", ns: ["selfcheck"], defaultNS: "selfcheck",
      resources: { [lang]: { selfcheck: res } } });
    translate();
    const info = await fetch("/risk-areas/rules").then((r) => r.json());
    $("date").value = info.last_day || new Date().toISOString().slice(0, 10);
    $("rules").textContent = info.rules.title;
    $("add").onsubmit = addStop;
    $("file").onchange = importFile;
    $("check").onclick = () => check().catch((e) => { $("status").textContent = String(e); });
    $("declare").onsubmit = declare;
    renderStops();
    document.body.dataset.ready = "true";
  }
  start();
})();
