// The page's views. Adding one (e.g. the symptom report form, the self-check, the planner, the clinic directory):
//   1. write js/views/<id>.js exporting default { id, ns, label, mount(ctx, el), show(), hide(), onLanguage() }
//      (ctx: { map, config, sheet, clinicInfo(id) }; el: the view's own container in the sheet/panel; use the shared
//      Leaflet map through a layer group added in show() and removed in hide());
//   2. add its strings as i18n/zh-Hans/<ns>.json and i18n/en/<ns>.json (the nav label is `label`, e.g. "<ns>:nav");
//   3. add one line below. The nav entry, #<id> links, language switching and offline caching follow by themselves.
export const VIEWS = [
  { id: "nearby", ns: "app", label: "app:nav_nearby", load: () => import("./nearby.js") },
  { id: "city", ns: "city", label: "city:nav", load: () => import("./city.js") },
  { id: "directory", ns: "directory", label: "directory:nav", load: () => import("./directory.js") },
  { id: "selfcheck", ns: "selfcheck", label: "selfcheck:nav", load: () => import("./selfcheck.js") },
  { id: "symptoms", ns: "symptoms", label: "symptoms:nav", load: () => import("./symptoms.js") },
];
