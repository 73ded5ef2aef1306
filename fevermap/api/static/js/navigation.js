// Deep links handing a destination to the phone's map app, each in its datum: GCJ-02 for Amap and Tencent, BD-09 for
// Baidu (in mainland China), WGS-84 for Apple, Google and geo: elsewhere. The same links as
// fevermap/clinics/navigation.py (tests/clinics/test_navigation.py checks both agree); the datum formulas are those of
// fevermap/geo/gcj02.py and fevermap/geo/bd09.py. Coordinates are (lon, lat) degrees.

const A = 6378245.0;
const EE = 0.00669342162296594323;
const X_PI = Math.PI * 3000.0 / 180.0;
const SOURCE = "fevermap";

export function inChina(lon, lat) {
  return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271;
}

function transformLat(x, y) {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  r += (20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin(y / 3.0 * Math.PI)) * 2.0 / 3.0;
  r += (160.0 * Math.sin(y / 12.0 * Math.PI) + 320 * Math.sin(y * Math.PI / 30.0)) * 2.0 / 3.0;
  return r;
}

function transformLon(x, y) {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += (20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0 / 3.0;
  r += (20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin(x / 3.0 * Math.PI)) * 2.0 / 3.0;
  r += (150.0 * Math.sin(x / 12.0 * Math.PI) + 300.0 * Math.sin(x / 30.0 * Math.PI)) * 2.0 / 3.0;
  return r;
}

export function wgs84ToGcj02(lon, lat) {
  if (!inChina(lon, lat)) return [lon, lat];
  let dlat = transformLat(lon - 105.0, lat - 35.0);
  let dlon = transformLon(lon - 105.0, lat - 35.0);
  const radlat = lat / 180.0 * Math.PI;
  const magic = 1 - EE * Math.sin(radlat) ** 2;
  const sqrtmagic = Math.sqrt(magic);
  dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrtmagic) * Math.PI);
  dlon = (dlon * 180.0) / (A / sqrtmagic * Math.cos(radlat) * Math.PI);
  return [lon + dlon, lat + dlat];
}

export function gcj02ToBd09(lon, lat) {
  const z = Math.sqrt(lon * lon + lat * lat) + 0.00002 * Math.sin(lat * X_PI);
  const theta = Math.atan2(lat, lon) + 0.000003 * Math.cos(lon * X_PI);
  return [z * Math.cos(theta) + 0.0065, z * Math.sin(theta) + 0.006];
}

const f = (x) => x.toFixed(6);

/** Links to drive to (lon, lat) WGS-84 named `name`: [{app, url, datum, lon, lat}], in the order to show them. */
export function navigationLinks(lon, lat, name) {
  const n = encodeURIComponent(name);
  if (inChina(lon, lat)) {
    const [gl, ga] = wgs84ToGcj02(lon, lat);
    const [bl, ba] = gcj02ToBd09(gl, ga);
    return [
      { app: "amap", datum: "gcj02", lon: gl, lat: ga,
        url: `https://uri.amap.com/navigation?to=${f(gl)},${f(ga)},${n}&mode=car&coordinate=gaode&callnative=1&src=${SOURCE}` },
      { app: "baidu", datum: "bd09", lon: bl, lat: ba,
        url: `https://api.map.baidu.com/direction?destination=latlng:${f(ba)},${f(bl)}%7Cname:${n}&mode=driving&coord_type=bd09ll&output=html&src=${SOURCE}` },
      { app: "tencent", datum: "gcj02", lon: gl, lat: ga,
        url: `https://apis.map.qq.com/uri/v1/routeplan?type=drive&to=${n}&tocoord=${f(ga)},${f(gl)}&referer=${SOURCE}` },
    ];
  }
  const w = [f(lon), f(lat)];
  return [
    { app: "apple", datum: "wgs84", lon, lat, url: `https://maps.apple.com/?daddr=${w[1]},${w[0]}&dirflg=d` },
    { app: "google", datum: "wgs84", lon, lat,
      url: `https://www.google.com/maps/dir/?api=1&destination=${w[1]},${w[0]}&travelmode=driving` },
    { app: "geo", datum: "wgs84", lon, lat, url: `geo:${w[1]},${w[0]}?q=${w[1]},${w[0]}(${n})` },
  ];
}
