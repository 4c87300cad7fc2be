"""ListUsers: Cognito's filter grammar, case rules, keyset pagination, projections and isolation."""
import pytest

from identity.errors import InvalidParameterException
from identity.models import User
from identity.services import listing
from tests import factories


def _names(page):
    return [user.username for user in page.users]


def _walk(pool, expression="", limit=3):
    """Every page of a listing, in order, as usernames; asserts each page respects the limit."""
    seen, token, pages = [], None, 0
    while True:
        page = listing.list_users(pool=pool, filter=expression, limit=limit, pagination_token=token)
        assert len(page.users) <= limit
        seen += _names(page)
        pages += 1
        token = page.pagination_token
        if token is None:
            return seen
        assert pages < 1000


def _add(pool, username, **fields):
    return factories.create_user(pool=pool, username=username, password=None, **fields)


@pytest.fixture
def people(pool):
    rows = [
        ("ana", {"email": "Ana@Example.com", "given_name": "Ana", "family_name": "Reddy", "name": "Ana Reddy", "phone_number": "+12065550100"}),
        ("anabel", {"email": "anabel@example.com", "given_name": "Anabel", "family_name": "Smith", "preferred_username": "Bel"}),
        ("bob", {"email": "bob@other.org", "given_name": "Bob", "family_name": 'O"Hara', "name": "Bob O'Hara", "phone_number": "+442079460000"}),
    ]
    users = {name: _add(pool, name, attributes=attrs) for name, attrs in rows}
    users["carl"] = _add(pool, "carl", status=User.Status.UNCONFIRMED, enabled=False, attributes={"family_name": "back\\slash"})
    users["dee"] = _add(pool, "dee", status=User.Status.FORCE_CHANGE_PASSWORD, attributes={"preferred_username": "bella"})
    return users


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ('username = "ana"', ["ana"]),
        ('username = "ANA"', ["ana"]),
        ('username = "an"', []),
        ('username ^= "ana"', ["ana", "anabel"]),
        ('username ^= "AN"', ["ana", "anabel"]),
        ('email = "ana@example.com"', ["ana"]),
        ('email = "ANA@EXAMPLE.COM"', ["ana"]),
        ('email = "ana@example"', []),
        ('email ^= "AN"', ["ana", "anabel"]),
        ('email ^= "bob@other.org"', ["bob"]),
        ('phone_number = "+12065550100"', ["ana"]),
        ('phone_number ^= "+1206"', ["ana"]),
        ('phone_number ^= "+44"', ["bob"]),
        ('name = "Ana Reddy"', ["ana"]),
        ('name ^= "Ana R"', ["ana"]),
        ('name ^= "ana"', []),
        ('given_name = "Ana"', ["ana"]),
        ('given_name = "ana"', []),
        ('given_name ^= "Ana"', ["ana", "anabel"]),
        ('family_name = "Reddy"', ["ana"]),
        ('family_name ^= "S"', ["anabel"]),
        ('family_name = "O\\"Hara"', ["bob"]),
        ('family_name = "back\\\\slash"', ["carl"]),
        ('preferred_username = "bel"', ["anabel"]),
        ('preferred_username = "BEL"', ["anabel"]),
        ('preferred_username ^= "bel"', ["anabel", "dee"]),
        ('cognito:user_status = "unconfirmed"', ["carl"]),
        ('cognito:user_status = "CONFIRMED"', ["ana", "anabel", "bob"]),
        ('cognito:user_status = "Force_Change_Password"', ["dee"]),
        ('cognito:user_status ^= "force"', ["dee"]),
        ('cognito:user_status ^= ""', ["ana", "anabel", "bob", "carl", "dee"]),
        ('cognito:user_status = "ARCHIVED"', []),
        ('status = "Disabled"', ["carl"]),
        ('status = "Enabled"', ["ana", "anabel", "bob", "dee"]),
        ('status = "enabled"', []),
        ('status ^= "Dis"', ["carl"]),
        ("", ["ana", "anabel", "bob", "carl", "dee"]),
        ("   ", ["ana", "anabel", "bob", "carl", "dee"]),
        ('email="bob@other.org"', ["bob"]),
        ('  email   ^=   "b"  ', ["bob"]),
    ],
)
def test_filters(pool, people, expression, expected):
    assert sorted(_names(listing.list_users(pool=pool, filter=expression))) == expected


