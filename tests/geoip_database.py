"""A tiny MaxMind City database, written with mmdb-writer in the record layout GeoIP2/GeoLite2 City files use."""
from __future__ import annotations

from pathlib import Path

from mmdb_writer import MMDBWriter
from netaddr import IPSet

PARIS_NET, SYDNEY_NET = "203.0.113.0/24", "198.51.100.0/24"  # documentation ranges (RFC 5737)
PARIS = {
    "city": {"geoname_id": 2988507, "names": {"en": "Paris", "fr": "Paris"}},
    "continent": {"code": "EU", "geoname_id": 6255148, "names": {"en": "Europe"}},
    "country": {"geoname_id": 3017382, "iso_code": "FR", "names": {"en": "France"}},
    "location": {"accuracy_radius": 20, "latitude": 48.8566, "longitude": 2.3522, "time_zone": "Europe/Paris"},
}
SYDNEY = {
    "city": {"geoname_id": 2147714, "names": {"en": "Sydney"}},
    "continent": {"code": "OC", "geoname_id": 6255151, "names": {"en": "Oceania"}},
    "country": {"geoname_id": 2077456, "iso_code": "AU", "names": {"en": "Australia"}},
    "location": {"accuracy_radius": 50, "latitude": -33.8688, "longitude": 151.2093, "time_zone": "Australia/Sydney"},
}


def write_city_database(path: Path, networks: dict[str, dict] | None = None) -> Path:
    """Write `networks` (CIDR -> City record; by default Paris and Sydney) as a City database at `path`.

    An IPv6 tree with IPv4 mapped into it, as MaxMind ships City files; the database type names
    City, which geoip2's `Reader.city()` checks before it answers.
    """
    writer = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="GeoLite2-City", languages=["en"],
                        description="Userpools test City database")
    for network, record in (networks or {PARIS_NET: PARIS, SYDNEY_NET: SYDNEY}).items():
        writer.insert_network(IPSet([network]), record)
    writer.to_db_file(str(path))
    return path
