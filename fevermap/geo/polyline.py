"""Google's encoded polyline format (precision 5 or 6), as OSRM uses for route geometries.

Positions are ``(lon, lat)`` in and out; the encoding itself stores latitude first, as the format requires.

Examples
--------
>>> encode([(-120.2, 38.5), (-120.95, 40.7), (-126.453, 43.252)])
'_p~iF~ps|U_ulLnnqC_mqNvxq`@'
>>> decode('_p~iF~ps|U_ulLnnqC_mqNvxq`@')
[(-120.2, 38.5), (-120.95, 40.7), (-126.453, 43.252)]
"""

from __future__ import annotations

from collections.abc import Iterable

from fevermap.errors import InputError


def _encode_value(value: int, out: list[str]) -> None:
    value = ~(value << 1) if value < 0 else value << 1
    while value >= 0x20:
        out.append(chr((0x20 | (value & 0x1F)) + 63))
        value >>= 5
    out.append(chr(value + 63))


def encode(points: Iterable[tuple[float, float]], precision: int = 5) -> str:
    """Encode ``(lon, lat)`` degrees as a polyline string."""
    factor = 10**precision
    out: list[str] = []
    prev_lat = prev_lon = 0
    for lon, lat in points:
        ilat, ilon = round(lat * factor), round(lon * factor)
        _encode_value(ilat - prev_lat, out)
        _encode_value(ilon - prev_lon, out)
        prev_lat, prev_lon = ilat, ilon
    return "".join(out)


def decode(text: str, precision: int = 5) -> list[tuple[float, float]]:
    """Decode a polyline string to ``(lon, lat)`` degrees; :class:`InputError` if it is malformed."""
    factor = 10**precision
    coords: list[tuple[float, float]] = []
    index = lat = lon = 0
    values: list[int] = []
    while index < len(text):
        result = shift = 0
        while True:
            if index >= len(text):
                raise InputError("malformed polyline: it ends in the middle of a value")
            byte = ord(text[index]) - 63
            index += 1
            if byte < 0 or byte > 63:
                raise InputError(f"malformed polyline: unexpected character {text[index - 1]!r}")
            result |= (byte & 0x1F) << shift
            shift += 5
            if byte < 0x20:
                break
        values.append(~(result >> 1) if result & 1 else result >> 1)
        if len(values) == 2:
            lat += values[0]
            lon += values[1]
            coords.append((lon / factor, lat / factor))
            values = []
    if values:
        raise InputError("malformed polyline: odd number of values")
    return coords
