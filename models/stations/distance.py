"""Distances on the map: the great-circle distance between two points, and the bounding box
of a radius, which a database can search by its index on latitude and longitude before the
exact distance is worked out for the few rows inside it."""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8  # the IUGG mean radius, as great-circle distances use
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180  # of latitude, anywhere; ~111.2 km
# Near a pole a degree of longitude shrinks to nothing: past this latitude the box spans every
# longitude (no city is there, but the rule must not divide by zero).
POLAR_LATITUDE = 89.0


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True)
class Box:
    """Latitudes and longitudes (inclusive) holding every point within a radius of a centre.
    Across the antimeridian `west > east`: the box is the longitudes outside (east, west)."""

    south: float
    north: float
    west: float
    east: float

    @property
    def wraps(self) -> bool:
        return self.west > self.east


def bounding_box(latitude: float, longitude: float, radius_m: float) -> Box:
    """The smallest latitude/longitude box around every point within `radius_m` of the centre
    (a little larger than needed at the box's corners, which the exact distance then drops)."""
    dlat = radius_m / METRES_PER_DEGREE
    south, north = max(-90.0, latitude - dlat), min(90.0, latitude + dlat)
    widest = max(abs(south), abs(north))
    if widest >= POLAR_LATITUDE:
        return Box(south, north, -180.0, 180.0)
    dlon = dlat / math.cos(math.radians(widest))
    if dlon >= 180:
        return Box(south, north, -180.0, 180.0)
    west, east = longitude - dlon, longitude + dlon
    if west < -180:
        west += 360
    if east > 180:
        east -= 360
    return Box(south, north, west, east)
