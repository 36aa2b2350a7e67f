"""The geo-IP table for the JVM side of the stream job, exported from the Python reference.

`enrich.geo_lookup` (geoip2fast's bundled country + ASN data) is the reference lookup. The
job's Java function answers the same question from this export: every IPv4 network of the
data as (first address, last address, name index), for countries and for network owners, so a
lookup is two binary searches there. Written once per data version into the data folder.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any, BinaryIO

from ecomlake.stream.enrich import _geoip

MAGIC = 0x45474531  # "EGE1", checked by the reader (Geo.java)
FORMAT_VERSION = 1


def _utf(out: BinaryIO, text: str) -> None:
    """A 2-byte length, then UTF-8 (Geo.java reads it back)."""
    data = text.encode("utf-8")
    out.write(struct.pack(">H", len(data)) + data)


def _country(name_entry: str, index: int) -> tuple[str, str]:
    """(code, name) as geoip2fast's lookup reports them; '--' for private and reserved ranges."""
    parts = name_entry.split(":")
    if len(parts) != 2:
        return "", ""  # the reference's lookup fails on such an entry: no country
    code, name = parts
    return ("--" if index < 16 else code), name


def _ranges(module: Any, first: str, netlen: str, ids: str) -> list[tuple[int, int, int]]:
    sizes = module.numIPsv4
    rows = []
    for starts, lengths, names in zip(
        getattr(module, first), getattr(module, netlen), getattr(module, ids), strict=True
    ):
        for start, length, name in zip(starts, lengths, names, strict=True):
            rows.append((start, start + sizes[length] - 1, name))
    return rows


def export(path: Path) -> Path:
    """Write the table to `path` (atomically) and return it."""
    _geoip()  # loads the data into geoip2fast's module globals
    import geoip2fast.geoip2fast as data

    countries = [_country(entry, i) for i, entry in enumerate(data.mainListNamesCountry)]
    tmp = path.with_suffix(".tmp")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tmp.open("wb") as out:
        out.write(struct.pack(">ii", MAGIC, len(countries)))
        for code, name in countries:
            _utf(out, code)
            _utf(out, name)
        for names, ranges in (
            (None, _ranges(data, "mainListFirstIP", "mainListNetlength", "mainListIDCountryCodes")),
            (
                data.mainListNamesASN,
                _ranges(data, "mainListFirstIPASN", "mainListNetlengthASN", "mainListIDASN"),
            ),
        ):
            if names is not None:
                out.write(struct.pack(">i", len(names)))
                for name in names:
                    _utf(out, name)
            out.write(struct.pack(">i", len(ranges)))
            out.write(b"".join(struct.pack(">qqi", *row) for row in ranges))
    tmp.replace(path)
    return path


def geo_table(data_dir: Path) -> Path:
    """The exported table for this geoip2fast version, written on first use."""
    import geoip2fast

    version = getattr(geoip2fast, "__version__", "unknown")
    path = data_dir / "flink" / f"geo-v{FORMAT_VERSION}-{version}.bin"
    return path if path.exists() else export(path)
