"""The markdown section of RESULTS.md for bench_osrm.py: one table per extract and the issue targets checked."""

from __future__ import annotations

import statistics
from typing import Any


def _t(pair: tuple[float, float], digits: int = 3) -> str:
    return f"{pair[0]:.{digits}f} ({pair[1]:.{digits}f})"


def _mb(kb: float) -> str:
    return f"{kb / 1024:.0f}"


def _start(rows: list[dict[str, Any]], load: str, first: str) -> tuple[float, float, float]:
    """Median load time, first-query time (ms) and the row with the median load."""
    loads = [r[load] * 1000 for r in rows]
    firsts = [r[first] * 1000 for r in rows]
    return statistics.median(loads), statistics.median(firsts), statistics.median(loads) + statistics.median(firsts)


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


def extract_table(r: dict[str, Any]) -> list[str]:
    fb, ob = r["fm_build"], r["osrm_build"]
    steps = ob["steps"]
    fm_load, fm_first, fm_ready = _start(r["fm_start"], "load_s", "first_query_s")
    om_load, om_first, om_ready = _start(r["osrm_start"][True], "load_s", "first_query_s")
    of_load, of_first, of_ready = _start(r["osrm_start"][False], "load_s", "first_query_s")
    fm_mem = r["fm_start"][0]
    fm_rss = fm_mem["after"]["VmRSS"] - fm_mem["before"]["VmRSS"]
    om, of = r["osrm_start"][True][0], r["osrm_start"][False][0]
    om_rss = om["rss_after_load"]["VmRSS"] - om["rss_before_load"]["VmRSS"]
    of_rss = of["rss_after_load"]["VmRSS"] - of["rss_before_load"]["VmRSS"]
    st = r["osrm_traffic_steps"]
    fq, oq = r["fm_start"][0]["queried"], r["osrm_queried"]
    eta, tu = r["eta"], r["turns"]
    return [
        f"### {r['name']}: fevermap {r['nodes']:,} nodes, {r['edges']:,} edges",
        "",
        "| measure | fevermap | OSRM MLD (osrm-bindings) | networkx | scipy.sparse.csgraph |",
        "|---|---|---|---|---|",
        f"| p2p incl. snapping and geometry, ms | {_t(r['fm_p2p'])} | {_t(r['osrm_p2p'])} "
        f"| {_t(r['nx_p2p'], 1)} | {_t(r['sp_p2p'], 1)} |",
        f"| p2p as above, OSRM timed in its batch job (each route followed by its `annotations=nodes` query), ms "
        f"| | {_t(r['osrm_p2p_batch'])} | | |",
        f"| p2p, OSRM `annotations=nodes, overview=false`, ms | | {_t(r['osrm_p2p_nodes'])} | | |",
        f"| snapping alone (OSRM: `Nearest`), ms | {_t(r['fm_snap'])} | {_t(r['osrm_nearest'])} | same as fevermap "
        "| same as fevermap |",
        f"| one-to-50 incl. snapping 51 points, ms | {_t(r['fm_50'])} | {_t(r['osrm_50'])} "
        f"| {_t(r['nx_50'], 1)} (one-to-all) | {_t(r['sp_50'], 1)} (one-to-all) |",
        f"| one-to-50 incl. snapping, the same 200 queries again (pages warm), ms | {_t(r['fm_50_again'])} | | | |",
        f"| one-to-50, targets pinned once, ms | {_t(r['fm_50_pinned'])} | | | |",
        f"| traffic update, 5% of segments ({r['traffic_rows']:,} rows) until queryable, ms "
        f"| {_t(r['fm_traffic'], 1)} | {_t(r['osrm_traffic'], 0)}: customize {st['customize_s'] * 1000:.0f} "
        f"+ reload {st['reload_s'] * 1000:.0f} + first route {st['first_route_s'] * 1000:.1f} "
        f"| {r['nx_traffic_s'] * 1000:.1f} (attrs only) | {r['sp_traffic_s'] * 1000:.1f} (rebuild CSR) |",
        f"| the same three updates again (the process has customised before), ms | {_t(r['fm_traffic_again'], 1)} "
        "| | | |",
        f"| routes changed by each update (of {r['n_check']} re-asked) | {r['fm_traffic_changed']} "
        f"| {r['osrm_traffic_changed']} | | |",
        f"| build from OSM, s (wall) | {fb['build_s']:.2f} | {ob['total_wall_s']:.2f} (extract "
        f"{steps['extract']['wall_s']:.2f} + partition {steps['partition']['wall_s']:.2f} + customize "
        f"{steps['customize']['wall_s']:.2f}; CPU {ob['total_cpu_s']:.1f} s on {ob['threads']} threads) | | "
        f"{r['sp_build_s']:.3f} (CSR from our graph) |",
        f"| build peak RSS, MB | {fb['peak_mb']:.0f} | {ob['peak_rss_mb']:.0f} (extract) | | |",
        f"| warm start: load, first query, ms | {fm_load:.0f} + {fm_first:.1f} = {fm_ready:.0f} "
        f"| mmap {om_load:.1f} + {om_first:.1f} = {om_ready:.1f}; fully read {of_load:.1f} + {of_first:.1f} "
        f"= {of_ready:.1f} | | |",
        f"| process RSS added by loading, MB | {_mb(fm_rss)} (total {_mb(fm_mem['after']['VmRSS'])}) "
        f"| mmap {_mb(om_rss)} (total {_mb(om['rss_after_load']['VmRSS'])}); fully read {_mb(of_rss)} "
        f"(total {_mb(of['rss_after_load']['VmRSS'])}) | | |",
        f"| process RSS after loading and {r['eta']['n']:,} routes, MB (anon + file-backed) "
        f"| {_mb(fq['VmRSS'])} ({_mb(fq['RssAnon'])} + {_mb(fq['RssFile'])}) "
        f"| mmap, after all queries above: {_mb(oq['VmRSS'])} ({_mb(oq['RssAnon'])} + {_mb(oq['RssFile'])}) | | |",
        f"| peak RSS of a query process, MB | {r['mem']['fevermap']:.0f} (200 routes) "
        f"| {r['osrm_peak_mb']:.0f} (mmap, all queries above) | {r['mem']['networkx']:.0f} | {r['mem']['scipy']:.0f} |",
        f"| data on disk, MB | {r['fm_disk_mb']:.1f} | {r['osrm_disk_mb']:.1f} | | |",
        f"| routes taking a forbidden turn | {tu['fm_routes']} of {tu['fm_n']:,} | {tu['osrm_routes']} of "
        f"{tu['osrm_n']:,} | | |",
        "",
        "p2p rounds (fevermap / OSRM medians, ms, in the order run; each in blocks of 100 pairs taken in turns): "
        + ", ".join(f"{a:.3f} / {b:.3f} ({a / b:.2f} x)" for a, b in r["p2p_rounds"])
        + ".",
        f"ETA ratio fevermap / OSRM on the same {eta['n']:,} pairs: median {eta['median']:.3f}, p10 {eta['p10']:.3f}, "
        f"p90 {eta['p90']:.3f} (distance ratio median {eta['dist_median']:.3f}); routable in fevermap only: "
        f"{eta['only_fm']}, in OSRM only: {eta['only_osrm']}.",
        f"Turn restrictions: {tu['relations']} `type=restriction` relations, {tu['checked']} checked "
        f"({tu['via_way']} via ways), {tu['malformed']} malformed (members cut off by the extract, several from- or "
        f"to-ways outside no_entry/no_exit, or ways that do not meet at the via), "
        f"{tu['conditional']} conditional only, {tu['exempt']} exempting cars, {tu['other_vehicle']} for other "
        f"vehicles. Kinds fevermap broke: {', '.join(tu['fm_kinds']) or 'none'}"
        + (
            f"; relations OSRM broke (checker vs OSRM's reading): {tu['osrm_examples']}."
            if tu["osrm_examples"]
            else "."
        ),
        "",
    ]


