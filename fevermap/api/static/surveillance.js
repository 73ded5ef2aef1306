// fevermap investigators' view: areas on the map coloured by their latest level (H3 cells as hexagons, districts as
// circles at the mean of their geocoded addresses), and per area a small Chart.js time series with the warning and
// alert days marked. GeoJSON is [lon, lat]; Leaflet takes [lat, lon]: the flip is L.geoJSON's own.
"use strict";

const COLOURS = { alert: "#c62828", warning: "#ef6c00", none: "#2e7d32" };
const state = { map: null, layer: null, charts: [] };
const RANK = { alert: 0, warning: 1, none: 2 };

function esc(text) {
  const div = document.createElement("div");
  div.textContent = text === null || text === undefined ? "" : String(text);
  return div.innerHTML;
}

async function getJSON(url) {
  const key = document.getElementById("key").value;
  const response = await fetch(url, { headers: key ? { "X-API-Key": key } : {} });
  const body = await response.json();
  if (!response.ok) throw new Error(body.detail || response.statusText);
  return body;
}

async function setLanguage(code) {
  if (!i18next.hasResourceBundle(code, "surveillance")) {
    const res = await fetch(`/static/i18n/${code}/surveillance.json`);
    i18next.addResourceBundle(code, "surveillance", await res.json());
  }
  await i18next.changeLanguage(code);
  document.documentElement.lang = code;
  document.title = i18next.t("title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = i18next.t(el.dataset.i18n);
}

function drawMap(areas) {
  if (state.layer) state.layer.remove();
  const features = areas.filter((a) => a.geometry).map((a) => ({ type: "Feature", geometry: a.geometry, properties: a }));
  state.layer = L.geoJSON({ type: "FeatureCollection", features }, {
    style: (f) => ({ color: COLOURS[f.properties.level], weight: 2, fillOpacity: 0.35 }),
    pointToLayer: (f, latlng) => L.circleMarker(latlng, {
      radius: 11, color: COLOURS[f.properties.level], fillColor: COLOURS[f.properties.level], fillOpacity: 0.6,
    }),
    onEachFeature: (f, layer) => layer.bindTooltip(
      `${esc(f.properties.area)}: ${esc(i18next.t(`level_${f.properties.level}`))} (${esc(f.properties.date)})`),
  }).addTo(state.map);
  if (features.length) state.map.fitBounds(state.layer.getBounds().pad(0.2));
}

function chart(canvas, days) {
  const pointColour = days.map((d) => (d.level === "none" ? "rgba(0,0,0,0)" : COLOURS[d.level]));
  return new Chart(canvas, {
    type: "line",
    data: {
      labels: days.map((d) => d.date.slice(5)),
      datasets: [
        { label: i18next.t("observed"), data: days.map((d) => d.observed), borderColor: "#1565c0", borderWidth: 1.5,
          pointRadius: days.map((d) => (d.level === "none" ? 0 : 4)), pointBackgroundColor: pointColour,
          pointBorderColor: pointColour },
        { label: i18next.t("expected"), data: days.map((d) => d.expected), borderColor: "#9e9e9e", borderDash: [4, 3],
          borderWidth: 1, pointRadius: 0 },
      ],
    },
    options: { animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { legend: { display: false } }, scales: { x: { ticks: { maxTicksLimit: 6 } } } },
  });
}

async function load() {
  const error = document.getElementById("error");
  error.textContent = "";
  const series = document.getElementById("series").value;
  const params = new URLSearchParams({ series });
  for (const id of ["from", "to"]) { const v = document.getElementById(id).value; if (v) params.set(id, v); }
  try {
    const answer = await getJSON(`/surveillance/alerts?${params}`);
    const areas = answer.areas.filter((a) => a.series === series)
      .sort((a, b) => RANK[a.level] - RANK[b.level] || a.area.localeCompare(b.area));
    drawMap(areas);
    for (const c of state.charts) c.destroy();
    state.charts = [];
    const list = document.getElementById("area-list");
    list.innerHTML = areas.length ? "" : `<p class="muted">${esc(i18next.t("nothing"))}</p>`;
    for (const a of areas.slice(0, 40)) {
      const flagged = answer.alerts.filter((x) => x.area === a.area).length;
      const div = document.createElement("div");
      div.className = "area";
      div.dataset.area = a.area;
      div.innerHTML = `<strong>${esc(a.area)}</strong> <span class="lvl-${esc(a.level)}">` +
        `${esc(i18next.t(`level_${a.level}`))}</span> <span class="muted">${esc(i18next.t("alerts", { count: flagged }))}` +
        `${a.geometry ? "" : " " + esc(i18next.t("no_geometry"))}</span><canvas></canvas>`;
      list.appendChild(div);
      const days = (await getJSON(`/surveillance/series?${new URLSearchParams({ area: a.area })}`)).series[series] || [];
      const from = document.getElementById("from").value, to = document.getElementById("to").value;
      state.charts.push(chart(div.querySelector("canvas"),
        days.filter((d) => (!from || d.date >= from) && (!to || d.date <= to))));
    }
    document.body.dataset.ready = "1";
  } catch (err) {
    error.textContent = i18next.t("error", { detail: err.message });
  }
}

async function start() {
  await i18next.init({ lng: "en", fallbackLng: "en", ns: ["surveillance"], defaultNS: "surveillance", resources: {} });
  const params = new URLSearchParams(location.search);
  const lang = document.getElementById("lang");
  lang.value = params.get("lang") || ((navigator.language || "").toLowerCase().startsWith("zh") ? "zh-Hans" : "en");
  lang.addEventListener("change", () => setLanguage(lang.value));
  await setLanguage(lang.value);
  document.getElementById("key").value = sessionStorage.getItem("fevermap-key") || "";
  document.getElementById("key").addEventListener("change", (e) => sessionStorage.setItem("fevermap-key", e.target.value));
  for (const id of ["series", "from", "to"]) if (params.get(id)) document.getElementById(id).value = params.get(id);
  state.map = L.map("map", { preferCanvas: false });
  const config = await (await fetch("/map/config")).json();
  const [x0, y0, x1, y1] = config.bbox;
  state.map.fitBounds([[y0, x0], [y1, x1]]);
  state.map.attributionControl.addAttribution(config.attribution);
  const roads = await (await fetch("/map/roads.geojson")).json();
  L.geoJSON(roads, { style: { color: "#b8ae9f", weight: 1, opacity: 0.7 }, interactive: false, renderer: L.canvas() })
    .addTo(state.map);
  document.getElementById("load").addEventListener("click", load);
  if (document.getElementById("key").value) await load();
  document.body.dataset.started = "1";
}

start();
