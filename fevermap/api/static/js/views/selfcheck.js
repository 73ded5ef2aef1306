// "Was I near a risk area?" on the resident's page: what the self-check does and a link to it (/selfcheck), where the
// itinerary is matched in the browser against the public case place-days; nothing of it is sent.
import { esc, t } from "../i18n.js";

export default {
  id: "selfcheck",
  ns: "selfcheck",
  label: "selfcheck:nav",
  mount(ctx, el) { this.el = el; this.render(); },
  show() {},
  hide() {},
  onLanguage() { this.render(); },
  render() {
    this.el.innerHTML = `<h2>${esc(t("selfcheck:title"))}</h2><p>${esc(t("selfcheck:privacy"))}</p>` +
      `<p><a class="button" href="/selfcheck">${esc(t("selfcheck:open"))}</a></p>`;
  },
};
