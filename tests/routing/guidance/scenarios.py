"""OSRM guidance cucumber scenarios, ported: features/guidance/{turn,new-name,end-of-road,fork,roundabout}.feature.

Each scenario keeps OSRM's node map, ways and expected ``route``/``turns`` rows (table-style maps written as text:
one character per cell). A way is ``"nodes"`` or ``"nodes tag=value tag=value"`` (``name=`` for an empty name).
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Scenario:
    feature: str
    title: str
    grid_m: float
    node_map: str
    ways: tuple[str, ...]
    rows: tuple[str, ...]  # "a,c | ab,cb,cb | depart,turn left,arrive"
    cells: bool = False  # a table-style map: one grid unit per character across (else two characters per unit)

    def way_dicts(self) -> list[dict[str, str]]:
        out = []
        for w in self.ways:
            nodes, *tags = w.split()
            d = {"nodes": nodes}
            for t in tags:
                k, _, v = t.partition("=")
                d[k] = v.replace("_", " ") if k in ("name", "ref") else v
            if "name" in d and d["name"] == "":
                d["name"] = ""
            out.append(d)
        return out


S = Scenario
FOUR_WAY = """
  c
a b e
  d
"""
#: The expected rows of "Four Way Intersection", which OSRM repeats for its rotated map.
FOUR_WAY_ROWS = (
    "a,c | ab,cb,cb | depart,turn left,arrive",
    "a,e | ab,eb | depart,arrive",
    "a,d | ab,db,db | depart,turn right,arrive",
    "c,a | cb,ab,ab | depart,turn right,arrive",
    "c,d | cb,db | depart,arrive",
    "c,e | cb,eb,eb | depart,turn left,arrive",
    "d,a | db,ab,ab | depart,turn left,arrive",
    "d,c | db,cb | depart,arrive",
    "d,e | db,eb,eb | depart,turn right,arrive",
    "e,a | eb,ab | depart,arrive",
    "e,c | eb,cb,cb | depart,turn right,arrive",
    "e,d | eb,db,db | depart,turn left,arrive",
)
TURN = [
    S(
        "turn",
        "Four Way Intersection",
        10,
        FOUR_WAY,
        ("ab", "cb", "db", "eb"),
        FOUR_WAY_ROWS,
    ),
    S(
        "turn",
        "Rotated Four Way Intersection",
        10,
        """
a   c
  b
d   e
""",
        ("ab", "cb", "db", "eb"),
        FOUR_WAY_ROWS,
    ),
    S(
        "turn",
        "Four Way Intersection Through Street",
        10,
        FOUR_WAY,
        ("abe", "cb", "db"),
        (
            "a,c | abe,cb,cb | depart,turn left,arrive",
            "a,e | abe,abe | depart,arrive",
            "a,d | abe,db,db | depart,turn right,arrive",
            "c,a | cb,abe,abe | depart,turn right,arrive",
            "c,d | cb,db | depart,arrive",
            "c,e | cb,abe,abe | depart,turn left,arrive",
            "d,a | db,abe,abe | depart,turn left,arrive",
            "d,c | db,cb | depart,arrive",
            "d,e | db,abe,abe | depart,turn right,arrive",
            "e,a | abe,abe | depart,arrive",
            "e,c | abe,cb,cb | depart,turn right,arrive",
            "e,d | abe,db,db | depart,turn left,arrive",
        ),
    ),
    S(
        "turn",
        "Four Way Intersection Double Through Street",
        10,
        FOUR_WAY,
        ("abe", "cbd"),
        (
            "a,c | abe,cbd,cbd | depart,turn left,arrive",
            "a,e | abe,abe | depart,arrive",
            "a,d | abe,cbd,cbd | depart,turn right,arrive",
            "c,a | cbd,abe,abe | depart,turn right,arrive",
            "c,d | cbd,cbd | depart,arrive",
            "c,e | cbd,abe,abe | depart,turn left,arrive",
            "d,a | cbd,abe,abe | depart,turn left,arrive",
            "d,c | cbd,cbd | depart,arrive",
            "d,e | cbd,abe,abe | depart,turn right,arrive",
            "e,a | abe,abe | depart,arrive",
            "e,c | abe,cbd,cbd | depart,turn right,arrive",
            "e,d | abe,cbd,cbd | depart,turn left,arrive",
        ),
    ),
    S(
        "turn",
        "Three Way Intersection",
        10,
        """
  c
