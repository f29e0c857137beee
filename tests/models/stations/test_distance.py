"""The distance rules: great-circle distances, and the bounding box that holds every point
within a radius (the nearby search's prefilter must never drop a point inside the radius)."""

from __future__ import annotations

import math
import random

import pytest

from models.stations.distance import METRES_PER_DEGREE, bounding_box, distance_m

XIAMEN = (24.4798, 118.0894)


def test_distances_are_great_circle_metres() -> None:
    assert distance_m(*XIAMEN, *XIAMEN) == 0
    assert distance_m(0, 0, 1, 0) == pytest.approx(METRES_PER_DEGREE, rel=1e-6)
    assert distance_m(60, 0, 60, 1) == pytest.approx(METRES_PER_DEGREE / 2, rel=2e-3)
    # Zhongshan Park to Gulangyu's ferry pier, about 2.3 km as a map measures it.
    assert distance_m(24.4591, 118.0879, 24.4530, 118.0660) == pytest.approx(2320, rel=0.02)


@pytest.mark.parametrize("centre", [XIAMEN, (-33.87, 151.21), (64.1, -21.9), (0.0, 179.99)])
def test_the_box_holds_every_point_within_the_radius(centre: tuple[float, float]) -> None:
    radius = 5000.0
    box = bounding_box(*centre, radius)
    rng = random.Random(19)
    for _ in range(2000):
        bearing, reach = rng.uniform(0, 2 * math.pi), rng.uniform(0, 0.999) * radius
        lat = centre[0] + math.cos(bearing) * reach / METRES_PER_DEGREE
        lon = centre[1] + math.sin(bearing) * reach / (
            METRES_PER_DEGREE * math.cos(math.radians(lat))
        )
        lon = (lon + 180) % 360 - 180
        if distance_m(*centre, lat, lon) > radius:
            continue  # the flat-earth step overshot: not a point of the disc
        assert box.south <= lat <= box.north
        inside = (lon >= box.west or lon <= box.east) if box.wraps else box.west <= lon <= box.east
        assert inside, (lat, lon, box)


def test_the_box_is_tight_and_wraps_at_the_antimeridian() -> None:
    box = bounding_box(*XIAMEN, 5000)
    assert box.north - box.south == pytest.approx(2 * 5000 / METRES_PER_DEGREE)
    assert not box.wraps and box.east - box.west < 0.11  # ~10 km of longitude at 24.5°
    date_line = bounding_box(0.0, 179.99, 5000)
    assert date_line.wraps and date_line.west > 179 and date_line.east < -179
    polar = bounding_box(89.99, 10, 5000)
    assert (polar.west, polar.east) == (-180, 180)