def targets(r: dict[str, Any]) -> list[str]:
    """Issue 11's and issue 14's targets for one extract, met or not."""
    fm_load, fm_first, fm_ready = _start(r["fm_start"], "load_s", "first_query_s")
    p2p, o_p2p = r["fm_p2p"][0], r["osrm_p2p"][0]
    ratios = [a / b for a, b in r["p2p_rounds"]]
    fm_mem = r["fm_start"][0]
    fm_rss = (fm_mem["after"]["VmRSS"] - fm_mem["before"]["VmRSS"]) / 1024
    of = r["osrm_start"][False][0]
    of_rss = (of["rss_after_load"]["VmRSS"] - of["rss_before_load"]["VmRSS"]) / 1024
    eta = r["eta"]["median"]
    return [
        f"Targets on {r['name']} (issue 11, turn-aware routing; issue 14, per-region load):",
        f"- p2p incl. snapping <= 0.25 x OSRM: {p2p:.3f} ms vs {o_p2p:.3f} ms = {p2p / o_p2p:.2f} x, "
        f"{_met(p2p <= 0.25 * o_p2p)} (medians over {len(r['p2p_rounds'])} rounds taken in turns; per round "
        f"{min(ratios):.2f}-{max(ratios):.2f} x)",
        f"- one-to-50 incl. snapping <= 1 ms: {r['fm_50'][0]:.3f} ms, {_met(r['fm_50'][0] <= 1.0)} (judged on the "
        f"first pass over fresh points; the same queries again: {r['fm_50_again'][0]:.3f} ms)",
        f"- 5% update queryable <= 60 ms: {r['fm_traffic'][0]:.1f} ms, {_met(r['fm_traffic'][0] <= 60)} (judged on "
        f"the first three updates of the process; the same three again: {r['fm_traffic_again'][0]:.1f} ms)",
        f"- median ETA ratio to OSRM within 0.93-1.07: {eta:.3f}, {_met(0.93 <= eta <= 1.07)}",
        f"- no route through a forbidden turn: {r['turns']['fm_routes']} of {r['turns']['fm_n']:,}, "
        f"{_met(r['turns']['fm_routes'] == 0)}",
        f"- region queryable <= 50 ms: {fm_ready:.0f} ms (load {fm_load:.0f} + first query {fm_first:.1f}), "
        f"{_met(fm_ready <= 50)}",
        f"- memory no more than OSRM's for the extract: {fm_rss:.0f} MB added by loading vs OSRM fully read "
        f"{of_rss:.0f} MB, {_met(fm_rss <= of_rss)}",
        "",
    ]


