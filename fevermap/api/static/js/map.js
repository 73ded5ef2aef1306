// The shared Leaflet map: the region's own roads as background (cached for offline use), optional tiles when the
// server sets FEVERMAP_TILE_URL. Leaflet takes [lat, lon]; the API and GeoJSON use [lon, lat]: flip with toLatLng().
import { getJSON } from "./api.js";

export const toLatLng = (lonlat) => [lonlat[1], lonlat[0]];

export async function createMap(config) {
  const b = config.bbox; // [lon_min, lat_min, lon_max, lat_max]
  const map = L.map("map", { zoomSnap: 0.5, tap: true, keyboard: true });
  fitVisible(map, [[b[1], b[0]], [b[3], b[2]]], 0);
  map.attributionControl.setPrefix("");
  map.attributionControl.addAttribution(config.attribution);
  if (config.tile_url) L.tileLayer(config.tile_url, { maxZoom: 19 }).addTo(map);
  try {
    const { data } = await getJSON("/map/roads.geojson");
    // thousands of lines: one canvas; markers and routes stay DOM/SVG (clickable, labelled)
    L.geoJSON(data, { style: { color: "#9a8f80", weight: 1.2, opacity: 0.8 }, interactive: false,
      renderer: L.canvas() }).addTo(map);
  } catch (err) {
    // no background (first visit offline): markers and lists still work
  }
  return map;
}

/** Fit `bounds` into the part of the map the sheet leaves visible (phones; the panel sits beside it on desktops). */
export function fitVisible(map, bounds, pad = 30, maxZoom = 16) {
  const sheet = document.getElementById("sheet").getBoundingClientRect();
  const covered = window.innerWidth >= 768 ? 0 : Math.max(0, Math.round(window.innerHeight - sheet.top));
  map.fitBounds(bounds, { paddingTopLeft: [pad, pad], paddingBottomRight: [pad, pad + covered], maxZoom });
}

/** A focusable, labelled marker (a button for screen readers and keyboards) with `html` inside. */
export function labelledMarker(lonlat, { label, html, className }) {
  const icon = L.divIcon({ className: `fm-marker ${className || ""}`, html, iconSize: [28, 28], iconAnchor: [14, 14] });
  const marker = L.marker(toLatLng(lonlat), { icon, keyboard: true, title: label, alt: label });
  marker.on("add", () => {
    const el = marker.getElement();
    if (el) { el.setAttribute("aria-label", label); el.setAttribute("role", "button"); }
  });
  return marker;
}
