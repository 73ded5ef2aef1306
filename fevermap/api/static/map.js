// fevermap web map: clinics coloured by slots, the region's own roads as background (works offline), a click asks for
// the nearest available clinics from that point and draws the fastest route. Leaflet takes [lat, lon]; the API and
// GeoJSON use [lon, lat]: the flip happens only here, in toLatLng().
"use strict";

const toLatLng = (lonlat) => [lonlat[1], lonlat[0]];
const state = { map: null, clinics: null, route: null, clickMarker: null, config: null };

function colour(c) {
  if (c.stale || c.slots === null || c.slots === undefined) return "#9e9e9e";
  if (c.slots === 0) return "#c62828";
  if (c.slots < 5) return "#f9a825";
  return "#2e7d32";
}

function ageText(iso) {
  if (!iso) return "no status reported";
  const minutes = Math.round((Date.now() - Date.parse(iso)) / 60000);
  if (minutes < 1) return "status just updated";
  if (minutes < 120) return `status ${minutes} min old`;
  return `status ${Math.round(minutes / 60)} h old`;
}

function esc(text) {
  const div = document.createElement("div");
  div.textContent = text === null || text === undefined ? "" : String(text);
  return div.innerHTML;
}

function phoneLinks(c) {
  // every published number as a tel: link (one tap dials); tel: URIs hold the E.164 form
  const shown = c.phones_display || [];
  const e164 = c.phones || [];
  const links = shown.map((text, i) => {
    const uri = e164[i] ? `tel:${e164[i]}` : (i === 0 && c.tel ? c.tel : null);
    return uri ? `<a class="tel" href="${esc(uri)}">${esc(text)}</a>` : esc(text);
  });
  if (!links.length && c.tel) links.push(`<a class="tel" href="${esc(c.tel)}">${esc(c.tel.replace("tel:", ""))}</a>`);
  return links.join(", ") || "<span class='muted'>no phone published</span>";
}

function popupHtml(c) {
  const slots = c.stale || c.slots === null || c.slots === undefined ? "unknown: call first" : `${c.slots} slots`;
  return `<strong>${esc(c.name)}</strong>${c.night_emergency ? " <span class='night-mark'>☾</span>" : ""}<br>` +
    `${esc(c.address || "")}<br>${phoneLinks(c)}<br>${esc(slots)} · ${esc(ageText(c.updated_at))}`;
}

async function getJSON(url) {
  const response = await fetch(url);
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || body.message || response.statusText);
  return body;
}

async function loadRoads() {
  const roads = await getJSON("/map/roads.geojson");
  // thousands of lines: draw them on one canvas; clinics and the route stay SVG (clickable, styleable)
  L.geoJSON(roads, { style: { color: "#9a8f80", weight: 1.2, opacity: 0.8 }, interactive: false, renderer: L.canvas() })
    .addTo(state.map);
}

async function loadClinics() {
  let fc;
  try { fc = await getJSON("/clinics.geojson"); } catch (err) { return; }
  state.clinics = L.layerGroup().addTo(state.map);
  for (const f of fc.features) {
    const c = f.properties;
    const ll = toLatLng(f.geometry.coordinates);
    L.circleMarker(ll, { radius: 8, color: "#fff", weight: 2, fillColor: colour(c), fillOpacity: 0.95, className: "clinic-marker" })
      .bindPopup(popupHtml(c)).addTo(state.clinics);
    if (c.night_emergency) {
      L.marker(ll, { icon: L.divIcon({ className: "night-mark", html: "☾", iconSize: [14, 14], iconAnchor: [-4, 16] }), interactive: false })
        .addTo(state.clinics);
    }
  }
}

function showResults(answer) {
  const list = document.getElementById("results");
  list.innerHTML = "";
  const clinics = answer.clinics || [];
  if (!clinics.length) {
    list.innerHTML = "<li class='muted'>No clinic matches these filters.</li>";
    return;
  }
  for (const c of clinics) {
    const li = document.createElement("li");
    const eta = Math.round(c.eta_s / 60);
    const callFirst = c.call_first ? `<div class="call">Call first: ${phoneLinks(c)}</div>` : "";
    const km = c.distance_m === null || c.distance_m === undefined ? "" : ` · ${(c.distance_m / 1000).toFixed(1)} km`;
    li.innerHTML = `${callFirst}<strong>${esc(c.name)}</strong> · ${eta} min${km}<br>` +
      `${c.call_first ? "" : phoneLinks(c) + "<br>"}${esc(c.stale ? "status stale" : (c.slots ?? "?") + " slots")} · ${esc(ageText(c.updated_at))}`;
    list.appendChild(li);
  }
  const first = clinics[0];
  if (state.route) state.route.remove();
  const geometry = first.route && (first.route.type ? first.route : first.route.geometry);
  if (geometry) {
    state.route = L.geoJSON(geometry, { style: { color: "#1565c0", weight: 5, opacity: 0.85, className: "route-line" } })
      .addTo(state.map);
  }
}

async function nearestFrom(latlng) {
  const params = new URLSearchParams({ at: `${latlng.lng.toFixed(6)},${latlng.lat.toFixed(6)}`, limit: "3" });
  for (const [id, name] of [["night", "night"], ["open-now", "open_now"], ["with-slots", "with_slots"]]) {
    if (document.getElementById(id).checked) params.set(name, "true");
  }
  try {
    showResults(await getJSON(`/clinics/nearest?${params}`));
  } catch (err) {
    document.getElementById("results").innerHTML = `<li class="call">${esc(err.message)}</li>`;
  }
}

async function main() {
  state.config = await getJSON("/map/config");
  const b = state.config.bbox; // [lon_min, lat_min, lon_max, lat_max]
  state.map = L.map("map").fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  state.map.attributionControl.setPrefix("");
  state.map.attributionControl.addAttribution(state.config.attribution);
  if (state.config.tile_url) L.tileLayer(state.config.tile_url, { maxZoom: 19 }).addTo(state.map);
  document.getElementById("region").textContent = state.config.region;
  await loadRoads();
  await loadClinics();
  state.map.on("click", (e) => {
    if (state.clickMarker) state.clickMarker.remove();
    const button = document.createElement("button");
    button.textContent = "nearest available from here";
    button.className = "nearest-here";
    button.onclick = () => { state.map.closePopup(); nearestFrom(e.latlng); };
    state.clickMarker = L.marker(e.latlng).addTo(state.map).bindPopup(button).openPopup();
  });
  document.body.dataset.ready = "true";
}

main().catch((err) => { console.error(err); document.body.dataset.ready = "error"; });
