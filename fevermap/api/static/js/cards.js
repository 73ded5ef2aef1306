// One clinic card of the finder: name, drive, slots and queue in words and colour, freshness, hours, night mark,
// every phone as a tel: link, navigation links, and, when the locator says call_first, the phone and its reasons
// first. The locator decides call_first and its reasons (fevermap/clinics/locator.py); here they are only worded.
import { ago, esc, num, t } from "./i18n.js";
import { navigationLinks } from "./navigation.js";

/** ok | few | none | unknown, the same levels as the markers' colours. */
export function slotLevel(c) {
  if (c.stale || c.slots === null || c.slots === undefined) return "unknown";
  if (c.slots === 0) return "none";
  if (c.slots < 5) return "few";
  return "ok";
}

export function slotText(c) {
  const level = slotLevel(c);
  if (level === "unknown") return t("app:slots.unknown");
  return t(`app:slots.${level}`, { count: c.slots });
}

const REASONS = [
  [/^long drive: (\d+) min \(over (\d+) min\)/, (m) => t("app:reason.long_drive", { eta: m[1], limit: m[2] })],
  [/^no status reported/, () => t("app:reason.no_status")],
  [/^status stale/, (m, c) => t("app:reason.stale", { age: ago(c.updated_at) })],
  [/^opening hours unknown/, () => t("app:reason.hours_unknown")],
  [/^night emergency service not stated/, () => t("app:reason.night_unknown")],
];

export function reasonText(reason, c) {
  for (const [re, fn] of REASONS) {
    const m = reason.match(re);
    if (m) return fn(m, c);
  }
  return reason; // a reason this page does not know yet: shown as the server gives it
}

const DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "PH"];

/** OSM opening_hours in words of the page's language (day names and "24/7"; times as given). */
export function hoursText(hours) {
  if (!hours) return null;
  if (hours.trim() === "24/7") return t("app:hours.always");
  return hours.replace(/\b(Mo|Tu|We|Th|Fr|Sa|Su|PH)\b/g, (d) => t(`app:days.${DAYS.indexOf(d)}`))
    .replace(/\boff\b/g, t("app:hours.off"));
}

export function phoneLinks(c) {
  const shown = c.phones_display || [];
  const e164 = c.phones || [];
  const links = shown.map((text, i) => (e164[i]
    ? `<a class="tel" href="tel:${esc(e164[i])}" aria-label="${esc(t("app:call_number", { number: text }))}">` +
      `<span aria-hidden="true">☎</span> ${esc(text)}</a>` : esc(text)));
  return links.length ? `<div class="phones">${links.join("")}</div>` : `<p class="muted">${esc(t("app:no_phone"))}</p>`;
}

function queueText(s) {
  if (!s || s.stale) return null;
  const parts = [];
  if (s.waiting_patients !== null && s.waiting_patients !== undefined) parts.push(t("app:queue.patients", { count: s.waiting_patients }));
  if (s.waiting_minutes !== null && s.waiting_minutes !== undefined) parts.push(t("app:queue.minutes", { count: s.waiting_minutes }));
  return parts.length ? parts.join(t("app:list_sep")) : null;
}

function openText(c, hours) {
  const state = c.open_now === true ? t("app:open.now") : c.open_now === false ? t("app:open.closed") : t("app:open.unknown");
  const h = hoursText(hours);
  return h ? `${state} · ${h}` : state;
}

function navMenu(c) {
  const [lon, lat] = c.location;
  const links = navigationLinks(lon, lat, c.name).map((l) =>
    `<li><a class="nav-link nav-${l.app}" href="${esc(l.url)}" target="_blank" rel="noopener" data-datum="${l.datum}">` +
    `${esc(t(`app:apps.${l.app}`))}</a></li>`).join("");
  return `<details class="navigate"><summary>${esc(t("app:navigate"))}</summary><ul>${links}</ul></details>`;
}

/** "Seen in about N min: drive + wait" (both parts), or the wait marked unknown; empty without a wait answer. */
function careLine(c) {
  if (!("wait_min" in c)) return "";
  const drive = Math.max(1, Math.round(c.eta_s / 60));
  if (c.wait_min === null || c.wait_min === undefined) {
    return `<p class="care care-unknown">${esc(t("app:care.unknown", { drive: num(drive) }))}</p>`;
  }
  const wait = Math.round(c.wait_min);
  return `<p class="care">${esc(t("app:care.total", { total: num(drive + wait), drive: num(drive), wait: num(wait) }))}</p>`;
}

/** The card's HTML; `info` is the clinic's public record (for opening hours), if known. */
export function cardHtml(c, info, { offline = false } = {}) {
  const level = slotLevel(c);
  const drive = t("app:drive", { minutes: num(Math.max(1, Math.round(c.eta_s / 60))),
    km: c.distance_m === null || c.distance_m === undefined ? "?" : num(c.distance_m / 1000, 1) });
  const fresh = c.stale ? (c.status && c.status.known ? t("app:fresh.stale", { age: ago(c.updated_at) }) : t("app:fresh.never"))
    : t("app:fresh.updated", { age: ago(c.updated_at) });
  const simulated = c.status && c.status.simulated ? ` <span class="tag">${esc(t("app:simulated"))}</span>` : "";
  const night = c.night_emergency ? `<span class="night"><span aria-hidden="true">☾</span> ${esc(t("app:night"))}</span>` : "";
  const queue = queueText(c.status);
  const callFirst = c.call_first
    ? `<div class="call-first"><p class="call-title">${esc(t("app:call_first"))}</p>${phoneLinks(c)}` +
      `<ul class="reasons">${c.call_first_reasons.map((r) => `<li>${esc(reasonText(r, c))}</li>`).join("")}</ul></div>`
    : "";
  return `<article class="card${c.call_first ? " is-call-first" : ""}" data-id="${esc(c.id)}">` +
    callFirst +
    `<h3 class="name">${esc(c.name)}</h3>${night}` +
    `<p class="drive">${esc(drive)}</p>` +
    careLine(c) +
    `<p><span class="badge slots-${level}">${esc(slotText(c))}</span>${queue ? ` <span class="queue">${esc(queue)}</span>` : ""}</p>` +
    `<p class="fresh">${esc(fresh)}${simulated}${offline ? ` <span class="tag">${esc(t("app:offline_tag"))}</span>` : ""}</p>` +
    `<p class="open">${esc(openText(c, info && info.opening_hours))}</p>` +
    (c.address ? `<p class="address">${esc(c.address)}</p>` : "") +
    (c.call_first ? "" : phoneLinks(c)) +
    `<div class="actions"><button type="button" class="route-btn" data-id="${esc(c.id)}">${esc(t("app:route"))}</button>` +
    `${navMenu(c)}</div>` +
    `<div class="steps" data-for="${esc(c.id)}"></div>` +
    `</article>`;
}