def section(results: list[dict[str, Any]], command: str, machine: str, load: str = "") -> str:
    r0 = results[0]
    lines = [
        "## fevermap vs OSRM, side by side (benchmarks/bench_osrm.py)",
        "",
        f"Command: `{command}`  ",
        f"Machine: {machine}; OSRM: osrm-bindings {r0['osrm_bindings']} ({r0['osrm_build']['osrm_version']}) "
        f"under Python {r0['osrm_python']}, MLD, car profile from the wheel, set up by "
        f"`benchmarks/osrm_peer/setup_osrm.py`.{' ' + load if load else ''}",
        "",
        "Times are medians (p95 in brackets) in milliseconds unless marked, on the same random pairs and points for",
        "every engine (`bench_routing.random_points`, seeds 1/2/3). p2p: a route between two coordinates including",
        "snapping both and the geometry (OSRM: `overview=full, geometries=geojson`, through the Python bindings, so",
        "OSRM's times include building the Python result), timed in turns: 4 rounds over all pairs, each in blocks",
        "of 100 pairs that both engines route one after the other (fevermap in this process, OSRM in its driver",
        "process answering batches; each engine first in every other block; 50 untimed routes each before), so that",
        "both are timed across the same seconds of the shared machine; the medians pool every round's routes.",
        "OSRM's traffic update runs `osrm-customize",
        "--segment-speed-file` on a copy of its data with the same CSV fevermap applies, then loads the data in the",
        "running process and answers a route. Warm start and memory are measured in fresh processes (medians of 3);",
        "'RSS added by loading' is VmRSS after loading minus before (the interpreter and imports excluded). Forbidden",
        "turns: each route's OSM node sequence (OSRM `annotations=nodes`; fevermap `Route.edges` expanded to OSM",
        "segments) checked against the extract's restriction relations by `benchmarks/osrm_peer/restrictions.py`.",
        "",
    ]
    for r in results:
        lines += extract_table(r)
    for r in results:
        if r["name"] == "porto":  # the issues set their targets on Porto
            lines += targets(r)
    return "\n".join(lines)