a b d
""",
        ("ab", "cb", "db"),
        (
            "a,c | ab,cb,cb | depart,turn left,arrive",
            "a,d | ab,db | depart,arrive",
            "d,c | db,cb,cb | depart,turn right,arrive",
            "d,a | db,ab | depart,arrive",
        ),
    ),
    S(
        "turn",
        "Three Way Intersection on Through Street",
        10,
        """
  d
a b c
""",
        ("abc", "db"),
        (
            "a,c | abc,abc | depart,arrive",
            "a,d | abc,db,db | depart,turn left,arrive",
            "c,a | abc,abc | depart,arrive",
            "c,d | abc,db,db | depart,turn right,arrive",
        ),
    ),
    S(
        "turn",
        "High Degree Intersection",
        10,
        """
i   b   c


h   a   d


g   f   e
""",
        ("ab", "ac", "ad", "ae", "af", "ag", "ah", "ai"),
        (
            "b,c | ab,ac,ac | depart,turn sharp left,arrive",
            "b,d | ab,ad,ad | depart,turn left,arrive",
            "b,e | ab,ae,ae | depart,turn slight left,arrive",
            "b,f | ab,af | depart,arrive",
            "b,g | ab,ag,ag | depart,turn slight right,arrive",
            "b,h | ab,ah,ah | depart,turn right,arrive",
            "b,i | ab,ai,ai | depart,turn sharp right,arrive",
        ),
    ),
    S(
        "turn",
        "Three Way Similar Sharp Turns",
        10,
        """
a       b
c
  d
""",
        ("ab", "bc", "bd"),
        (
            "a,c | ab,bc,bc | depart,turn sharp right,arrive",
            "a,d | ab,bd,bd | depart,turn sharp right,arrive",
            "d,c | bd,bc,bc | depart,turn sharp left,arrive",
            "d,a | bd,ab,ab | depart,turn sharp left,arrive",
        ),
    ),
    S(
        "turn",
        "Left Turn Assignment (1)",
        10,
        """
        d
a   b   c
    e
""",
        ("abc", "bd", "be"),
        ("a,d | abc,bd,bd | depart,turn slight left,arrive",),
    ),
    S(
        "turn",
        "Left Turn Assignment (2)",
        10,
        """
        d

a   b   c
    e
""",
        ("abc", "bd", "be"),
        ("a,d | abc,bd,bd | depart,turn left,arrive",),
    ),
    S(
        "turn",
        "Left Turn Assignment (6)",
        10,
        """
d

a   b   c
    e
""",
        ("abc", "bd", "be"),
        ("a,d | abc,bd,bd | depart,turn sharp left,arrive",),
    ),
    S(
        "turn",
        "Right Turn Assignment (1)",
        10,
        """
    e
a   b   c
        d
""",
        ("abc", "bd", "be"),
        ("a,d | abc,bd,bd | depart,turn slight right,arrive",),
    ),
    S(
        "turn",
        "Right Turn Assignment (2)",
        10,
        """
    e
a   b   c

        d
""",
        ("abc", "bd", "be"),
        ("a,d | abc,bd,bd | depart,turn right,arrive",),
    ),
]

NEW_NAME = [
    S(
        "new-name",
        "Undisturbed name Change",
        150,
        "a   b   c",
        ("ab", "bc"),
        ("a,c | ab,bc,bc | depart,new name straight,arrive",),
    ),
    S(
        "new-name",
        "Undisturbed Name Change with unannounced Turn Right",
        150,
        """
