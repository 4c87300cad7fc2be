"""Where an address is, when the operator configured a MaxMind GeoIP2/GeoLite2 City database.

Optional: without USERPOOLS_GEOIP_DATABASE, or without the `geoip2` package (the `geoip` extra,
not a core dependency), or with a file that cannot be opened, `locate` answers None and risk
scoring skips impossible travel and takes sign-in hours in UTC.
"""
from __future__ import annotations

import functools
import ipaddress
import logging
import math
from dataclasses import dataclass

from django.conf import settings

log = logging.getLogger(__name__)
MAX_TRAVEL_KMH = 900  # an airliner's cruising speed: faster than that between sign-ins is not one person
EARTH_RADIUS_KM = 6371.0


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    city: str = ""
    country: str = ""
    timezone: str = ""


@functools.lru_cache(maxsize=1)
def _reader(path: str):
    try:
        import geoip2.database
    except ImportError:
        log.warning("USERPOOLS_GEOIP_DATABASE is set but the geoip2 package is not installed: no impossible-travel signal")
        return None
    try:
        return geoip2.database.Reader(path)
    except (OSError, RuntimeError) as exc:  # missing, unreadable, not a MaxMind DB (maxminddb.InvalidDatabaseError)
        # Logged once per process (the None is cached): a broken optional file must not fail every sign-in.
        log.error("USERPOOLS_GEOIP_DATABASE %s cannot be opened (%s): no impossible-travel signal", path, exc)
        return None


def locate(ip: str | None) -> Location | None:
    """The city-level location of `ip`, or None (no database, private or unknown address).

    An IPv4-mapped IPv6 address (a dual-stack server's `::ffff:203.0.113.7`) is looked up as its
    IPv4 self, whether or not the database aliases the mapped range.
    """
    path = getattr(settings, "USERPOOLS_GEOIP_DATABASE", "")
    reader = _reader(path) if path and ip else None
    if reader is None:
        return None
    try:
        address = ipaddress.ip_address(ip)
        found = reader.city(getattr(address, "ipv4_mapped", None) or address)
    except Exception:  # AddressNotFoundError, a malformed address
        return None
    if found.location.latitude is None:
        return None
    return Location(found.location.latitude, found.location.longitude, found.city.name or "", found.country.iso_code or "", found.location.time_zone or "")


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))
