// fevermap planner: H3 coverage cells coloured by driving time to the nearest clinic meeting the filters, the gaps
// outlined, and "what if": a click places a candidate clinic and shows the gap weight it would remove.
// Talks only to the fevermap server; strings come from static/i18n/<lang>/planner.json (i18next).
"use strict";

const planner = { map: null, cells: null, gaps: null, marker: null, clinics: null, summary: null };

function lang() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked) return asked.startsWith("zh") ? "zh-Hans" : "en";
  return (navigator.language || "en").toLowerCase().startsWith("zh") ? "zh-Hans" : "en";
}

async function getJSON(url) {
  const r = await fetch(url);
  const body = await r.json();
  if (!r.ok) throw new Error(body.detail || body.message || r.statusText);
  return body;
}

function t(key, opts) { return i18next.t(key, opts); }

function translatePage() {
  document.documentElement.lang = i18next.language;
  document.title = "fevermap: " + t("title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
}

// time (min) -> colour: green within a third of the threshold, through yellow, to dark red beyond it
function colour(minutes, threshold) {
  if (minutes === null) return "#555";
  const x = Math.min(minutes / threshold, 1.5);
  const stops = [[0, [26, 152, 80]], [0.5, [145, 207, 96]], [0.85, [254, 224, 139]], [1, [252, 141, 89]],
                 [1.5, [165, 0, 38]]];
  for (let i = 1; i < stops.length; i++) {
    if (x <= stops[i][0]) {
      const [a, ca] = stops[i - 1], [b, cb] = stops[i];
      const f = (x - a) / (b - a);
      return "rgb(" + ca.map((c, k) => Math.round(c + f * (cb[k] - c))).join(",") + ")";
    }
  }
  return "rgb(165,0,38)";
}

function params(extra) {
  const q = new URLSearchParams({ minutes: document.getElementById("minutes").value });
  for (const id of ["with-slots", "open-now", "night", "strict"]) {
    if (document.getElementById(id).checked) q.set(id.replace("-", "_"), "true");
  }
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  return q;
}

function renderSummary(s) {
  const dl = document.getElementById("summary");
  const rows = [
    [t("cells"), s.cells], [t("clinics"), s.clinics], [t("gap_cells"), s.gap_cells],
    [t("total_weight"), s.total_weight], [t("gap_weight", { minutes: s.minutes }), s.gap_weight],
  ];
  dl.replaceChildren(...rows.flatMap(([k, v]) => {
    const dt = document.createElement("dt"); dt.textContent = k;
    const dd = document.createElement("dd"); dd.textContent = String(v);
    return [dt, dd];
  }));
  const kind = document.createElement("dt");
  kind.textContent = t("weight_" + s.weight_kind);
  kind.style.gridColumn = "1 / 3";
  dl.appendChild(kind);
  const legend = document.getElementById("legend");
  const items = [[colour(0, 1), t("legend_within", { minutes: s.minutes })], [colour(1.3, 1), t("legend_gap")],
                 [colour(null, 1), t("legend_none")]];
  legend.replaceChildren(...items.map(([c, label]) => {
    const span = document.createElement("span");
    const i = document.createElement("i"); i.style.background = c;
    span.append(i, label);
    return span;
  }));
}

async function loadCoverage() {
  document.getElementById("candidate").textContent = t("loading");
  try {
    const body = await getJSON("/coverage?" + params().toString());
    planner.summary = body.summary;
    const threshold = body.summary.minutes;
    if (planner.cells) planner.cells.remove();
    if (planner.gaps) planner.gaps.remove();
    planner.cells = L.geoJSON(body, {
      style: (f) => ({ color: f.properties.gap ? "#c00" : "#fff", weight: f.properties.gap ? 0.8 : 0.3,
                       fillColor: colour(f.properties.minutes, threshold), fillOpacity: 0.55 }),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        layer.bindTooltip(p.minutes === null ? t("cell_tip_none", { weight: p.weight })
          : t("cell_tip", { minutes: p.minutes, clinic: p.clinic_name, weight: p.weight }));
        // a click on a cell bubbles up to the map's click handler: one what-if per click, not two racing ones
      },
    }).addTo(planner.map);
    planner.gaps = L.geoJSON(body.gaps, { style: { color: "#c00", weight: 2.5, fill: false }, interactive: false })
      .addTo(planner.map);
    renderSummary(body.summary);
    document.getElementById("candidate").textContent = t("click_hint");
    document.body.dataset.state = "ready";
  } catch (err) {
    document.getElementById("candidate").textContent = t("error", { message: err.message });
    document.body.dataset.state = "error";
  }
}

