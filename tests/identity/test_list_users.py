"""ListUsers: Cognito's filter grammar, case rules, keyset pagination, projections and isolation."""
import pytest

from identity.errors import InvalidParameterException
from identity.services import listing
from tests import factories


def _names(page):
    return [user.username for user in page.users]


@pytest.fixture
def people(pool):
    rows = [
        ("ana", {"email": "Ana@Example.com", "given_name": "Ana", "family_name": "Reddy", "name": "Ana Reddy", "phone_number": "+12065550100"}),
        ("anabel", {"email": "anabel@example.com", "given_name": "Anabel", "family_name": "Smith", "preferred_username": "Bel"}),
        ("bob", {"email": "bob@other.org", "given_name": "Bob", "family_name": 'O"Hara'}),
    ]
    users = {name: factories.create_user(pool=pool, username=name, attributes=attrs) for name, attrs in rows}
    factories.create_user(pool=pool, username="carl", status="UNCONFIRMED", enabled=False)
    return users


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('username = "ANA"', ["ana"]),
        ('username ^= "ana"', ["ana", "anabel"]),
        ('email = "ana@example.com"', ["ana"]),
        ('email ^= "AN"', ["ana", "anabel"]),
        ('phone_number = "+12065550100"', ["ana"]),
        ('phone_number ^= "+1206"', ["ana"]),
        ('given_name ^= "Ana"', ["ana", "anabel"]),
        ('given_name = "ana"', []),
        ('family_name = "O\\"Hara"', ["bob"]),
        ('name ^= "Ana R"', ["ana"]),
        ('preferred_username = "bel"', ["anabel"]),
        ('cognito:user_status = "unconfirmed"', ["carl"]),
        ('cognito:user_status = "CONFIRMED"', ["ana", "anabel", "bob"]),
        ('status = "Disabled"', ["carl"]),
        ('status = "Enabled"', ["ana", "anabel", "bob"]),
        ("", ["ana", "anabel", "bob", "carl"]),
        ("   ", ["ana", "anabel", "bob", "carl"]),
    ],
)
def test_filters(pool, people, expression, expected):
    assert sorted(_names(listing.list_users(pool=pool, filter=expression))) == expected


def test_sub_filter(pool, people):
    sub = str(people["bob"].sub)
    assert _names(listing.list_users(pool=pool, filter=f'sub = "{sub}"')) == ["bob"]
    assert _names(listing.list_users(pool=pool, filter='sub = "not-a-uuid"')) == []


def test_case_sensitive_pool_compares_usernames_exactly(db):
    pool = factories.create_pool(case_sensitive=True)
    factories.create_user(pool=pool, username="Ana")
    factories.create_user(pool=pool, username="ana")
    assert _names(listing.list_users(pool=pool, filter='username = "Ana"')) == ["Ana"]
    assert _names(listing.list_users(pool=pool, filter='username ^= "a"')) == ["ana"]


@pytest.mark.parametrize(
    "expression",
    [
        'custom:team = "blue"',
        'nickname = "x"',
        "email = ana",
        'email == "ana"',
        'email = "ana" and name = "x"',
        'email ~= "ana"',
        'email = "ana',
        'status = "enabled"',
        'status ^= "En"',
        'sub ^= "abc"',
        "email = " + '"' + "a" * 300 + '"',
    ],
)
def test_grammar_errors(pool, people, expression):
    with pytest.raises(InvalidParameterException):
        listing.list_users(pool=pool, filter=expression)


def test_pagination_walks_every_user_once_including_ties(pool):
    for i in range(25):
        factories.create_user(pool=pool, username=f"u{i:02d}", attributes={"given_name": "Same" if i % 2 else f"Name{i % 5}"})
    for expression in ("", 'given_name ^= "S"', 'given_name ^= "N"', 'username ^= "u"'):
        seen, token = [], None
        while True:
            page = listing.list_users(pool=pool, filter=expression, limit=4, pagination_token=token)
            seen += _names(page)
            assert len(page.users) <= 4
            token = page.pagination_token
            if token is None:
                break
        expected = sorted(_names(listing.list_users(pool=pool, filter=expression, limit=60)))
        assert sorted(seen) == expected and len(seen) == len(set(seen))


def test_last_page_has_no_token(pool, people):
    page = listing.list_users(pool=pool, limit=4)
    assert len(page.users) == 4 and page.pagination_token is None


def test_tokens_are_bound_to_pool_and_filter_and_tamper_proof(pool, people):
    token = listing.list_users(pool=pool, filter='email ^= "a"', limit=1).pagination_token
    assert token
    with pytest.raises(InvalidParameterException):
        listing.list_users(pool=pool, filter='email ^= "b"', pagination_token=token)
    with pytest.raises(InvalidParameterException):
        listing.list_users(pool=factories.create_pool(), filter='email ^= "a"', pagination_token=token)
    with pytest.raises(InvalidParameterException):
        listing.list_users(pool=pool, filter='email ^= "a"', pagination_token=token[:-2] + "xx")


@pytest.mark.parametrize("limit", [-1, 61, "10"])
def test_limit_bounds(pool, limit):
    with pytest.raises(InvalidParameterException):
        listing.list_users(pool=pool, limit=limit)


def test_limit_zero_means_the_default(pool, people):
    assert len(listing.list_users(pool=pool, limit=0).users) == 4


def test_attributes_to_get(pool, people):
    page = listing.list_users(pool=pool, filter='username = "ana"', attributes_to_get=["email", "sub"])
    assert listing.user_attribute_list(page.users[0], ["email", "sub"]) == [
        {"Name": "email", "Value": "Ana@Example.com"},
        {"Name": "sub", "Value": str(people["ana"].sub)},
    ]
    full = listing.user_attribute_list(page.users[0])
    assert full[0] == {"Name": "sub", "Value": str(people["ana"].sub)} and {"Name": "given_name", "Value": "Ana"} in full
    with pytest.raises(InvalidParameterException):
        listing.list_users(pool=pool, attributes_to_get=["shoe_size"])


def test_other_pools_users_never_appear(pool, people):
    other = factories.create_pool()
    factories.create_user(pool=other, username="ana", attributes={"email": "ana@example.com"})
    assert _names(listing.list_users(pool=pool, filter='email = "ana@example.com"')) == ["ana"]
    assert [u.pool_id for u in listing.list_users(pool=other).users] == [other.id]