def test_empty_values_match_only_users_who_have_the_attribute(pool, people):
    assert sorted(_names(listing.list_users(pool=pool, filter='phone_number ^= ""'))) == ["ana", "bob"]
    assert _names(listing.list_users(pool=pool, filter='phone_number = ""')) == []
    assert sorted(_names(listing.list_users(pool=pool, filter='username ^= ""'))) == ["ana", "anabel", "bob", "carl", "dee"]


def test_sub_filter(pool, people):
    sub = str(people["bob"].sub)
    assert _names(listing.list_users(pool=pool, filter=f'sub = "{sub}"')) == ["bob"]
    assert _names(listing.list_users(pool=pool, filter=f'sub = "{sub.upper()}"')) == ["bob"]
    assert _names(listing.list_users(pool=pool, filter='sub = "not-a-uuid"')) == []
    with pytest.raises(InvalidParameterException, match="sub can only be searched"):
        listing.list_users(pool=pool, filter=f'sub ^= "{sub[:8]}"')


def test_case_sensitive_pool_compares_usernames_exactly(db):
    pool = factories.create_pool(case_sensitive=True)
    _add(pool, "Ana", attributes={"preferred_username": "Bel", "email": "Ana@Example.com"})
    _add(pool, "ana", attributes={"preferred_username": "bel"})
    assert _names(listing.list_users(pool=pool, filter='username = "Ana"')) == ["Ana"]
    assert _names(listing.list_users(pool=pool, filter='username = "ANA"')) == []
    assert _names(listing.list_users(pool=pool, filter='username ^= "a"')) == ["ana"]
    assert _names(listing.list_users(pool=pool, filter='preferred_username = "Bel"')) == ["Ana"]
    assert _names(listing.list_users(pool=pool, filter='preferred_username ^= "b"')) == ["ana"]
    # Email stays case-insensitive whatever the pool's username rule.
    assert _names(listing.list_users(pool=pool, filter='email = "ana@example.com"')) == ["Ana"]


def test_usernames_compare_after_unicode_normalisation(pool):
    _add(pool, "Ｒｏｓａ")  # fullwidth letters: NFKC makes them "Rosa"
    assert _names(listing.list_users(pool=pool, filter='username = "rosa"')) == ["Ｒｏｓａ"]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ('custom:team = "blue"', "Invalid search attribute: custom:team"),
        ('nickname = "x"', "Invalid search attribute: nickname"),
        ('Email = "x"', "Invalid search attribute: Email"),
        ('email_verified = "true"', "Invalid search attribute: email_verified"),
        ("email = ana", "Error while parsing filter."),
        ("email = 'ana'", "Error while parsing filter."),
        ('email == "ana"', "Error while parsing filter."),
        ('email ~= "ana"', "Error while parsing filter."),
        ('email != "ana"', "Error while parsing filter."),
        ('email "ana"', "Error while parsing filter."),
        ('= "ana"', "Error while parsing filter."),
        ('email = "ana', "Error while parsing filter."),
        ('email = "an"a"', "Error while parsing filter."),
        ('email = "ana\\"', "Error while parsing filter."),
        ('email = "ana" and name = "x"', "Error while parsing filter."),
        ('email = "ana", name = "x"', "Error while parsing filter."),
        ('email = "ana" x', "Error while parsing filter."),
        ('email = "a\x00"', "Error while parsing filter."),
        ('em ail = "ana"', "Error while parsing filter."),
        ("email = " + '"' + "a" * 300 + '"', "at most 256 characters"),
        (" " * 257, "at most 256 characters"),
    ],
)
def test_grammar_errors(pool, people, expression, message):
    with pytest.raises(InvalidParameterException, match=message):
        listing.list_users(pool=pool, filter=expression)


