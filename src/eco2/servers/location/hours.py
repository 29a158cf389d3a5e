"""Opening hours as written in the CSV ``hours`` column, and whether a place is open at a moment.

Format: rules separated by ";", each ``DAYS HH:MM-HH:MM``. DAYS is ``매일``/``daily``, one day, a range
(``월-금``, ``mon-fri``) or a comma list (``월,수,금``); days are 월화수목금토일 or mon..sun. ``24:00`` ends a
day; an end before the start runs past midnight (``금 20:00-02:00``). ``24시간``/``24h`` means always open.
An empty value means the hours are unknown. Times are Korea Standard Time (UTC+9, no daylight saving).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")

_DAYS = {name: index for index, names in enumerate(
    [("월", "mon"), ("화", "tue"), ("수", "wed"), ("목", "thu"), ("금", "fri"), ("토", "sat"), ("일", "sun")]
) for name in names}
_ALWAYS = {"24시간", "24h", "연중무휴24시간"}
_RULE = re.compile(r"^(?P<days>\S+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$")


class HoursError(ValueError):
    """The hours text does not follow the documented format."""


@dataclass(frozen=True)
class HoursRule:
    days: frozenset[int]
    start: int  # minutes after midnight
    end: int


@dataclass(frozen=True)
class OpeningHours:
    rules: tuple[HoursRule, ...]

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(KST)
        day, minute = local.weekday(), local.hour * 60 + local.minute
        for rule in self.rules:
            if rule.start < rule.end:
                if day in rule.days and rule.start <= minute < rule.end:
                    return True
            else:  # runs past midnight
                if day in rule.days and minute >= rule.start:
                    return True
                if (day - 1) % 7 in rule.days and minute < rule.end:
                    return True
        return False


def parse_hours(text: str) -> OpeningHours | None:
    """Parse the hours column; None when empty (unknown). Raises HoursError with the reason."""
    value = text.strip()
    if not value:
        return None
    if value.replace(" ", "").lower() in _ALWAYS:
        return OpeningHours((HoursRule(frozenset(range(7)), 0, 24 * 60),))
    rules = []
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        match = _RULE.match(part)
        if match is None:
            raise HoursError(f"영업시간 형식이 잘못되었습니다: '{part}' (예: 월-금 09:00-18:00)")
        start, end = _minutes(match["start"]), _minutes(match["end"])
        if start == end:
            raise HoursError(f"시작과 끝 시각이 같습니다: '{part}'")
        rules.append(HoursRule(_days(match["days"]), start, end))
    if not rules:
        raise HoursError("영업시간 규칙이 없습니다")
    return OpeningHours(tuple(rules))


def _minutes(text: str) -> int:
    hour, minute = (int(v) for v in text.split(":"))
    if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
        raise HoursError(f"시각이 잘못되었습니다: {text}")
    return hour * 60 + minute


def _days(text: str) -> frozenset[int]:
    spec = text.lower()
    if spec in {"매일", "daily"}:
        return frozenset(range(7))
    days: set[int] = set()
    for item in spec.split(","):
        first, _, last = item.partition("-")
        if first not in _DAYS or (last and last not in _DAYS):
            raise HoursError(f"요일이 잘못되었습니다: '{item}' (월화수목금토일 또는 mon..sun)")
        start = _DAYS[first]
        stop = _DAYS[last] if last else start
        span = (stop - start) % 7
        days.update((start + offset) % 7 for offset in range(span + 1))
    return frozenset(days)
