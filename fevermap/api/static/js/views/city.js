// "Today in the city": new case addresses by district for one announcement day (default the newest), the change
// against the day before, ranked and on the map, and the clinics with the fewest waiting patients now. Data from
// GET /city/daily, /city/daily.geojson and /city/clinics (public aggregates, no personal data).
import { getJSON } from "../api.js";
import { ago, dayText, esc, num, t } from "../i18n.js";
import { phoneLinks } from "../cards.js";
import { fitVisible, toLatLng } from "../map.js";

export default {
  id: "city",
  ns: "city",
  label: "city:nav",
  state: { day: null, daily: null, clinics: null, error: null, offline: null },

  async mount(ctx, el) {
    this.ctx = ctx;
    this.el = el;
    this.layer = L.layerGroup();
    el.addEventListener("change", (e) => { if (e.target.id === "city-day") this.load(e.target.value); });
    el.addEventListener("click", (e) => { if (e.target.closest("button.retry")) this.load(this.state.day); });
    this.render();
  },

  show() {
    this.active = true;
    this.layer.addTo(this.ctx.map);
    if (!this.state.daily && !this.loading) this.load(null);
  },
  hide() { this.active = false; this.layer.remove(); },

  async load(day) {
    this.loading = true;
    this.state.error = null;
    const q = day ? `?date=${encodeURIComponent(day)}` : "";
    try {
      const [daily, geo, clinics] = await Promise.all([getJSON(`/city/daily${q}`), getJSON(`/city/daily.geojson${q}`),
        getJSON("/city/clinics?limit=5").catch(() => ({ data: { clinics: [] } }))]);
      this.state.daily = daily.data;
      this.state.offline = daily.offline;
      this.state.day = daily.data.day;
      this.state.clinics = clinics.data.clinics;
      this.draw(geo.data);
    } catch (err) {
      this.state.error = err;
    } finally {
      this.loading = false;
      this.render();
      document.body.dataset.cityDay = this.state.day || "";
    }
  },

  draw(fc) {
    this.layer.clearLayers();
    const max = Math.max(1, ...fc.features.map((f) => f.properties.count));
    for (const f of fc.features) {
      const p = f.properties;
      if (!p.count) continue;
      L.circleMarker(toLatLng(f.geometry.coordinates), { radius: 6 + 24 * Math.sqrt(p.count / max), color: "#8e0000",
        weight: 1, fillColor: "#d32f2f", fillOpacity: 0.45, className: "district-marker", interactive: false })
        .bindTooltip(`${p.district} ${p.count}`, { permanent: true, direction: "center", className: "district-label" })
        .addTo(this.layer);
    }
    const points = fc.features.filter((f) => f.properties.count).map((f) => toLatLng(f.geometry.coordinates));
    if (this.active && points.length) fitVisible(this.ctx.map, L.latLngBounds(points), 40, 14);
  },

  changeText(change) {
    if (change === null || change === undefined) return t("city:change.none");
    if (change > 0) return t("city:change.up", { n: num(change) });
    if (change < 0) return t("city:change.down", { n: num(-change) });
    return t("city:change.same");
  },

  render() {
    const s = this.state;
    const d = s.daily;
    let body = `<p class="muted" role="status">${esc(t("app:loading"))}</p>`;
    if (s.error) {
      body = `<p class="error">${esc(s.error.status === 404 ? t("city:no_data") : t("app:errors.network"))}</p>` +
        `<button type="button" class="retry">${esc(t("app:retry"))}</button>`;
    } else if (d) {
      const rows = d.districts.filter((x) => x.count > 0 || (x.previous || 0) > 0).map((x) =>
        `<li class="district" data-district="${esc(x.district)}" data-count="${x.count}">` +
        `<span class="d-name">${esc(x.district)}</span>` +
        `<span class="d-count">${esc(t("city:count", { count: x.count, n: num(x.count) }))}</span>` +
        `<span class="d-change change-${x.change > 0 ? "up" : x.change < 0 ? "down" : "same"}">${esc(this.changeText(x.change))}</span></li>`).join("");
      const clinics = (s.clinics || []).map((c) =>
        `<li class="calm-clinic"><strong>${esc(c.name)}</strong> <span class="queue">` +
        `${esc(t("app:queue.patients", { count: c.waiting_patients }))}` +
        `${c.waiting_minutes !== null && c.waiting_minutes !== undefined ? esc(t("app:list_sep") + t("app:queue.minutes", { count: c.waiting_minutes })) : ""}</span>` +
        `<br><span class="muted">${esc(t("app:fresh.updated", { age: ago(c.updated_at) }))}` +
        `${c.simulated ? ` · ${esc(t("app:simulated"))}` : ""}</span>${phoneLinks(c)}</li>`).join("");
      body =
        `<p class="as-of"><strong>${esc(t("city:as_of", { day: dayText(d.day) }))}</strong>` +
        `${s.offline ? ` <span class="tag">${esc(t("app:offline_tag"))}</span>` : ""}</p>` +
        `<p class="total">${esc(t("city:total", { n: num(d.total), count: d.total }))} · ${esc(this.changeText(d.previous_total === null ? null : d.total - d.previous_total))}</p>` +
        `<h3>${esc(t("city:by_district"))}</h3>` +
        `<ol class="districts">${rows || `<li class="muted">${esc(t("city:none_today"))}</li>`}</ol>` +
        `<h3>${esc(t("city:calm_clinics"))}</h3>` +
        `<ol class="calm">${clinics || `<li class="muted">${esc(t("city:no_calm"))}</li>`}</ol>` +
        `<p class="source muted">${esc(t("city:unit_note"))} ${esc(t("city:source"))}: ` +
        `${esc(t(`city:sources.${d.source_id || "none"}`, { defaultValue: d.source }))}</p>`;
    }
    const range = d ? ` min="${d.first_day}" max="${d.last_day}" value="${d.day}"` : "";
    this.el.innerHTML = `<h2 class="view-title">${esc(t("city:title"))}</h2>` +
      `<p class="date-row"><label for="city-day">${esc(t("city:pick_day"))}</label> ` +
      `<input type="date" id="city-day"${range}></p>` +
      `<div class="city-body" aria-live="polite">${body}</div>`;
  },

  onLanguage() { this.render(); },
};
