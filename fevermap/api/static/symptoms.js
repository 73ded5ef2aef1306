// fevermap symptom report: symptoms of the triage rule set, temperature, onset, a point (kept only as its H3 cell) or
// a district; the answer is the advice in the chosen language and, where it says go now, the nearest clinic with
// free slots. Strings come from static/i18n/<lang>/symptoms.json through i18next.
"use strict";

const state = { form: null, point: null };

function esc(text) {
  const div = document.createElement("div");
  div.textContent = text === null || text === undefined ? "" : String(text);
  return div.innerHTML;
}

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json();
  if (!response.ok) {
    const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
    throw new Error(detail || response.statusText);
  }
  return body;
}

function lang() { return document.getElementById("lang").value; }

async function setLanguage(code) {
  if (!i18next.hasResourceBundle(code, "symptoms")) {
    i18next.addResourceBundle(code, "symptoms", await getJSON(`/static/i18n/${code}/symptoms.json`));
  }
  await i18next.changeLanguage(code);
  document.documentElement.lang = code;
  document.title = i18next.t("title");
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = i18next.t(el.dataset.i18n);
  renderForm();
}

function renderForm() {
  if (!state.form) return;
  const checked = new Set([...document.querySelectorAll("#symptom-list input:checked")].map((i) => i.value));
  document.getElementById("symptom-list").innerHTML = Object.entries(state.form.symptoms).map(([key, label]) =>
    `<label class="check"><input type="checkbox" value="${esc(key)}"${checked.has(key) ? " checked" : ""}> ` +
    `${esc(label[lang()] || key)}</label>`).join("");
  const select = document.getElementById("district");
  const chosen = select.value;
  select.innerHTML = `<option value="">${esc(i18next.t("choose"))}</option>` +
    state.form.districts.map((d) => `<option${d === chosen ? " selected" : ""}>${esc(d)}</option>`).join("");
}

function locate() {
  const out = document.getElementById("located");
  if (!navigator.geolocation) { out.textContent = i18next.t("no_location"); return; }
  navigator.geolocation.getCurrentPosition((pos) => {
    state.point = [pos.coords.longitude, pos.coords.latitude];
    document.getElementById("district").value = "";
    out.textContent = i18next.t("located", { lon: state.point[0].toFixed(4), lat: state.point[1].toFixed(4) });
  }, () => { out.textContent = i18next.t("no_location"); });
}

function showAnswer(a) {
  document.getElementById("advice-text").textContent = a.text;
  document.getElementById("advice-call").innerHTML = a.call
    ? `<a class="tel" href="tel:${esc(a.call)}">${esc(i18next.t("call", { number: a.call }))}</a>` : "";
  let clinic = "";
  if (a.go_to_clinic && a.clinic) {
    const c = a.clinic;
    const slots = c.stale || c.slots === null ? i18next.t("slots_unknown") : i18next.t("slots", { count: c.slots });
    const phone = c.tel ? ` · <a class="tel" href="${esc(c.tel)}">${esc((c.phones_display || [])[0] || c.tel)}</a>` : "";
    clinic = `<h3>${esc(i18next.t("nearest"))}</h3><p id="clinic-name"><strong>${esc(c.name)}</strong><br>` +
      `${esc(c.address || "")}<br>${esc(i18next.t("eta", { minutes: Math.round(c.eta_min) }))} · ${esc(slots)}${phone}</p>`;
  } else if (a.go_to_clinic) {
    clinic = `<p>${esc(i18next.t("no_clinic"))}</p>`;
  }
  if (a.go_to_clinic) clinic += `<p><a href="/">${esc(i18next.t("map_link"))}</a></p>`;
  document.getElementById("advice-clinic").innerHTML = clinic;
  document.getElementById("advice-sources").innerHTML = a.sources.map((s) =>
    `<li>${s.url ? `<a href="${esc(s.url)}" rel="noreferrer">${esc(s.title)}</a>` : esc(s.title)}</li>`).join("");
  document.getElementById("answer").hidden = false;
}

async function submit(event) {
  event.preventDefault();
  const error = document.getElementById("error");
  error.textContent = "";
  const body = {
    symptoms: [...document.querySelectorAll("#symptom-list input:checked")].map((i) => i.value),
    onset: document.getElementById("onset").value,
    lang: lang(),
  };
  const temp = document.getElementById("temperature").value;
  if (temp !== "") body.temperature_c = Number(temp);
  const district = document.getElementById("district").value;
  if (district) body.district = district;
  else if (state.point) [body.lon, body.lat] = state.point;
  try {
    showAnswer(await getJSON("/symptom-reports", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    }));
  } catch (err) {
    document.getElementById("answer").hidden = true;
    error.textContent = i18next.t("error", { detail: err.message });
  }
}

async function start() {
  await i18next.init({ lng: "en", fallbackLng: "en", ns: ["symptoms"], defaultNS: "symptoms", resources: {} });
  state.form = await getJSON("/symptom-reports/form");
  const preferred = (navigator.language || "").toLowerCase().startsWith("zh") ? "zh-Hans" : "en";
  const langSelect = document.getElementById("lang");
  langSelect.value = new URLSearchParams(location.search).get("lang") || preferred;
  langSelect.addEventListener("change", () => setLanguage(lang()));
  document.getElementById("onset").value = new Date().toISOString().slice(0, 10);
  document.getElementById("locate").addEventListener("click", locate);
  document.getElementById("district").addEventListener("change", (e) => { if (e.target.value) state.point = null; });
  document.getElementById("report").addEventListener("submit", submit);
  await setLanguage(lang());
  document.body.dataset.ready = "1";
}

start();
