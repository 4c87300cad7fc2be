"""SRP's server maths through GMP: the same numbers as CPython's pow, and keys pycognito's client agrees with."""
import secrets

import pytest
from pycognito.aws_srp import AWSSRP

from identity.services import srp

POOL_ID = "local_AbCdEf123"


@pytest.mark.parametrize("base_bits", [1, 256, 3072, 3500])  # 3500: an A above N, which parse_a lets through
@pytest.mark.parametrize("exponent_bits", [1, 256, 3072])
def test_gmp_power_equals_python_pow(base_bits, exponent_bits):
    for _ in range(3):
        base, exponent = secrets.randbits(base_bits) | 1, secrets.randbits(exponent_bits) | 1
        assert srp.power(base, exponent) == pow(base, exponent, srp.N)
        assert type(srp.power(base, exponent)) is int


@pytest.mark.parametrize("exponent_bits", [1, 6, 7, 255, 256, 257, 3072])  # 257 and 3072: past the table, through power()
def test_fixed_base_table_equals_python_pow(exponent_bits):
    exponents = [secrets.randbits(exponent_bits) for _ in range(5)] + [2**exponent_bits - 1, 2 ** (exponent_bits - 1)]
    for exponent in exponents:
        assert srp.power_of_g(exponent) == pow(srp.G, exponent, srp.N)
        assert type(srp.power_of_g(exponent)) is int
    assert srp.power_of_g(0) == 1


def test_verifier_is_g_to_the_x():
    salt, verifier = srp.make_verifier(pool_id=POOL_ID, username="ana", password="Pässwörd-1")
    assert verifier == pow(srp.G, srp._x(salt, "AbCdEf123", "ana", "Pässwörd-1"), srp.N)


def test_server_secret_is_short_and_public_value_in_range():
    for _ in range(20):
        verifier = secrets.randbelow(srp.N)
        b_secret, b_public = srp.server_public(verifier)
        assert 0 < b_secret < 2**srp.SECRET_BITS
        assert 0 < b_public < srp.N
        assert b_public == (srp.K * verifier + pow(srp.G, b_secret, srp.N)) % srp.N


@pytest.mark.parametrize(("username", "password"), [("ana", "Correct-Horse-9"), ("zoë", "パスワード-Abc1")])
def test_pycognito_client_derives_the_same_key(username, password):
    salt, verifier = srp.make_verifier(pool_id=POOL_ID, username=username, password=password)
    # client=object(): only pycognito's maths is used here, never its boto3 calls.
    client = AWSSRP(username=username, password=password, pool_id=POOL_ID, client_id="c", client=object())
    b_secret, b_public = srp.server_public(verifier)
    server_key = srp.session_key(a_public=client.large_a_value, b_public=b_public, b_secret=b_secret, verifier=verifier)
    assert server_key == client.get_password_authentication_key(username, password, b_public, salt)
    assert server_key != client.get_password_authentication_key(username, password + "x", b_public, salt)
