// The clinic finder view: "use my location" (or a tap on the map), the nearest available clinics by driving time,
// cards with phones first when the locator says call first, the in-page route with its steps when the server gives
// them, and the last list kept for offline use.
import { getJSON, loadLast, online, saveLast } from "../api.js";
import { cardHtml, phoneLinks, slotLevel, slotText } from "../cards.js";
import { clock, currentLang, esc, t } from "../i18n.js";
import { fitVisible, labelledMarker, toLatLng } from "../map.js";

const FILTERS = [["night", "night"], ["open_now", "open_now"], ["with_slots", "with_slots"]];

export default {
  id: "nearby",
  ns: "app",
  label: "app:nav_nearby",
  state: { origin: null, answer: null, offlineAt: null, lastAt: null, message: null, error: null, busy: false,
    filters: { night: false, open_now: false, with_slots: true }, rank: "time_to_care", retry: null },

  async mount(ctx, el) {
    this.ctx = ctx;
    this.el = el;
    this.layer = L.layerGroup();
    this.overlay = L.layerGroup();
    el.addEventListener("click", (e) => this.onClick(e));
    el.addEventListener("change", (e) => {
      if (e.target.name in this.state.filters) {
        this.state.filters[e.target.name] = e.target.checked;
        if (this.state.origin) this.query(this.state.origin);
      } else if (e.target.name === "rank") {
        this.state.rank = e.target.value;
        if (this.state.origin) this.query(this.state.origin);
      }
    });
    ctx.map.on("click", (e) => { if (this.active) this.query([e.latlng.lng, e.latlng.lat]); });
    await this.loadMarkers();
    const last = loadLast();
    if (last && last.answer) {
      this.state.answer = last.answer;
      this.state.origin = last.origin;
      this.state.lastAt = last.savedAt;
      this.state.offlineAt = (await online()) ? null : last.savedAt;
      this.drawAnswer(false);
    }
    this.render();
  },

  show() { this.active = true; this.layer.addTo(this.ctx.map); this.overlay.addTo(this.ctx.map); },
  hide() { this.active = false; this.layer.remove(); this.overlay.remove(); },

  async loadMarkers() {
    let fc;
    try { fc = (await getJSON("/clinics.geojson")).data; } catch (err) { return; }
    this.geo = fc;
    this.drawMarkers();
  },

  drawMarkers() {
    if (!this.geo) return;
    this.layer.clearLayers();
    for (const f of this.geo.features) {
      const c = f.properties;
      const level = slotLevel(c);
      const label = `${c.name}: ${slotText(c)}${c.night_emergency ? `, ${t("app:night")}` : ""}`;
      const html = `<span class="dot slots-${level}"></span>${c.night_emergency ? "<span class='moon'>☾</span>" : ""}`;
      labelledMarker(f.geometry.coordinates, { label, html, className: "clinic-marker" })
        .bindPopup(`<strong>${esc(c.name)}</strong><br>${esc(slotText(c))}<br>${phoneLinks(c)}`)
        .addTo(this.layer);
    }
  },

  locate() {
    if (!("geolocation" in navigator)) { this.setMessage("app:geo.unavailable"); return; }
    this.setMessage("app:geo.locating", false);
    navigator.geolocation.getCurrentPosition(
      (pos) => this.query([pos.coords.longitude, pos.coords.latitude], { fromDevice: true }),
      (err) => this.setMessage(err.code === 1 ? "app:geo.denied" : err.code === 3 ? "app:geo.timeout" : "app:geo.unavailable"),
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
  },

  setMessage(key, isError = true) {
    this.state.message = key ? { key, isError } : null;
    this.render();
  },

  async query(origin, { fromDevice = false } = {}) {
    const [lon, lat] = origin;
    const b = this.ctx.config.bbox;
    if (lon < b[0] || lon > b[2] || lat < b[1] || lat > b[3]) {
      this.setMessage(fromDevice ? "app:geo.outside" : "app:errors.outside");
      return;
    }
    this.state.origin = origin;
    this.state.busy = true;
    this.state.error = null;
    this.state.message = null;
    this.state.retry = () => this.query(origin, { fromDevice });
    this.render();
    const params = new URLSearchParams({ at: `${lon.toFixed(6)},${lat.toFixed(6)}`, limit: "5" });
    for (const [name, param] of FILTERS) if (this.state.filters[name]) params.set(param, "true");
    params.set("rank", this.state.rank); // time to care (drive + expected wait) unless the resident picks the drive
    try {
      const { data, offline } = await getJSON(`/clinics/nearest?${params}`);
      this.state.answer = data;
      this.state.offlineAt = offline;
      this.state.lastAt = Date.now();
      if (!offline) saveLast(data, origin);
      this.ctx.sheet.set("half");
      this.drawAnswer(true);
    } catch (err) {
      this.state.error = err;
    } finally {
      this.state.busy = false;
      this.render();
    }
  },

  drawAnswer(fit) {
    this.overlay.clearLayers();
    const a = this.state.answer;
    if (!a) return;
    L.circleMarker(toLatLng(this.state.origin), { radius: 7, color: "#0d47a1", fillColor: "#1e88e5", fillOpacity: 1,
      className: "origin-marker", interactive: false }).addTo(this.overlay);
    const first = (a.clinics || [])[0];
    if (first && first.route) this.drawRoute(first.route.type ? first.route : first.route.geometry, fit);
  },

  drawRoute(geometry, fit) {
    if (this.route) this.route.remove();
    this.route = L.geoJSON(geometry, { style: { color: "#1565c0", weight: 5, opacity: 0.85, className: "route-line" },
      interactive: false }).addTo(this.overlay);
    if (fit) fitVisible(this.ctx.map, this.route.getBounds());
  },

  async showRoute(id) {
    const c = (this.state.answer.clinics || []).find((x) => x.id === id);
    const box = this.el.querySelector(`.steps[data-for="${CSS.escape(id)}"]`);
    if (!c || !box) return;
    box.innerHTML = `<p class="muted" role="status">${esc(t("app:loading"))}</p>`;
    const lang = currentLang().startsWith("zh") ? "zh" : "en";
    const o = this.state.origin;
    const params = `from=${o[0].toFixed(6)},${o[1].toFixed(6)}&to=${c.location[0]},${c.location[1]}&steps=true&lang=${lang}`;
    try {
      const { data } = await getJSON(`/route?${params}`);
      this.drawRoute(data.geometry, true);
      const steps = data.steps || (data.legs && data.legs[0] && data.legs[0].steps) || [];
      const items = steps.map((s) => {
        const text = s.instruction || s.text || (s.maneuver && s.maneuver.instruction) || s.name || "";
        const d = s.distance_m ?? s.distance;
        return `<li>${esc(text)}${d ? ` <span class="muted">${esc(t("app:step_distance", { m: Math.round(d) }))}</span>` : ""}</li>`;
      }).join("");
      box.innerHTML = items ? `<h4>${esc(t("app:directions"))}</h4><ol class="step-list">${items}</ol>` : "";
    } catch (err) {
      box.innerHTML = `<p class="error">${esc(t("app:errors.route"))} ` +
        `<button type="button" class="route-btn" data-id="${esc(id)}">${esc(t("app:retry"))}</button></p>`;
    }
  },

  onClick(e) {
    const target = e.target.closest("button");
    if (!target) return;
    if (target.id === "locate") this.locate();
    else if (target.classList.contains("retry")) { if (this.state.retry) this.state.retry(); }
    else if (target.classList.contains("route-btn")) this.showRoute(target.dataset.id);
  },

  errorText(err) {
    if (err.message === "network") return t("app:errors.network");
    if (err.status === 400 || err.status === 422) {
      if (/outside|bbox|region/i.test(err.detail || "")) return t("app:errors.outside");
      if (/road/i.test(err.detail || "")) return t("app:errors.no_road");
    }
    if (err.status === 404) return t("app:errors.no_route");
    return t("app:errors.server");
  },

  render() {
    const s = this.state;
    const f = s.filters;
    const check = (name) => `<label class="check"><input type="checkbox" name="${name}"${f[name] ? " checked" : ""}> ` +
      `${esc(t(`app:filter.${name}`))}</label>`;
    let status = "";
    if (s.message) status = `<p class="${s.message.isError ? "error" : "muted"}">${esc(t(s.message.key))}</p>`;
    if (s.busy) status = `<p class="muted">${esc(t("app:loading"))}</p>`;
    if (s.error) {
      status = `<p class="error">${esc(this.errorText(s.error))}</p>` +
        `<button type="button" class="retry">${esc(t("app:retry"))}</button>`;
    }
    let list = `<p class="muted">${esc(t("app:start_hint"))}</p>`;
    const a = s.answer;
    if (a) {
      const banner = s.offlineAt
        ? `<p class="offline-banner" role="status">${esc(t("app:offline_as_of", { time: clock(s.offlineAt === true ? s.lastAt : s.offlineAt) }))}</p>`
        : `<p class="muted as-of">${esc(t("app:as_of", { time: clock(s.lastAt || Date.now()) }))}</p>`;
      const cards = (a.clinics || []).map((c) => `<li>${cardHtml(c, this.ctx.clinicInfo(c.id), { offline: !!s.offlineAt })}</li>`).join("");
      list = banner + (cards ? `<ol class="cards" aria-label="${esc(t("app:results_label"))}">${cards}</ol>`
        : `<p class="muted">${esc(t("app:no_match"))}</p>`);
    }
    this.el.innerHTML =
      `<h2 class="view-title">${esc(t("app:title"))}</h2>` +
      `<div class="toolbar"><button type="button" id="locate" class="primary">` +
      `${esc(t("app:locate"))}</button><p class="hint">${esc(t("app:tap_hint"))}</p></div>` +
      `<fieldset class="filters"><legend>${esc(t("app:filter.legend"))}</legend>` +
      `${check("with_slots")}${check("open_now")}${check("night")}</fieldset>` +
      `<fieldset class="rank"><legend>${esc(t("app:rank.legend"))}</legend>` +
      ["time_to_care", "drive"].map((r) => `<label class="check"><input type="radio" name="rank" value="${r}"` +
        `${s.rank === r ? " checked" : ""}> ${esc(t(`app:rank.${r}`))}</label>`).join("") + "</fieldset>" +
      `<div class="status" role="status" aria-live="polite">${status}</div>` +
      `<div class="results">${list}</div>` +
      `<div class="legend" role="group" aria-label="${esc(t("app:legend.label"))}">` +
      ["ok", "few", "none", "unknown"].map((l) => `<span><i class="dot slots-${l}"></i> ${esc(t(`app:legend.${l}`))}</span>`).join("") +
      `<span><span aria-hidden="true">☾</span> ${esc(t("app:night"))}</span></div>`;
  },

  onLanguage() { this.drawMarkers(); this.render(); },
};
