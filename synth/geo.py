"""Coordinates in CGCS2000 longitude/latitude: where places are, parcel shapes, areas.

Areas use a local projection on the CGCS2000 ellipsoid (meridian and prime
vertical radii at the polygon's latitude). For parcels of a few hectares it
agrees with a geodesic area far inside the interface's 5% tolerance.
"""

from __future__ import annotations

import math

import numpy as np

# CGCS2000 ellipsoid
A = 6_378_137.0
F = 1 / 298.257222101
E2 = F * (2 - F)

# county -> (centre lon, centre lat, half-width lon, half-height lat); all inside the city bbox
COUNTY_BOXES = {
    "371602": (118.02, 37.42, 0.10, 0.09),
    "371603": (118.12, 37.68, 0.12, 0.11),
    "371621": (117.52, 37.47, 0.12, 0.10),
    "371622": (117.60, 37.63, 0.10, 0.08),
    "371623": (117.64, 37.85, 0.14, 0.15),
    "371625": (118.12, 37.14, 0.10, 0.09),
    "371681": (117.75, 36.88, 0.14, 0.10),
}


def points(rng: np.random.Generator, county: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    cx, cy, hx, hy = COUNTY_BOXES[county]
    return cx + rng.uniform(-hx, hx, n), cy + rng.uniform(-hy, hy, n)


def _radii(lat: float) -> tuple[float, float]:
    s = math.sin(math.radians(lat))
    w = math.sqrt(1 - E2 * s * s)
    meridian = A * (1 - E2) / w**3
    prime_vertical = A / w
    return meridian, prime_vertical


def area_m2(ring: list[tuple[float, float]]) -> float:
    """Area of a closed lon/lat ring (first point repeated last), in square metres."""
    lat0 = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    lon0 = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    m, n = _radii(lat0)
    kx = math.radians(1) * n * math.cos(math.radians(lat0))
    ky = math.radians(1) * m
    xy = [((lon - lon0) * kx, (lat - lat0) * ky) for lon, lat in ring]
    s = 0.0
    for (x1, y1), (x2, y2) in zip(xy, xy[1:]):
        s += x1 * y2 - x2 * y1
    return abs(s) / 2


def polygon(rng: np.random.Generator, lon: float, lat: float, target_m2: float, vertices: int) -> list[list[float]]:
    """A simple (star-shaped, so valid) polygon of roughly `target_m2` around a centre.

    Counter-clockwise, closed, coordinates rounded to 7 decimals (about 1 cm).
    """
    m, n = _radii(lat)
    # keep vertices apart so the ring never folds back on itself
    angles = (np.arange(vertices) + rng.uniform(0.15, 0.85, vertices)) * (2 * math.pi / vertices)
    radial = rng.uniform(0.75, 1.0, vertices)
    # area of a polygon with these radii is 1/2 sum r_i r_{i+1} sin(d angle): scale to target
    r2 = radial * np.roll(radial, -1)
    dang = np.diff(np.append(angles, angles[0] + 2 * math.pi))
    unit = 0.5 * float(np.sum(r2 * np.sin(dang)))
    scale = math.sqrt(target_m2 / unit)
    ring = []
    for a, r in zip(angles, radial):
        dx, dy = scale * r * math.cos(a), scale * r * math.sin(a)
        ring.append(
            [round(lon + math.degrees(dx / (n * math.cos(math.radians(lat)))), 7), round(lat + math.degrees(dy / m), 7)]
        )
    ring.append(list(ring[0]))
    return ring