a   b
        c
""",
        ("ab", "bc"),
        ("a,c | ab,bc,bc | depart,new name slight right,arrive",),
    ),
    S(
        "new-name",
        "Undisturbed Name Change with unannounced Turn Left",
        150,
        """
        c
a   b
""",
        ("ab", "bc"),
        ("a,c | ab,bc,bc | depart,new name slight left,arrive",),
    ),
    S(
        "new-name",
        "Disturbed Name Change with Turn",
        150,
        """
a   b
  d     c
""",
        ("ab", "bc", "db"),
        ("a,c | ab,bc,bc | depart,new name slight right,arrive",),
    ),
    S(
        "new-name",
        "Undisturbed Name Change with announced Turn Left",
        150,
        """
    c
a   b
""",
        ("ab", "bc"),
        ("a,c | ab,bc,bc | depart,new name left,arrive",),
    ),
    S(
        "new-name",
        "Undisturbed Name Change with announced Turn Sharp Left",
        150,
        """
c
a   b
""",
        ("ab", "bc"),
        ("a,c | ab,bc,bc | depart,new name sharp left,arrive",),
    ),
    S(
        "new-name",
        "Undisturbed Name Change with announced Turn Right",
        150,
        """
a   b
    c
""",
        ("ab", "bc"),
        ("a,c | ab,bc,bc | depart,new name right,arrive",),
    ),
    S(
        "new-name",
        "Undisturbed Name Change with announced Turn Sharp Right",
        150,
        """
a   b
c
""",
        ("ab", "bc"),
        ("a,c | ab,bc,bc | depart,new name sharp right,arrive",),
    ),
    S(
        "new-name",
        "Empty road names - Announce Change From, suppress Change To",
        150,
        "a   b 1 c   d",
        ("ab name=ab", "bc name=", "cd name=cd"),
        ("a,d | ab,cd,cd | depart,new name straight,arrive", "a,1 | ab, | depart,arrive"),
    ),
    S(
        "new-name",
        "Empty road names - Loose name shortly",
        150,
        "a   b   c   d   e",
        ("ab name=name", "bc name=with-name", "cd name=", "de name=with-name"),
        (
            "a,e | name,with-name,with-name | depart,new name straight,arrive",
            "b,e | with-name,with-name | depart,arrive",
        ),
    ),
    S("new-name", "Both Name and Ref Empty", 150, "a   b   c", ("ab name=", "bc name="), ("a,c | , | depart,arrive",)),
    S(
        "new-name",
        "Same Name, Ref Extended",
        150,
        "a   b   c",
        ("ab name=A ref=B1", "bc name=C ref=B1;B2"),
        ("a,c | A,C,C | depart,new name straight,arrive",),
    ),
    S(
        "new-name",
        "Name Added, Ref Removed",
        150,
        "a   b   c",
        ("ab name= ref=B1", "bc name=A"),
        ("a,c | ,A,A | depart,new name straight,arrive",),
    ),
    S(
        "new-name",
        "Prefix Change",
        150,
        "a       b       c",
        (
            "ab name=North_Central_Expressway ref=US_75 highway=motorway",
            "bc name=Central_Expressway ref=US_75 highway=motorway",
        ),
        ("a,c | North Central Expressway,Central Expressway | depart,arrive",),
    ),
]

END_OF_ROAD = [
    S(
        "end-of-road",
        "End of Road with through street",
        10,
        """
    c
a e b
  f d
""",
        ("aeb", "cbd", "ef"),
        ("a,c | aeb,cbd,cbd | depart,end of road left,arrive", "a,d | aeb,cbd,cbd | depart,end of road right,arrive"),
    ),
    S(
        "end-of-road",
        "End of Road with three streets",
        10,
        """
    c
a e b
  f d
