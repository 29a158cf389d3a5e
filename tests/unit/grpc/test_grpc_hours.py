"""Opening hours: the documented format, overnight spans, and clear errors for bad text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eco2.servers.location.hours import KST, HoursError, parse_hours

# 2026-11-23 is a Monday.
MONDAY = 23


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=KST)


def test_empty_hours_are_unknown() -> None:
    assert parse_hours("  ") is None


def test_weekday_range_in_korean_and_english() -> None:
    for text in ("월-금 09:00-18:00", "mon-fri 09:00-18:00", "MON-FRI 9:00 - 18:00"):
        hours = parse_hours(text)
        assert hours is not None
        assert hours.is_open(at(MONDAY, 9))
        assert hours.is_open(at(MONDAY + 4, 17, 59))  # Friday
        assert not hours.is_open(at(MONDAY, 18))  # end is exclusive
        assert not hours.is_open(at(MONDAY, 8, 59))
        assert not hours.is_open(at(MONDAY + 5, 12))  # Saturday


def test_several_rules_and_day_lists() -> None:
    hours = parse_hours("월,수 10:00-12:00; 토 13:00-15:00")
    assert hours is not None
    assert hours.is_open(at(MONDAY, 11))
    assert not hours.is_open(at(MONDAY + 1, 11))  # Tuesday
    assert hours.is_open(at(MONDAY + 2, 11))  # Wednesday
    assert hours.is_open(at(MONDAY + 5, 14))  # Saturday


def test_overnight_span_continues_into_the_next_day() -> None:
    hours = parse_hours("금 20:00-02:00")
    assert hours is not None
    assert hours.is_open(at(MONDAY + 4, 23))  # Friday night
    assert hours.is_open(at(MONDAY + 5, 1, 30))  # Saturday early
    assert not hours.is_open(at(MONDAY + 5, 2))
    assert not hours.is_open(at(MONDAY + 3, 23))  # Thursday night


def test_week_range_wraps_around_sunday() -> None:
    hours = parse_hours("토-월 10:00-11:00")
    assert hours is not None
    assert hours.is_open(at(MONDAY + 6, 10, 30))  # Sunday
    assert hours.is_open(at(MONDAY, 10, 30))
    assert not hours.is_open(at(MONDAY + 1, 10, 30))


def test_always_open_and_full_day() -> None:
    for text in ("24시간", "24h", "매일 00:00-24:00"):
        hours = parse_hours(text)
        assert hours is not None and hours.is_open(at(MONDAY + 6, 23, 59)), text


def test_moment_is_read_in_korea_time() -> None:
    hours = parse_hours("월 09:00-10:00")
    assert hours is not None
    assert hours.is_open(datetime(2026, 11, 23, 0, 30, tzinfo=UTC))  # 09:30 KST
    assert not hours.is_open(datetime(2026, 11, 23, 9, 30, tzinfo=UTC))  # 18:30 KST


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("아무때나", "형식"),
        ("월-금 9시-18시", "형식"),
        ("월-금 09:00-25:00", "시각"),
        ("월-금 09:60-10:00", "시각"),
        ("월-xyz 09:00-10:00", "요일"),
        ("월 09:00-09:00", "같습니다"),
        (";", "규칙이 없습니다"),
    ],
)
def test_bad_hours_are_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(HoursError, match=reason):
        parse_hours(text)
