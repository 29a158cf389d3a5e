"""Distances against hand-computed values, and the bounding box never cutting off the circle."""

from __future__ import annotations

import math

import pytest

from eco2.servers.location.geo import EARTH_RADIUS_KM, bounding_box, distance_text, haversine_km

ONE_DEGREE_KM = 2 * math.pi * EARTH_RADIUS_KM / 360  # 111.195 km along a meridian or the equator


def test_one_degree_along_a_meridian() -> None:
    assert haversine_km(37.0, 127.0, 38.0, 127.0) == pytest.approx(ONE_DEGREE_KM, rel=1e-9)
    assert pytest.approx(111.195, abs=1e-3) == ONE_DEGREE_KM


def test_one_degree_along_the_equator() -> None:
    assert haversine_km(0.0, 10.0, 0.0, 11.0) == pytest.approx(ONE_DEGREE_KM, rel=1e-9)


def test_longitude_shrinks_with_latitude() -> None:
    # At 60 degrees north a small eastward step is half as long as at the equator.
    step = haversine_km(60.0, 0.0, 60.0, 0.01)
    assert step == pytest.approx(0.5 * ONE_DEGREE_KM * 0.01, rel=1e-4)


def test_same_point_is_zero_and_antipodes_are_half_the_circumference() -> None:
    assert haversine_km(37.5, 127.0, 37.5, 127.0) == 0
    assert haversine_km(0, 0, 0, 180) == pytest.approx(math.pi * EARTH_RADIUS_KM)


@pytest.mark.parametrize("bearing", range(0, 360, 15))
def test_bounding_box_contains_points_on_the_circle(bearing: int) -> None:
    lat, lon, radius = 37.5, 127.0, 5.0
    box = bounding_box(lat, lon, radius)
    # destination point at exactly `radius` km on the given bearing (spherical formula)
    delta, theta = radius / EARTH_RADIUS_KM, math.radians(bearing)
    phi1, lambda1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(math.sin(phi1) * math.cos(delta) + math.cos(phi1) * math.sin(delta) * math.cos(theta))
    lambda2 = lambda1 + math.atan2(math.sin(theta) * math.sin(delta) * math.cos(phi1),
                                   math.cos(delta) - math.sin(phi1) * math.sin(phi2))
    p_lat, p_lon = math.degrees(phi2), math.degrees(lambda2)
    assert haversine_km(lat, lon, p_lat, p_lon) == pytest.approx(radius, rel=1e-9)
    assert box.min_lat <= p_lat <= box.max_lat
    assert box.min_lon <= p_lon <= box.max_lon


def test_bounding_box_opens_longitude_near_the_pole_and_antimeridian() -> None:
    polar = bounding_box(89.99, 0.0, 5.0)
    assert (polar.min_lon, polar.max_lon) == (-180.0, 180.0)
    wrap = bounding_box(0.0, 179.99, 5.0)
    assert (wrap.min_lon, wrap.max_lon) == (-180.0, 180.0)


@pytest.mark.parametrize(("km", "text"), [(0.0, "0m"), (0.3504, "350m"), (0.9994, "999m"), (1.0, "1.0km"),
                                          (12.345, "12.3km")])
def test_distance_text(km: float, text: str) -> None:
    assert distance_text(km) == text
