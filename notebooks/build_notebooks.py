"""Write the walkthrough notebooks from the cell sources below (run: python notebooks/build_notebooks.py).

The notebooks are executed by the test suite (tests/test_notebooks.py); they are kept without outputs in git.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """import os, tempfile
from pathlib import Path
# keep the walkthrough's database and caches out of the way (a temporary SQLite file; the demo region's cache is
# reused when FEVERMAP_CACHE_DIR is set)
WORK = Path(tempfile.mkdtemp(prefix="fevermap-notebook-"))
os.environ.setdefault("FEVERMAP_CACHE_DIR", str(WORK / "cache"))
os.environ["FEVERMAP_DATABASE_URL"] = f"sqlite:///{WORK / 'fevermap.sqlite3'}"
import folium
"""

MAP_HELPERS = """from fevermap.frames import to_geodataframe

def clinic_map(answer, origin, zoom=13):
    # GeoDataFrames in WGS-84 (fevermap.frames): folium draws them as GeoJSON, no coordinates flipped by hand
    clinics = to_geodataframe(answer)
    clinics["colour"] = ["gray" if s else ("green" if (n or 0) > 0 else "red")
                         for s, n in zip(clinics["stale"], clinics["slots"])]
    clinics["label"] = [f"{r}. {n} ({e:.0f} min)" for r, n, e in zip(clinics["rank"], clinics["name"], clinics["eta_min"])]
    centre = to_geodataframe({"type": "Point", "coordinates": list(origin)}).geometry.iloc[0]
    m = folium.Map(location=[centre.y, centre.x], zoom_start=zoom, tiles=None)
    folium.TileLayer(tiles=None, attr="© OpenStreetMap contributors", name="no tiles (offline)").add_to(m)
    folium.GeoJson(to_geodataframe({"type": "Point", "coordinates": list(origin)}), tooltip="you are here").add_to(m)
    folium.GeoJson(
        clinics[["label", "colour", "geometry"]],
        marker=folium.CircleMarker(radius=8, fill=True),
        style_function=lambda f: {"color": f["properties"]["colour"], "fillColor": f["properties"]["colour"]},
        tooltip=folium.GeoJsonTooltip(fields=["label"], labels=False),
    ).add_to(m)
    first = answer["clinics"][0]
    if first.get("route"):
        folium.GeoJson(to_geodataframe({"type": "LineString", "coordinates": first["route"]["coordinates"]}),
                       style_function=lambda f: {"weight": 5}).add_to(m)
    return m
