"""The SAML request-signing certificate of a pool (GetSigningCertificate): self-signed, RSA-2048, ten years."""
from __future__ import annotations

import datetime
import secrets

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from django.db import IntegrityError, transaction

from cognito_api.models import SigningCertificate
from identity import clock, crypto
from identity.models import UserPool
from identity.services import keys

VALIDITY = datetime.timedelta(days=3650)  # Cognito: "valid for 10 years from the date of issue"


def get_signing_certificate(*, pool: UserPool) -> SigningCertificate:
    """The pool's certificate, made and stored on first request (two first requests at once keep one)."""
    found = SigningCertificate.objects.filter(pool=pool).first()
    if found is not None:
        return found
    certificate_der, key_pem = _self_signed(pool)
    try:
        with transaction.atomic():
            return SigningCertificate.objects.create(
                pool=pool, certificate_der=certificate_der, private_key_encrypted=crypto.encrypt(key_pem),
                not_after=clock.now() + VALIDITY,
            )
    except IntegrityError:
        return SigningCertificate.objects.get(pool=pool)


def _self_signed(pool: UserPool) -> tuple[bytes, str]:
    private_key = keys.generate_rsa_key()
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Userpools"), x509.NameAttribute(NameOID.COMMON_NAME, pool.id)])
    now = clock.now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)  # positive, at most 20 octets (RFC 5280 §4.1.2.2)
        .not_valid_before(now)
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .sign(private_key, hashes.SHA256())
    )
    key_pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    return certificate.public_bytes(serialization.Encoding.DER), key_pem
