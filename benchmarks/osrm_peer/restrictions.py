"""Forbidden turns of a route: OSM ``type=restriction`` relations read with pyosmium, checked on OSM node sequences.

Independent of any engine: a route is the list of OSM node ids it passes, in order (OSRM's ``annotations=nodes``, or
fevermap's edges expanded to their OSM segments). Which relations count follows OSRM's car profile: the tag
``restriction`` or ``restriction:motorcar|motor_vehicle|vehicle`` with a ``no_*`` or ``only_*`` value, unless
``except`` names one of those classes; conditional restrictions (``restriction:conditional``) are counted apart
and not checked (OSRM ignores them without ``--parse-conditionals-from-now``).

- via node ``N``: the route passes ``p, N, q`` with ``p`` next to ``N`` on the from-way. ``no_*`` forbids ``q`` next
  to ``N`` on the to-way (when from-way = to-way, only the U-turn ``q = p``); ``only_*`` forbids every other ``q``.
- via ways ``V1..Vk``: the route enters the chain at its junction with the from-way (coming off the from-way),
  follows via-way segments to the junction with the to-way, and leaves there; ``no_*`` forbids leaving onto the
  to-way, ``only_*`` leaving onto anything else.

Several from-ways are allowed only for ``no_entry`` and several to-ways only for ``no_exit`` (as the OSM wiki has it;
one restriction per combination that meets at the via); other relations with several are malformed.
Relations whose members are missing from the extract or do not meet (via not on both ways) are counted as malformed
and not checked.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import osmium

CAR_CLASSES = ("motorcar", "motor_vehicle", "vehicle")


@dataclass(frozen=True)
class Restriction:
    """One turn restriction: ``kind`` no/only, from/to way ids, a via node or a chain of via ways."""

    rel: int
    kind: str  # "no" or "only"
    value: str
    from_way: int
    to_way: int
    via_node: int | None
    via_ways: tuple[int, ...]


@dataclass
class RestrictionSet:
    """Restrictions of an extract, the node lists of the ways they name, and what was skipped."""

    restrictions: list[Restriction] = field(default_factory=list)
    way_nodes: dict[int, list[int]] = field(default_factory=dict)
    relations: int = 0
    conditional: int = 0
    exempt: int = 0
    other_vehicle: int = 0
    malformed: int = 0
    checked: int = 0  # relations turned into restrictions

    def neighbours(self, way: int, node: int) -> set[int]:
        """Nodes next to ``node`` on ``way``."""
        nodes = self.way_nodes.get(way, [])
        out = set()
        for i, n in enumerate(nodes):
            if n == node:
                if i > 0:
                    out.add(nodes[i - 1])
                if i + 1 < len(nodes):
                    out.add(nodes[i + 1])
        return out


class _Relations(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self) -> None:
        super().__init__()
        self.raw: list[tuple[int, str, list[tuple[str, str, int]]]] = []
        self.found = RestrictionSet()

    def relation(self, r: osmium.osm.Relation) -> None:
        if r.tags.get("type") != "restriction":
            return
        self.found.relations += 1
        tags = dict(r.tags)
        value = tags.get("restriction")
        for cls in CAR_CLASSES:
            value = value or tags.get(f"restriction:{cls}")
        if value is None:
            if any(k.startswith("restriction:") and k.endswith("conditional") for k in tags):
                self.found.conditional += 1
            else:
                self.found.other_vehicle += 1
            return
        if set(tags.get("except", "").replace(" ", "").split(";")) & set(CAR_CLASSES):
            self.found.exempt += 1
            return
        members = [(m.role, m.type, m.ref) for m in r.members]
        self.raw.append((r.id, value, members))


class _Ways(osmium.SimpleHandler):  # type: ignore[misc]
    def __init__(self, wanted: set[int]) -> None:
        super().__init__()
        self.wanted = wanted
        self.nodes: dict[int, list[int]] = {}

    def way(self, w: osmium.osm.Way) -> None:
        if w.id in self.wanted:
            self.nodes[w.id] = [n.ref for n in w.nodes]


def _junction(a: list[int], b: list[int]) -> int | None:
    """A node shared by the ends of way ``a`` and way ``b`` (else any shared node)."""
    ends = {a[0], a[-1]} & {b[0], b[-1]}
    if ends:
        return next(iter(ends))
    shared = set(a) & set(b)
    return next(iter(shared)) if shared else None


def read_restrictions(pbf: Path | str) -> RestrictionSet:
    """Read the car restrictions of an OSM file (two passes: relations, then the ways they name)."""
    rels = _Relations()
    rels.apply_file(str(pbf))
    found = rels.found
    wanted = {ref for _, _, ms in rels.raw for _, t, ref in ms if t == "w"}
    ways = _Ways(wanted)
    ways.apply_file(str(pbf))
    found.way_nodes = ways.nodes
    for rel, value, members in rels.raw:
        kind = value.split("_", 1)[0]
        frm = [ref for role, t, ref in members if role == "from" and t == "w"]
        to = [ref for role, t, ref in members if role == "to" and t == "w"]
        via_n = [ref for role, t, ref in members if role == "via" and t == "n"]
        via_w = [ref for role, t, ref in members if role == "via" and t == "w"]
        # several from-ways only for no_entry, several to-ways only for no_exit (the OSM wiki's rule; OSRM does not
        # honour the others either): one restriction per combination
        ok = kind in ("no", "only") and bool(frm) and bool(to) and (len(via_n) == 1) != bool(via_w)
        ok = ok and (len(frm) == 1 or value == "no_entry") and (len(to) == 1 or value == "no_exit")
        ok = ok and all(w in ways.nodes for w in (*frm, *to, *via_w))
        pairs = [(f, t) for f in frm for t in to] if ok else []
        if via_n:  # keep the combinations that meet at the via node (a from-way split in two has one piece there)
            pairs = [(f, t) for f, t in pairs if via_n[0] in ways.nodes[f] and via_n[0] in ways.nodes[t]]
        else:
            pairs = [
                (f, t)
                for f, t in pairs
                if all(
                    _junction(ways.nodes[a], ways.nodes[b]) is not None for a, b in itertools.pairwise([f, *via_w, t])
                )
            ]
        ok = bool(pairs)
        if not ok:
            found.malformed += 1
            continue
        found.checked += 1
        for f, t in pairs:
            found.restrictions.append(Restriction(rel, kind, value, f, t, via_n[0] if via_n else None, tuple(via_w)))
    return found


class TurnChecker:
    """Finds the restrictions a node sequence violates."""

    def __init__(self, rs: RestrictionSet) -> None:
        self.rs = rs
        self._by_node: dict[int, list[Restriction]] = defaultdict(list)
        self._entry: dict[int, tuple[int, int]] = {}  # via-way restriction -> (entry node, exit node)
        for r in rs.restrictions:
            if r.via_node is not None:
                self._by_node[r.via_node].append(r)
                continue
            nodes = rs.way_nodes
            entry = _junction(nodes[r.from_way], nodes[r.via_ways[0]])
            exit_ = _junction(nodes[r.via_ways[-1]], nodes[r.to_way])
            assert entry is not None and exit_ is not None
            self._entry[r.rel] = (entry, exit_)
            self._by_node[entry].append(r)
        self._via_segments: dict[int, set[tuple[int, int]]] = {}
        for r in rs.restrictions:
            segs: set[tuple[int, int]] = set()
            for w in r.via_ways:
                ns = rs.way_nodes[w]
                for a, b in itertools.pairwise(ns):
                    segs |= {(a, b), (b, a)}
            self._via_segments[r.rel] = segs

    def violations(self, nodes: Sequence[int]) -> list[Restriction]:
        """Restrictions that the route through ``nodes`` (OSM ids, in order) breaks."""
        seq = [n for i, n in enumerate(nodes) if i == 0 or n != nodes[i - 1]]
        out = []
        for i in range(1, len(seq) - 1):
            for r in self._by_node.get(seq[i], ()):
                p = seq[i - 1]
                if p not in self.rs.neighbours(r.from_way, seq[i]):
                    continue
                if r.via_node is not None:
                    q = seq[i + 1]
                    onto = q in self.rs.neighbours(r.to_way, seq[i]) and (r.from_way != r.to_way or q == p)
                    if r.kind == "only":
                        onto = q in self.rs.neighbours(r.to_way, seq[i]) and (r.from_way != r.to_way or q != p)
                    if onto == (r.kind == "no"):
                        out.append(r)
                elif self._via_way_broken(r, seq, i):
                    out.append(r)
        return out

    def _via_way_broken(self, r: Restriction, seq: list[int], i: int) -> bool:
        _entry, exit_ = self._entry[r.rel]
        segs = self._via_segments[r.rel]
        j = i
        while not (j > i and seq[j] == exit_):
            if j + 1 >= len(seq) or (seq[j], seq[j + 1]) not in segs:
                return False  # left the via chain before its far end (or the route ends on it)
            j += 1
        if j + 1 >= len(seq):
            return False
        on_to = seq[j + 1] in self.rs.neighbours(r.to_way, exit_)
        return on_to == (r.kind == "no")