def test_a_filter_of_exactly_256_characters_is_accepted(pool):
    expression = 'given_name = "' + "x" * (256 - 15) + '"'
    assert len(expression) == 256
    assert listing.list_users(pool=pool, filter=expression).users == []


def test_values_longer_than_the_indexed_copy_compare_in_full(pool):
    # NFKC turns U+FB00 into "ff", so a short filter can name a key longer than the 256-character copy.
    long_a = _add(pool, "long-a", attributes={"email": "ff" * 130 + "@a.io"})
    long_b = _add(pool, "long-b", attributes={"email": "ff" * 130 + "@b.io"})
    exact = _add(pool, "exact", attributes={"email": "f" * 256})
    longer = _add(pool, "longer", attributes={"email": "f" * 256 + "x"})
    assert long_a.email_key == long_b.email_key  # the copies cannot tell them apart
    assert _names(listing.list_users(pool=pool, filter='email = "' + "\ufb00" * 130 + '@a.io"')) == ["long-a"]
    assert _names(listing.list_users(pool=pool, filter='email ^= "' + "\ufb00" * 130 + '@b"')) == ["long-b"]
    assert _names(listing.list_users(pool=pool, filter='email = "' + "\ufb00" * 128 + '"')) == ["exact"]
    assert sorted(_names(listing.list_users(pool=pool, filter='email ^= "' + "\ufb00" * 128 + '"'))) == ["exact", "long-a", "long-b", "longer"]
    assert sorted(_walk(pool, 'email ^= "' + "\ufb00" * 129 + '"', limit=1)) == ["long-a", "long-b"]
    assert longer.pk and exact.pk


def test_prefix_search_is_exact_at_the_top_of_unicode(pool):
    _add(pool, "top", attributes={"given_name": "a\U0010ffffz"})
    _add(pool, "next", attributes={"given_name": "b"})
    _add(pool, "high", attributes={"given_name": "\ud7ff\U0001f600"})
    _add(pool, "private", attributes={"given_name": "\ue000"})
    assert _names(listing.list_users(pool=pool, filter='given_name ^= "a"')) == ["top"]
    assert _names(listing.list_users(pool=pool, filter='given_name ^= "a\U0010ffff"')) == ["top"]
    assert _names(listing.list_users(pool=pool, filter='given_name ^= "\ud7ff"')) == ["high"]


# Each walked filter, with the rows it should return as a predicate and the column it orders by.
_WALKS = {
    "": (lambda u: True, None),
    'given_name ^= "S"': (lambda u: u.given_name_key.startswith("S"), "given_name_key"),
    'given_name ^= "N"': (lambda u: u.given_name_key.startswith("N"), "given_name_key"),
    'given_name = "Same"': (lambda u: u.given_name_key == "Same", None),
    'username ^= "u"': (lambda u: u.username_key.startswith("u"), "username_key"),
    'email ^= "U"': (lambda u: u.email_key.startswith("u"), "email_key"),
    'family_name ^= ""': (lambda u: u.family_name_key != "", "family_name_key"),
    'cognito:user_status = "CONFIRMED"': (lambda u: u.status == "CONFIRMED", None),
    'status = "Enabled"': (lambda u: u.enabled, None),
    'status = "Disabled"': (lambda u: not u.enabled, None),
}


