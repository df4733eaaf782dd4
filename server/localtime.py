"""Times as people read them: in the organisation's time zone (``settings.timezone``), Vietnamese style
(dd/mm/yyyy, 24 h). The database keeps UTC; only what a person reads is converted, so a meeting at 02:44
local time is dated that local day, not the previous one in UTC."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo


@lru_cache(maxsize=8)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_local(moment: datetime, zone_name: str) -> datetime:
    """`moment` (aware, or naive UTC as SQLite returns it) in the zone `zone_name`."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(zone(zone_name))


def local_date(moment: datetime, zone_name: str) -> str:
    """``06/12/2026``: the local day of `moment`."""
    return f"{to_local(moment, zone_name):%d/%m/%Y}"


def local_stamp(moment: datetime, zone_name: str) -> str:
    """``06/12/2026 21:03 GMT+7``: the local day and time, with the offset so a printed copy is unambiguous."""
    local = to_local(moment, zone_name)
    offset = local.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    gmt = f"GMT{sign}{hours}" + (f":{rest:02d}" if rest else "")
    return f"{local:%d/%m/%Y %H:%M} {gmt}"