"""

RESIDENT = [
    new_markdown_cell(
        "# Journey 1: a resident with a fever at 23:40 in central Shanghai\n\n"
        "She wants the nearest clinic that is open now, has a night emergency service and still has registration "
        "slots, by driving time in tonight's traffic. This walkthrough uses the bundled demo region (OpenStreetMap, "
        "© OpenStreetMap contributors) and the real 2020 list of Shanghai fever clinics. Live status comes from the "
        "**clearly labelled demo simulator** here; in service it comes from clinic operators."
    ),
    new_code_cell(SETUP),
    new_code_cell(
        "from fevermap.clinics.service import ClinicContext, simulate_demo_status\n"
        "from fevermap.clinics.locator import answer_json\n"
        "from fevermap.times import parse_instant\n"
        "sim = simulate_demo_status(None, seed=1)\n"
        "print(sim['note'])\n"
        "ctx = ClinicContext.open(None)\n"
        "print(ctx.region.name, ctx.region.timezone, len(ctx.registry.clinics(ctx.region.name)), 'clinics')"
    ),
    new_code_cell(
        "origin = (121.4737, 31.2304)  # People's Square, (lon, lat)\n"
        "at = parse_instant('2026-11-25T23:40+08:00', 'time')\n"
        "answer = answer_json(ctx.locator.nearest(*origin, limit=3, open_now=True, night=True, at=at))\n"
        "for c in answer['clinics']:\n"
        "    print(c['rank'], c['name'], f\"{c['eta_min']:.1f} min\", c['tel'], 'call first' if c['call_first'] else '',"
        " c['call_first_reasons'])\n"
        "assert [c['eta_s'] for c in answer['clinics']] == sorted(c['eta_s'] for c in answer['clinics'])"
    ),
    new_markdown_cell(
        "The order is by driving time, and it is exact: it equals a route to every clinic (brute force)."
    ),
    new_code_cell(
        "brute = ctx.locator.brute_force(*origin)\n"
        "print(brute[:3])\n"
        "ranked_ids = [c['id'] for c in answer['clinics']]\n"
        "assert ranked_ids == [cid for cid, _ in brute][:3], (ranked_ids, brute[:3])\n"
        "print('same order as brute force:', ranked_ids)"
    ),
    new_code_cell(MAP_HELPERS + "\nclinic_map(answer, origin)"),
    new_markdown_cell(
        "Traffic changes the answer: the OSRM segment-speed format (`from_osm_node_id,to_osm_node_id,speed_kmh`) "
        "slows the roads of the first route to walking pace, and the locator re-ranks."
    ),
    new_code_cell(
        "g = ctx.router.graph\n"
        "first = answer['clinics'][0]\n"
        "route = ctx.router.route(origin, tuple(first['location']))\n"
        "rows = []\n"
        "for e in route.edges[1:-1]:\n"
        "    for s in range(g.seg_off[e], g.seg_off[e + 1]):\n"
        "        rows.append(f'{g.seg_u_osm[s]},{g.seg_v_osm[s]},3')\n"
        "report = ctx.router.apply_traffic('\\n'.join(rows) + '\\n')\n"
        "print(report.to_dict())\n"
        "jam = answer_json(ctx.locator.nearest(*origin, limit=3, open_now=True, night=True, at=at))\n"
        "print([(c['name'], round(c['eta_min'], 1)) for c in jam['clinics']])\n"
        "ctx.router.reset_traffic()\n"
        "ctx.registry.close()"
    ),
]

RURAL = [
    new_markdown_cell(
        "# Journey 2: a rural caller, a long mountain drive from the nearest hospital\n\n"
        "Andorra's mountain roads (OpenStreetMap extract of about 2013, © OpenStreetMap contributors) stand in for "
        "a rural region. The hospitals are the real `amenity=hospital` nodes of that extract; they carry no name or "
        "phone there, so fevermap says so instead of inventing one. For a long drive (over 45 minutes by default) "
        "or a stale status, the answer leads with *call first* and the phone."
    ),
    new_code_cell(SETUP),
    new_code_cell(
        "import csv, osmium\n"
        "from fevermap.config import REPO_DATA_DIR\n"
        "from fevermap.routing.region import build_region\n"
        "pbf = REPO_DATA_DIR / 'fixtures' / 'andorra.osm.pbf'\n"
        "region = build_region(pbf, WORK / 'andorra')\n"
        "print(region.meta['name'], region.meta['nodes'], 'nodes', region.timezone)\n"
        "hospitals = []\n"
        "for o in osmium.FileProcessor(str(pbf)).with_filter(osmium.filter.TagFilter(('amenity', 'hospital'))):\n"
        "    if o.is_node():\n"
        "        hospitals.append((f'hospital (OSM node {o.id}, unnamed in the extract)', o.location.lon, o.location.lat))\n"
        "path = WORK / 'andorra_hospitals.csv'\n"
        "with path.open('w', newline='') as fh:\n"
        "    w = csv.writer(fh)\n"
        "    w.writerow(['name', 'lon', 'lat', 'phone', 'address', 'night_emergency', 'opening_hours'])\n"
        "    for name, lon, lat in hospitals:\n"
        "        w.writerow([name, lon, lat, '', '', '', ''])\n"
        "print(len(hospitals), 'hospital nodes')"
    ),
    new_code_cell(
        "from fevermap.clinics.service import import_clinics, nearest_clinics\n"
        "print(import_clinics(WORK / 'andorra', path))"
    ),
    new_code_cell(
        "# a farm track far up the Vall d'Incles, (lon, lat)\n"
        "origin = (1.6770, 42.5820)\n"
        "answer = nearest_clinics(WORK / 'andorra', f'{origin[0]},{origin[1]}', limit=2)\n"
        "for c in answer['clinics']:\n"
        "    print(list(c)[:4])  # a call-first answer starts with call_first, tel, phones, reasons\n"
        "    print(c['name'], round(c['eta_min'], 1), 'min', c['call_first_reasons'])"
    ),
    new_markdown_cell(
        "Andorra is small: its longest drives are about half an hour. A health authority that counts a 20-minute "
        "drive as long sets `FEVERMAP_CALL_FIRST_ETA_MIN=20`; the answer then gives the long drive as a reason too."
    ),
    new_code_cell(
        "os.environ['FEVERMAP_CALL_FIRST_ETA_MIN'] = '20'\n"
        "answer = nearest_clinics(WORK / 'andorra', f'{origin[0]},{origin[1]}', limit=2)\n"
        "first = answer['clinics'][0]\n"
        "print(first['name'], round(first['eta_min'], 1), 'min', first['call_first_reasons'])\n"
        "assert first['call_first'] and any('drive' in r or 'min' in r for r in first['call_first_reasons'])"
    ),
    new_code_cell(MAP_HELPERS + "\nclinic_map(answer, origin, zoom=11)"),
]


INVESTIGATOR = [
    new_markdown_cell(
        "# Journey 3: an investigator matches declarations against confirmed-case tracks\n\n"
        "Part 1 runs the matcher on files, as `fevermap trace match` does: a seeded, **clearly labelled synthetic** "
        "set of case visits and declared itineraries along the demo region's roads, with planted true matches and "
        "near misses. Part 2 goes through the HTTP service with roles: real Shanghai 2022 case address-days "
        "(day-level records, whole local day) are uploaded by an investigator, residents post declarations, the "
        "investigator runs the matching and gets a ranked list, and community staff fetch only their own area's "
        "names to verify."
    ),
    new_code_cell(SETUP),
    new_code_cell(
        "import pandas as pd\n"
        "from fevermap.tracing.service import trace_synth, trace_match\n"
        "paths = trace_synth(WORK / 'synth', n_cases=2000, n_stops=20000, seed=3)\n"
        "report = trace_match([paths['cases']], paths['itineraries'], tz='Asia/Shanghai').collect()\n"
        "print(report.stats)\n"
        "planted = pd.read_csv(paths['planted'])\n"
        "print(planted.head())\n"
        "report.matches[['declarant_id', 'case_id', 'distance_m', 'overlap_min', 'rule']].head()"
    ),
    new_code_cell(
        "# every planted true match is found, and no planted near miss is\n"
        "found = set(zip(report.matches['declarant_id'], report.matches['case_id']))\n"
        "should = planted['kind'].isin(['inside', 'overlap=min', 'radius-1mm'])\n"
        "hit = [(d, c) in found for d, c in zip(planted['declarant_id'], planted['case_id'])]\n"
        "print(pd.crosstab(planted['kind'], pd.Series(hit, name='matched')))\n"
        "assert all(h == s for h, s in zip(hit, should))\n"
        "report.summary.head(10)"
    ),
    new_code_cell(
        "# the matches as a GeoDataFrame (WGS-84, one point at each case visit): no coordinates flipped by hand\n"
        "from fevermap.frames import to_geodataframe\n"
        "places = to_geodataframe(report.matches.head(200)[['case_id', 'rule', 'case_lon', 'case_lat']])\n"
        "m = folium.Map(location=[31.23, 121.47], zoom_start=13, tiles=None)\n"
        "folium.TileLayer(tiles=None, attr='© OpenStreetMap contributors', name='no tiles (offline)').add_to(m)\n"
        "folium.GeoJson(places, marker=folium.CircleMarker(radius=4, color='red'),\n"
        "               tooltip=folium.GeoJsonTooltip(fields=['case_id', 'rule'])).add_to(m)\n"
        "m"
    ),
    new_markdown_cell("## Part 2: the same journey through the service, with roles and real case places"),
    new_code_cell(
        "from datetime import timedelta\n"
        "from fastapi.testclient import TestClient\n"
        "from fevermap.api.app import create_app\n"
        "from fevermap.access.keys import create_key\n"
        "from fevermap.config import PACKAGE_DATA_DIR\n"
        "from fevermap.tracing.service import read_cases\n"
        "cases = read_cases(PACKAGE_DATA_DIR / 'cases' / 'shanghai2022', tz='Asia/Shanghai').visits\n"
        "print(len(cases), 'case address-days inside the demo region')\n"
        "day = pd.DataFrame({'id': cases.owner, 'lon': cases.lon, 'lat': cases.lat,\n"
        "                    'start': pd.to_datetime(cases.start, unit='s', utc=True),\n"
        "                    'end': pd.to_datetime(cases.end, unit='s', utc=True), 'place': cases.place})\n"
        "day = day[day['start'].dt.tz_convert('Asia/Shanghai').dt.strftime('%Y-%m-%d') == '2022-04-12'].head(300)\n"
        "tracks = [{'id': f'{r.id}', 'visits': [{'lon': r.lon, 'lat': r.lat, 'start': r.start.isoformat(),\n"
        "            'end': r.end.isoformat(), 'place': r.place}]} for r in day.itertuples()]\n"
        "print(len(tracks), 'case tracks for 2022-04-12')"
    ),
    new_code_cell(
        "os.environ['FEVERMAP_DECLARATIONS_PER_MINUTE'] = '1000'  # all residents post from this one notebook\n"
        "app = create_app()\n"
        "client = TestClient(app).__enter__()\n"
        "sessions = app.state.sessions\n"
        "investigator = {'X-API-Key': create_key(sessions, 'investigator', label='notebook')}\n"
        "staff = {'X-API-Key': create_key(sessions, 'staff', area='Nanjing East Road', label='notebook')}\n"
        "r = client.post('/case-tracks', json=tracks, headers=investigator)\n"
        "print(r.status_code, len(r.json()['stored']))\n"
        "# residents declare where they were that day: some passed a case's building, some did not\n"
        "receipts = []\n"
        "for i, t in enumerate(tracks[:40]):\n"
        "    v = t['visits'][0]\n"
        "    near = i % 2 == 0\n"
        "    start = pd.Timestamp(v['start']) + timedelta(hours=9)\n"
        "    stop = {'lon': v['lon'] + (0.0002 if near else 0.01), 'lat': v['lat'], 'place': v['place'],\n"
        "            'start': start.isoformat(), 'end': (start + timedelta(hours=1)).isoformat()}\n"
        "    area = 'Nanjing East Road' if i % 4 < 2 else 'Xujiahui'\n"
        "    d = {'name': f'resident {i} (synthetic)', 'phone': f'+86 138 0000 {i:04d}', 'area': area, 'stops': [stop]}\n"
        "    receipts.append(client.post('/declarations', json=d).json()['receipt_id'])\n"
        "print(len(receipts), 'declarations received')"
    ),
    new_code_cell(
        "run = client.post('/matches/run', headers=investigator).json()\n"
        "print(run)\n"
        "ranked = client.get('/matches', headers=investigator).json()\n"
        "pd.DataFrame(ranked['people'])[['rank', 'name', 'area', 'strongest', 'cases', 'total_overlap_min']].head()"
    ),
    new_code_cell(
        "assert run['people'] == 20  # the twenty who passed within 50 m for over 15 minutes\n"
        "vl = client.get('/verification-list', headers=staff).json()\n"
        "print(vl['area'], len(vl['people']), 'people to verify')\n"
        "print(vl['people'][0])\n"
        "assert all(set(p) == {'receipt_id', 'name', 'phone', 'address', 'to_verify'} for p in vl['people'])\n"
        "print(client.get('/verification-list').status_code, '(no key)')\n"
        "client.__exit__(None, None, None)"
    ),
]


def write(name: str, cells: list[nbformat.NotebookNode]) -> None:
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})  # fmt: skip
    nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    write("01_resident.ipynb", RESIDENT)
    write("02_rural_caller.ipynb", RURAL)
    write("03_investigator.ipynb", INVESTIGATOR)