""",
        ("aeb", "cb", "bd", "ef"),
        ("a,c | aeb,cb,cb | depart,end of road left,arrive", "a,d | aeb,bd,bd | depart,end of road right,arrive"),
    ),
    S(
        "end-of-road",
        "End of Road with three streets, slightly angled",
        10,
        """
a e       c
  f       b
          d
""",
        ("aeb", "cb", "bd", "ef"),
        ("a,c | aeb,cb,cb | depart,end of road left,arrive", "a,d | aeb,bd,bd | depart,end of road right,arrive"),
    ),
    S(
        "end-of-road",
        "End of Road with through street, slightly angled",
        10,
        """
          c
  f       b
a e       d
""",
        ("aeb", "ef", "cbd"),
        ("a,c | aeb,cbd,cbd | depart,end of road left,arrive", "a,d | aeb,cbd,cbd | depart,end of road right,arrive"),
    ),
    S(
        "end-of-road",
        "End of Road with two ramps - prefer ramp over end of road",
        10,
        """
    c
a e b
  f d
""",
        ("aeb", "ef", "bc highway=motorway_link", "bd highway=motorway_link"),
        ("a,c | aeb,bc,bc | depart,on ramp left,arrive", "a,d | aeb,bd,bd | depart,on ramp right,arrive"),
    ),
]

FORK = [
    S(
        "fork",
        "Fork Same Road Class",
        10,
        """
    c
a b
    d
""",
        ("ab", "bc", "bd"),
        ("a,c | ab,bc,bc | depart,fork slight left,arrive", "a,d | ab,bd,bd | depart,fork slight right,arrive"),
    ),
    S(
        "fork",
        "Do not fork on link type",
        10,
        """
    c
a b
    d
""",
        ("abc", "bd highway=primary_link"),
        ("a,c | abc,abc | depart,arrive", "a,d | abc,bd,bd | depart,turn slight right,arrive"),
    ),
    S(
        "fork",
        "Fork in presence of other roads",
        10,
        """
    c
a b
 e  d
""",
        ("ab", "bc", "bd", "eb"),
        ("a,c | ab,bc,bc | depart,fork slight left,arrive", "a,d | ab,bd,bd | depart,fork slight right,arrive"),
    ),
    S(
        "fork",
        "Do not fork on service",
        10,
        """
    c
a b
    d
""",
        ("abc highway=residential", "bd highway=service"),
        ("a,c | abc,abc | depart,arrive", "a,d | abc,bd,bd | depart,turn slight right,arrive"),
    ),
    S(
        "fork",
        "Fork Both Turning Slight Right",
        10,
        """
a b
     c
     d
""",
        ("ab", "bc", "bd"),
        ("a,c | ab,bc,bc | depart,fork slight left,arrive", "a,d | ab,bd,bd | depart,fork slight right,arrive"),
    ),
    S(
        "fork",
        "Non-Fork on complex intersection - left",
        10,
        """
    c
a b
 e  d
""",
        ("abc highway=secondary", "bd highway=tertiary", "eb highway=tertiary"),
        ("a,c | abc,abc | depart,arrive", "a,d | abc,bd,bd | depart,turn slight right,arrive"),
    ),
    S(
        "fork",
        "Tripple fork",
        10,
        """
        c
a b d
        e
""",
        ("ab highway=secondary", "bc highway=secondary", "bd highway=secondary", "be highway=secondary"),
        (
            "a,c | ab,bc,bc | depart,fork slight left,arrive",
            "a,d | ab,bd,bd | depart,fork straight,arrive",
            "a,e | ab,be,be | depart,fork slight right,arrive",
        ),
    ),
    S(
        "fork",
        "Tripple fork -- middle obvious",
        10,
        """
    c
a b d
    e
""",
        ("abd highway=secondary", "bc highway=secondary", "be highway=secondary"),
        (
            "a,c | abd,bc,bc | depart,turn slight left,arrive",
            "a,d | abd,abd | depart,arrive",
            "a,e | abd,be,be | depart,turn slight right,arrive",
        ),
    ),
    S(
        "fork",
        "Don't Fork when leaving Road",
        10,
        """
