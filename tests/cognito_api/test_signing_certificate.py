"""GetSigningCertificate: a pool's self-signed SAML request-signing certificate, made once and kept."""
import base64
import datetime

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cognito_api.models import SigningCertificate
from identity import crypto
from tests import factories


@pytest.fixture
def idp(signed_idp):
    return signed_idp


def test_a_ten_year_rsa_2048_self_signed_certificate(idp):
    pool = factories.create_pool()
    answer = idp.get_signing_certificate(UserPoolId=pool.id)["Certificate"]
    assert "BEGIN" not in answer and "\n" not in answer
    certificate = x509.load_der_x509_certificate(base64.b64decode(answer))
    public_key = certificate.public_key()
    assert isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size == 2048
    assert certificate.issuer == certificate.subject
    assert certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == pool.id
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert lifetime == datetime.timedelta(days=3650)
    public_key.verify(certificate.signature, certificate.tbs_certificate_bytes, padding.PKCS1v15(), certificate.signature_hash_algorithm)
    assert isinstance(certificate.signature_hash_algorithm, hashes.SHA256)
    # Kept: the next request answers the same certificate; the private key is stored encrypted.
    assert idp.get_signing_certificate(UserPoolId=pool.id)["Certificate"] == answer
    stored = SigningCertificate.objects.get(pool=pool)
    assert "PRIVATE KEY" not in stored.private_key_encrypted
    private_key = serialization.load_pem_private_key(crypto.decrypt(stored.private_key_encrypted).encode(), password=None)
    assert private_key.public_key().public_numbers() == public_key.public_numbers()


def test_each_pool_has_its_own(idp, real_keys):
    first, second = factories.create_pool(), factories.create_pool()
    assert idp.get_signing_certificate(UserPoolId=first.id) != idp.get_signing_certificate(UserPoolId=second.id)


def test_unknown_pool(idp):
    with pytest.raises(ClientError) as excinfo:
        idp.get_signing_certificate(UserPoolId="local_missing000")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert not SigningCertificate.objects.exists()