@pytest.mark.parametrize("expression", list(_WALKS))
@pytest.mark.parametrize("limit", [1, 3, 4, 60])
def test_pagination_walks_every_user_once_including_ties(pool, expression, limit):
    for i in range(25):
        attributes = {"given_name": "Same" if i % 2 else f"Name{i % 5}", "email": f"U{i % 7}@x.org", "family_name": "Tie"}
        _add(pool, f"u{i:02d}", status="CONFIRMED" if i % 3 else "UNCONFIRMED", enabled=bool(i % 4), attributes=attributes)
    _add(pool, "zed", attributes={"given_name": "Zed"})
    matches, column = _WALKS[expression]
    expected = sorted(
        (u for u in User.objects.filter(pool=pool) if matches(u)),
        key=lambda u: (getattr(u, column), u.pk) if column else (u.pk,),
    )
    seen = _walk(pool, expression, limit=limit)
    assert len(seen) == len(set(seen)) and seen
    assert seen == [u.username for u in expected]


def test_last_page_has_no_token(pool, people):
    page = listing.list_users(pool=pool, limit=5)
    assert len(page.users) == 5 and page.pagination_token is None
    page = listing.list_users(pool=pool, limit=4)
    assert len(page.users) == 4 and page.pagination_token is not None
    last = listing.list_users(pool=pool, limit=4, pagination_token=page.pagination_token)
    assert _names(last) == ["dee"] and last.pagination_token is None


def test_a_user_added_while_paging_is_not_lost(pool, people):
    page = listing.list_users(pool=pool, filter='email ^= "a"', limit=1)
    _add(pool, "zoe", attributes={"email": "anz@example.com"})
    rest = _walk_from(pool, 'email ^= "a"', page.pagination_token)
    assert _names(page) + rest == ["ana", "anabel", "zoe"]


def _walk_from(pool, expression, token):
    seen = []
    while token:
        page = listing.list_users(pool=pool, filter=expression, limit=1, pagination_token=token)
        seen += _names(page)
        token = page.pagination_token
    return seen


def test_tokens_are_bound_to_pool_and_filter_and_tamper_proof(pool, people):
    token = listing.list_users(pool=pool, filter='email ^= "a"', limit=1).pagination_token
    assert token
    assert _names(listing.list_users(pool=pool, filter='email ^= "a"', pagination_token=token)) == ["anabel"]
    other_pool = factories.create_pool()
    _add(other_pool, "ana", attributes={"email": "ana@example.com"})
    _add(other_pool, "anabel", attributes={"email": "anabel@example.com"})
    bad = [
        dict(pool=pool, filter='email ^= "b"', pagination_token=token),
        dict(pool=pool, filter='email ^= "a" ', pagination_token=token),
        dict(pool=pool, filter="", pagination_token=token),
        dict(pool=other_pool, filter='email ^= "a"', pagination_token=token),
        dict(pool=pool, filter='email ^= "a"', pagination_token=token[:-2] + ("xx" if token[-2:] != "xx" else "yy")),
        dict(pool=pool, filter='email ^= "a"', pagination_token="x" + token),
        dict(pool=pool, filter='email ^= "a"', pagination_token="garbage"),
        dict(pool=pool, filter='email ^= "a"', pagination_token="é:é"),
    ]
    for arguments in bad:
        with pytest.raises(InvalidParameterException, match="Invalid pagination token."):
            listing.list_users(**arguments)


def test_a_token_signed_for_another_shape_is_refused(pool, people):
    salt = f"identity.list_users:{pool.pk}:"
    forged = listing.make_token(["ana", 1], salt=salt)  # our signature, but two values for an id keyset
    with pytest.raises(InvalidParameterException, match="Invalid pagination token."):
        listing.list_users(pool=pool, pagination_token=forged)


@pytest.mark.parametrize("limit", [-1, 61, 1000, "10", 1.5, True])
def test_limit_bounds(pool, limit):
    with pytest.raises(InvalidParameterException, match="Limit"):
        listing.list_users(pool=pool, limit=limit)


@pytest.mark.parametrize("limit", [0, None, 60])
def test_limit_zero_or_absent_means_sixty(pool, limit):
    User.objects.bulk_create(
        [User(pool=pool, username=f"bulk{i:02d}", username_key=f"bulk{i:02d}") for i in range(61)]
    )
    page = listing.list_users(pool=pool, limit=limit)
    assert len(page.users) == 60 and page.pagination_token
    assert _names(listing.list_users(pool=pool, limit=limit, pagination_token=page.pagination_token)) == ["bulk60"]