async function timeToCare(at) {
  const list = document.getElementById("care");
  try {
    const q = new URLSearchParams({ at, limit: "3", rank: "time_to_care" });
    for (const id of ["with-slots", "open-now", "night"]) {
      if (document.getElementById(id).checked) q.set(id.replace("-", "_"), "true");
    }
    const body = await getJSON("/clinics/nearest?" + q.toString());
    list.replaceChildren(...body.clinics.map((c) => {
      const li = document.createElement("li");
      li.className = "care-row";
      li.dataset.id = c.id;
      li.textContent = t("care_row", {
        name: c.name, drive: c.eta_min,
        wait: c.wait_min === null ? t("wait_unknown") : t("wait_min", { minutes: c.wait_min }),
        total: c.time_to_care_min === null ? t("total_unknown") : t("total_min", { minutes: c.time_to_care_min }),
      });
      return li;
    }));
  } catch (err) {
    list.replaceChildren(Object.assign(document.createElement("li"), { textContent: t("error", { message: err.message }) }));
  }
}

async function whatIf(latlng) {
  const at = latlng.lng.toFixed(6) + "," + latlng.lat.toFixed(6);
  const care = timeToCare(at);
  if (planner.marker) planner.marker.remove();
  planner.marker = L.circleMarker(latlng, { radius: 8, color: "#06c", weight: 3, fillOpacity: 0.8 })
    .addTo(planner.map);
  const out = document.getElementById("candidate");
  out.textContent = t("loading");
  document.body.dataset.state = "busy";
  try {
    const body = await getJSON("/coverage?" + params({ candidate: at }).toString());
    const c = body.summary.candidate;
    const gapWeight = body.summary.gap_weight;
    const share = gapWeight > 0 ? (100 * c.gap_weight_removed / gapWeight).toFixed(1) : "0";
    out.textContent = t("candidate_result", { cells: c.cells_covered, minutes: body.summary.minutes,
                                              weight: c.gap_weight_removed, share });
    out.classList.remove("muted");
    await care;
    document.body.dataset.state = "candidate";
  } catch (err) {
    out.textContent = t("error", { message: err.message });
    await care;
    document.body.dataset.state = "error";
  }
}

async function start() {
  const lng = lang();
  const strings = await getJSON("/static/i18n/" + lng + "/planner.json");
  await i18next.init({ lng, fallbackLng: "en", resources: { [lng]: { planner: strings } }, ns: ["planner"],
                       defaultNS: "planner", interpolation: { escapeValue: false } });
  translatePage();
  const config = await getJSON("/map/config");
  document.getElementById("region").textContent = config.region;
  const b = config.bbox;
  planner.map = L.map("map").fitBounds([[b[1], b[0]], [b[3], b[2]]]);
  planner.map.attributionControl.addAttribution(t("attribution"));
  const roads = await getJSON("/map/roads.geojson");
  L.geoJSON(roads, { style: { color: "#999", weight: 1 }, interactive: false }).addTo(planner.map);
  const clinics = await getJSON("/clinics.geojson");
  planner.clinics = L.geoJSON(clinics, {
    pointToLayer: (f, ll) => L.circleMarker(ll, { radius: 5, color: "#000", weight: 1, fillColor: "#fff",
                                                  fillOpacity: 1 }).bindTooltip(f.properties.name),
  }).addTo(planner.map);
  planner.map.on("click", (e) => whatIf(e.latlng));
  document.getElementById("refresh").addEventListener("click", loadCoverage);
  await loadCoverage();
  planner.clinics.bringToFront();
}

start();