a b c
    d
""",
        ("abc highway=secondary", "bd highway=secondary"),
        ("a,c | abc,abc | depart,arrive", "a,d | abc,bd,bd | depart,turn slight right,arrive"),
    ),
]

FORK = [replace(s, cells=True) for s in FORK]  # fork.feature draws its maps as tables

RING = """
    a
    b
d c   g h
    e
    f
"""
ROUNDABOUT = [
    S(
        "roundabout",
        "Only Enter",
        10,
        RING,
        ("ab", "cd", "ef", "gh", "bcegb junction=roundabout"),
        tuple(
            f"{a},{b} | {w},bcegb,bcegb | depart,roundabout-exit-undefined,arrive"
            for a, b, w in [
                ("a", "c", "ab"),
                ("a", "e", "ab"),
                ("a", "g", "ab"),
                ("d", "e", "cd"),
                ("d", "g", "cd"),
                ("d", "b", "cd"),
                ("f", "g", "ef"),
                ("f", "b", "ef"),
                ("f", "c", "ef"),
                ("h", "b", "gh"),
                ("h", "c", "gh"),
                ("h", "e", "gh"),
            ]
        ),
    ),
    S(
        "roundabout",
        "Roundabout With Service",
        10,
        """
    a h
    bg
d c
    e
    f
""",
        ("ab", "cd", "ef highway=service", "gh", "bcegb junction=roundabout"),
        (
            "a,d | ab,cd,cd | depart,roundabout-exit-1,arrive",
            "a,h | ab,gh,gh | depart,roundabout-exit-2,arrive",
            "a,f | ab,ef,ef | depart,roundabout-exit-2,arrive",
        ),
    ),
    S(
        "roundabout",
        "Only Roundabout",
        10,
        """
  a
b   d
  c
""",
        ("abcda junction=roundabout",),
        ("a,c | abcda,abcda | depart,arrive",),
    ),
    S(
        "roundabout",
        "Only Exit",
        10,
        RING,
        ("ab", "cd", "ef", "gh", "bcegb junction=roundabout"),
        (
            "b,d | bcegb,cd,cd | depart,roundabout-exit-1,arrive",
            "b,f | bcegb,ef,ef | depart,roundabout-exit-2,arrive",
            "b,h | bcegb,gh,gh | depart,roundabout-exit-3,arrive",
            "c,f | bcegb,ef,ef | depart,roundabout-exit-1,arrive",
            "c,h | bcegb,gh,gh | depart,roundabout-exit-2,arrive",
            "c,a | bcegb,ab,ab | depart,roundabout-exit-3,arrive",
            "e,h | bcegb,gh,gh | depart,roundabout-exit-1,arrive",
            "e,a | bcegb,ab,ab | depart,roundabout-exit-2,arrive",
            "e,d | bcegb,cd,cd | depart,roundabout-exit-3,arrive",
            "g,a | bcegb,ab,ab | depart,roundabout-exit-1,arrive",
            "g,d | bcegb,cd,cd | depart,roundabout-exit-2,arrive",
            "g,f | bcegb,ef,ef | depart,roundabout-exit-3,arrive",
        ),
    ),
    S(
        "roundabout",
        "Drive Around",
        10,
        RING,
        ("ab", "cd", "ef", "gh", "bcegb junction=roundabout"),
        tuple(
            f"{a},{b} | bcegb,bcegb | depart,arrive"
            for a, b in [
                ("b", "c"),
                ("b", "e"),
                ("b", "g"),
                ("c", "e"),
                ("c", "g"),
                ("c", "b"),
                ("e", "g"),
                ("e", "b"),
                ("e", "c"),
                ("g", "b"),
                ("g", "c"),
                ("g", "e"),
            ]
        ),
    ),
]

ALL = TURN + NEW_NAME + END_OF_ROAD + FORK + ROUNDABOUT