def test_attributes_to_get(pool, people):
    page = listing.list_users(pool=pool, filter='username = "ana"', attributes_to_get=["email", "sub"])
    ana = page.users[0]
    assert page.attributes(ana) == [
        {"Name": "email", "Value": "Ana@Example.com"},
        {"Name": "sub", "Value": str(people["ana"].sub)},
    ]
    assert listing.list_users(pool=pool, filter='username = "ana"', attributes_to_get=["given_name"]).attributes(ana) == [
        {"Name": "given_name", "Value": "Ana"}
    ]
    assert listing.list_users(pool=pool, filter='username = "ana"', attributes_to_get=[]).attributes(ana) == []
    # A requested attribute the user lacks is left out rather than failing the call.
    assert listing.list_users(pool=pool, filter='username = "ana"', attributes_to_get=["nickname"]).attributes(ana) == []
    full = listing.list_users(pool=pool, filter='username = "ana"').attributes(ana)
    assert full[0] == {"Name": "sub", "Value": str(people["ana"].sub)}
    assert {"Name": "given_name", "Value": "Ana"} in full and len(full) == 6
    assert listing.user_attribute_list(ana) == full


@pytest.mark.parametrize("names", [["shoe_size"], ["email", "custom:team"], ["cognito:user_status"], "email", [None]])
def test_attributes_to_get_must_be_in_the_schema(pool, people, names):
    with pytest.raises(InvalidParameterException, match="AttributesToGet"):
        listing.list_users(pool=pool, attributes_to_get=names)


def test_custom_attributes_can_be_projected_but_not_searched(db):
    pool = factories.create_pool(custom_attributes=[{"Name": "team", "AttributeDataType": "String"}])
    user = _add(pool, "ana", attributes={"custom:team": "blue"})
    page = listing.list_users(pool=pool, attributes_to_get=["custom:team"])
    assert page.attributes(page.users[0]) == [{"Name": "custom:team", "Value": "blue"}] and page.users == [user]
    with pytest.raises(InvalidParameterException, match="Invalid search attribute: custom:team"):
        listing.list_users(pool=pool, filter='custom:team = "blue"')


@pytest.mark.parametrize(
    "expression",
    ["", 'username = "ana"', 'username ^= "a"', 'email = "ana@example.com"', 'email ^= "a"', 'given_name ^= "A"',
     'cognito:user_status = "CONFIRMED"', 'status = "Enabled"'],
)
def test_other_pools_users_never_appear(pool, people, expression):
    other = factories.create_pool()
    theirs = _add(other, "ana", attributes={"email": "ana@example.com", "given_name": "Ana"})
    ours = listing.list_users(pool=pool, filter=expression)
    assert ours.users and all(u.pool_id == pool.id for u in ours.users)
    assert theirs.pk not in {u.pk for u in ours.users}
    assert all(u.pool_id == other.id for u in listing.list_users(pool=other, filter=expression).users)
    assert listing.list_users(pool=other, filter=f'sub = "{people["ana"].sub}"').users == []


@pytest.mark.parametrize("expression", ["", 'email ^= "a"', 'username ^= "a"', 'status = "Enabled"', 'given_name = "Ana"'])
def test_a_page_is_at_most_two_limited_queries_and_none_per_row(pool, people, expression, django_assert_max_num_queries):
    with django_assert_max_num_queries(2) as first:
        page = listing.list_users(pool=pool, filter=expression, limit=1)
        [(u.pool.case_sensitive, page.attributes(u)) for u in page.users]
    with django_assert_max_num_queries(2) as second:
        listing.list_users(pool=pool, filter=expression, limit=1, pagination_token=page.pagination_token)
    for query in first.captured_queries + second.captured_queries:
        sql = query["sql"].upper()
        assert "LIMIT" in sql and "OFFSET" not in sql and "COUNT(" not in sql
