// The symptom report on the resident's page: symptoms of the triage rule set, temperature, onset, where the person is
// (their location, a tap on the map, or a district; a point is kept only as its H3 cell), answered at once with the
// advice in the page's language and, where it says go now, the nearest clinic with free slots, shown on the map.
// Anonymous: nothing identifying is asked. Data from GET /symptom-reports/form, answers from POST /symptom-reports.
import { ApiError, getJSON } from "../api.js";
import { currentLang, esc, t } from "../i18n.js";
import { fitVisible, labelledMarker, toLatLng } from "../map.js";

async function postJSON(url, body) {
  let response;
  try {
    response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body) });
  } catch (err) {
    throw new ApiError("network", 0, String(err));
  }
  let data = null;
  try { data = await response.json(); } catch (err) { data = null; }
  if (!response.ok) {
    const d = data && data.detail;
    const detail = Array.isArray(d) ? d.map((x) => x.msg).join("; ") : (typeof d === "string" ? d : response.statusText);
    throw new ApiError(response.status >= 500 ? "server" : "request", response.status, detail);
  }
  return data;
}

const today = () => {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
};

export default {
  id: "symptoms",
  ns: "symptoms",
  label: "symptoms:nav",
  state: { form: null, point: null, how: null, answer: null, error: null, loadError: null, noLocation: false },

  async mount(ctx, el) {
    this.ctx = ctx;
    this.el = el;
    this.layer = L.layerGroup();
    ctx.map.on("click", (e) => { if (this.active) this.setPoint([e.latlng.lng, e.latlng.lat], "tap"); });
    el.addEventListener("submit", (e) => { if (e.target.id === "sym-form") this.submit(e); });
    el.addEventListener("click", (e) => {
      if (e.target.closest("#sym-locate")) this.locate();
      if (e.target.closest("button.retry")) this.load();
    });
    el.addEventListener("change", (e) => { if (e.target.id === "sym-district" && e.target.value) this.clearPoint(); });
    this.render();
  },

  show() {
    this.active = true;
    this.layer.addTo(this.ctx.map);
    if (!this.state.form && !this.loading) this.load();
  },
  hide() { this.active = false; this.layer.remove(); },
  onLanguage() { this.render(); },

  async load() {
    this.loading = true;
    this.state.loadError = null;
    try {
      this.state.form = (await getJSON("/symptom-reports/form")).data;
    } catch (err) {
      this.state.loadError = err;
    } finally {
      this.loading = false;
      this.render();
      this.el.dataset.ready = this.state.form ? "1" : "error";
    }
  },

  /** What the visitor has entered so far (kept across re-renders and language switches). */
  values() {
    const q = (sel) => this.el.querySelector(sel);
    if (!q("#sym-form")) return null;
    return {
      symptoms: new Set([...this.el.querySelectorAll("#sym-list input:checked")].map((i) => i.value)),
      temperature: q("#sym-temperature").value,
      onset: q("#sym-onset").value,
      district: q("#sym-district").value,
    };
  },

  setPoint(lonlat, how) {
    this.state.point = lonlat;
    const select = this.el.querySelector("#sym-district");
    if (select) select.value = "";
    this.layer.clearLayers();
    labelledMarker(lonlat, { label: t("symptoms:here"), html: "<span>●</span>", className: "sym-point" }).addTo(this.layer);
    this.state.how = how;
    this.state.noLocation = false;
    this.showLocated();
  },

  locatedText() {
    const s = this.state;
    if (s.point) {
      return t(s.how === "tap" ? "symptoms:tapped" : "symptoms:located", { lon: s.point[0].toFixed(4), lat: s.point[1].toFixed(4) });
    }
    return s.noLocation ? t("symptoms:no_location") : "";
  },

  showLocated() {
    const out = this.el.querySelector("#sym-located");
    if (out) out.textContent = this.locatedText();
  },

  clearPoint() {
    this.state.point = null;
    this.state.noLocation = false;
    this.layer.clearLayers();
    this.showLocated();
  },

  locate() {
    const fail = () => { this.state.noLocation = true; this.showLocated(); };
    if (!navigator.geolocation) { fail(); return; }
    navigator.geolocation.getCurrentPosition((pos) => this.setPoint([pos.coords.longitude, pos.coords.latitude], "gps"),
      fail, { timeout: 15000 });
  },

  async submit(event) {
    event.preventDefault();
    const v = this.values();
    const body = { symptoms: [...v.symptoms], onset: v.onset, lang: currentLang() };
    if (v.temperature !== "") body.temperature_c = Number(v.temperature);
    if (v.district) body.district = v.district;
    else if (this.state.point) [body.lon, body.lat] = this.state.point;
    this.state.error = null;
    try {
      this.state.answer = { ...(await postJSON("/symptom-reports", body)), lang: currentLang() };
    } catch (err) {
      this.state.answer = null;
      this.state.error = err;
    }
    this.render(v);
    const clinic = this.state.answer && this.state.answer.clinic;
    if (clinic && Array.isArray(clinic.location)) {
      labelledMarker(clinic.location, { label: clinic.name, html: "<span>+</span>", className: "sym-clinic" })
        .addTo(this.layer);
      const points = [toLatLng(clinic.location), ...(this.state.point ? [toLatLng(this.state.point)] : [])];
      fitVisible(this.ctx.map, L.latLngBounds(points), 40, 15);
    }
    const focus = this.el.querySelector(this.state.error ? "#sym-error" : "#sym-answer");
    if (focus) focus.focus();
  },

  answerHtml() {
    const a = this.state.answer;
    if (!a) return "";
    let clinic = "";
    if (a.go_to_clinic && a.clinic) {
      const c = a.clinic;
      const slots = c.stale || c.slots === null ? t("symptoms:slots_unknown") : t("symptoms:slots", { count: c.slots });
      const phone = c.tel ? ` · <a class="tel" href="${esc(c.tel)}">${esc((c.phones_display || [])[0] || c.tel)}</a>` : "";
      clinic = `<h4>${esc(t("symptoms:nearest"))}</h4><p id="sym-clinic"><strong>${esc(c.name)}</strong><br>` +
        `${esc(c.address || "")}<br>${esc(t("symptoms:eta", { minutes: Math.round(c.eta_min) }))} · ${esc(slots)}${phone}</p>`;
    } else if (a.go_to_clinic) {
      clinic = `<p>${esc(t("symptoms:no_clinic"))}</p>`;
    }
    if (a.go_to_clinic) clinic += `<p><a class="more-link" href="#nearby">${esc(t("symptoms:map_link"))}</a></p>`;
    const call = a.call ? `<p><a class="call tel" href="tel:${esc(a.call)}">${esc(t("symptoms:call", { number: a.call }))}</a></p>` : "";
    const sources = a.sources.map((s) =>
      `<li>${s.url ? `<a href="${esc(s.url)}" rel="noreferrer">${esc(s.title)}</a>` : esc(s.title)}</li>`).join("");
    return `<section id="sym-answer" class="sym-answer" tabindex="-1" aria-labelledby="sym-advice-title">` +
      `<h3 id="sym-advice-title">${esc(t("symptoms:advice"))}</h3>` +
      `<p id="sym-advice-text" lang="${esc(a.lang)}">${esc(a.text)}</p>${call}${clinic}` +
      `<details><summary>${esc(t("symptoms:sources"))}</summary><ul>${sources}</ul></details></section>`;
  },

  render(keep) {
    const s = this.state;
    const head = `<h2 class="view-title">${esc(t("symptoms:view_title"))}</h2><p class="muted">${esc(t("symptoms:intro"))}</p>`;
    if (s.loadError) {
      this.el.innerHTML = head + `<p class="error">${esc(t("app:errors.network"))}</p>` +
        `<button type="button" class="retry">${esc(t("app:retry"))}</button>`;
      return;
    }
    if (!s.form) {
      this.el.innerHTML = head + `<p class="muted" role="status">${esc(t("app:loading"))}</p>`;
      return;
    }
    const v = keep || this.values() || { symptoms: new Set(), temperature: "", onset: today(), district: "" };
    const lang = currentLang();
    const checks = Object.entries(s.form.symptoms).map(([key, label]) =>
      `<label class="check"><input type="checkbox" name="symptom" value="${esc(key)}"${v.symptoms.has(key) ? " checked" : ""}> ` +
      `${esc(label[lang] || label.en || key)}</label>`).join("");
    const districts = s.form.districts.map((d) => `<option${d === v.district ? " selected" : ""}>${esc(d)}</option>`).join("");
    const error = s.error ? esc(t("symptoms:error", { detail: s.error.status ? s.error.detail : t("app:errors.network") })) : "";
    this.el.innerHTML = head +
      `<form id="sym-form" class="sym-form" novalidate>` +
      `<fieldset><legend>${esc(t("symptoms:symptoms"))}</legend><div id="sym-list" class="sym-list">${checks}</div></fieldset>` +
      `<label class="field"><span>${esc(t("symptoms:temperature"))}</span>` +
      `<input id="sym-temperature" type="number" step="0.1" min="34" max="43" inputmode="decimal" value="${esc(v.temperature)}"></label>` +
      `<label class="field"><span>${esc(t("symptoms:onset"))}</span>` +
      `<input id="sym-onset" type="date" required max="${today()}" value="${esc(v.onset)}"></label>` +
      `<fieldset><legend>${esc(t("symptoms:place"))}</legend>` +
      `<button type="button" id="sym-locate" class="retry">${esc(t("symptoms:use_location"))}</button>` +
      `<p class="muted">${esc(t("symptoms:map_hint"))}</p>` +
      `<label class="field"><span>${esc(t("symptoms:or_district"))}</span> <select id="sym-district">` +
      `<option value="">${esc(t("symptoms:choose"))}</option>${districts}</select></label>` +
      `<p id="sym-located" class="muted" aria-live="polite">${esc(this.locatedText())}</p></fieldset>` +
      `<button type="submit" id="sym-submit" class="primary">${esc(t("symptoms:submit"))}</button></form>` +
      `<p id="sym-error" class="error" role="alert" tabindex="-1">${error}</p>` +
      `<div aria-live="polite">${this.answerHtml()}</div>`;
  },
};
