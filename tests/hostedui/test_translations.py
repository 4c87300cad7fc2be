"""The hosted pages in Spanish, French and German: complete catalogs, `lang` then Accept-Language, messages too."""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation.template import templatize

from identity.messaging import DEFAULT_TEMPLATES, MemorySmsSender
from tests import factories
from tests.hostedui.conftest import Pages, text

ROOT = Path(settings.BASE_DIR)
LANGUAGES = ["es", "fr", "de"]
# What `make messages` reads (its --ignore list leaves exactly these): only what pool users see.
SOURCES = ["hostedui/**/*.py", "hostedui/templates/**/*.html", "identity/messaging.py", "oidc/templates/oidc/*.html"]
OPERATORS_SEE = ("hostedui/admin.py", "hostedui/models.py", "hostedui/migrations/", "hostedui/templates/admin/")
PLURAL_FORMS = {"es": 3, "fr": 2, "de": 2}  # as Django's own catalogs count them
# %(name)s and %d-style formats, and Cognito's message placeholders.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{####\}|\{username\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
PASSWORD = factories.DEFAULT_PASSWORD


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str = ""
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    references: list[str] = field(default_factory=list)


def read_po(path: Path) -> tuple[Entry, list[Entry]]:
    """A .po file's header entry and its messages (polib's job, for the subset makemessages writes)."""
    entries, entry, last = [], Entry(), None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if last is not None:
                entries.append(entry)
            entry, last = Entry(), None
        elif line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
        elif line.startswith("#:"):
            entry.references += [ref.split(":")[0] for ref in line[2:].split()]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            _append(entry, last, ast.literal_eval(line))
        else:
            keyword, _, literal = line.partition(" ")
            last = keyword
            _append(entry, keyword, ast.literal_eval(literal), start=True)
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    return header, [e for e in entries if e is not header]


def _append(entry: Entry, keyword: str, value: str, *, start: bool = False) -> None:
    if keyword.startswith("msgstr"):
        index = int(keyword[7:-1]) if "[" in keyword else 0
        entry.msgstr[index] = ("" if start else entry.msgstr.get(index, "")) + value
    else:
        setattr(entry, keyword, ("" if start else getattr(entry, keyword) or "") + value)


def catalog(language: str) -> tuple[Entry, list[Entry]]:
    return read_po(ROOT / "locale" / language / "LC_MESSAGES" / "django.po")


def header_fields(header: Entry) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in header.msgstr[0].splitlines() if ": " in line)


def marked_strings() -> set[tuple[str | None, str]]:
    """(context, msgid) of every string the user-facing sources mark for translation."""
    found = set()
    for pattern in SOURCES:
        for path in ROOT.glob(pattern):
            if str(path.relative_to(ROOT)).startswith(OPERATORS_SEE):
                continue
            source = path.read_text(encoding="utf-8")
            found |= _python_marks(templatize(source) if path.suffix == ".html" else source, path)
    return found


_GETTEXT = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy",
            "npgettext", "npgettext_lazy"}
_CALL = re.compile(r"\b(?:n?p?gettext)\((?:\s*u?(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\s*,?)+")


def _python_marks(source: str, path: Path) -> set[tuple[str | None, str]]:
    if path.suffix == ".html":
        # templatize writes gettext(u'…') calls amid filler; parse just the calls.
        calls = [ast.parse(match.group(0).rstrip(",") + ")", mode="eval").body for match in _CALL.finditer(source)]
    else:
        calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    found = set()
    for call in calls:
        name = getattr(call.func, "id", None) or getattr(call.func, "attr", None)
        strings = [arg.value for arg in call.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
        if name in _GETTEXT and strings:
            context = strings.pop(0) if name.lstrip("n").startswith("p") else None
            found.add((context, strings[0]))
    return found


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language):
    header, entries = catalog(language)
    # msgfmt drops a fuzzy header, and with it the charset and plural rule.
    assert header_fields(header)["Language"] == language and "fuzzy" not in header.flags
    assert len(entries) >= 100
    untranslated = [e.msgid for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert not untranslated and not fuzzy
    changed = [e for e in entries if e.msgstr[0] != e.msgid]
    assert len(changed) > 0.9 * len(entries)  # copies of the English would pass the checks above


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_and_markup_survive(language):
    for entry in catalog(language)[1]:
        for source in filter(None, [entry.msgid, entry.msgid_plural]):
            for translated in entry.msgstr.values():
                assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translated)), (entry.msgid, translated)
                assert HTML_TAG.findall(source) == HTML_TAG.findall(translated), (entry.msgid, translated)
                assert translated.startswith(" ") == source.startswith(" ") and translated.endswith(" ") == source.endswith(" ")
                # {% translate %} does not escape: a quote or bracket the English lacks could break the markup.
                assert set('"<>&') & set(translated) <= set(source), (entry.msgid, translated)


@pytest.mark.parametrize("language", LANGUAGES)
def test_plural_forms_are_declared_and_filled(language):
    header, entries = catalog(language)
    declared = int(re.search(r"nplurals=(\d+)", header_fields(header)["Plural-Forms"]).group(1))
    assert declared == PLURAL_FORMS[language]
    for entry in entries:
        if entry.msgid_plural:
            assert sorted(entry.msgstr) == list(range(declared)), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_holds_every_marked_string_and_only_what_users_see(language):
    """Fails after a page's wording changes until `make messages` is run and the new strings translated."""
    entries = catalog(language)[1]
    missing = marked_strings() - {(e.msgctxt, e.msgid) for e in entries}
    assert missing == set(), "run `make messages` and translate the new strings"
    users_see = ("hostedui/", "identity/messaging.py", "oidc/templates/oidc/")
    assert all(ref.startswith(users_see) and not ref.startswith(OPERATORS_SEE) for e in entries for ref in e.references)
    assert set(DEFAULT_TEMPLATES) <= {e.msgid for e in entries}


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_is_current(language):
    # The .mo files are committed; a stale one would serve other words than the .po says.
    with translation.override(language):
        for entry in catalog(language)[1]:
            if entry.msgid_plural:
                assert translation.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr[0]
            elif entry.msgctxt is not None:
                assert translation.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr[0]
            else:
                assert translation.gettext(entry.msgid) == entry.msgstr[0], entry.msgid


@pytest.mark.parametrize(
    "language, button, prompt",
    [
        ("es", "Iniciar sesión", "¿No tiene una cuenta?"),
        ("fr", "Se connecter", "Vous n'avez pas de compte"),
        ("de", "Anmelden", "Sie haben noch kein Konto?"),
    ],
)
def test_login_page_in_the_language_lang_names(pages, language, button, prompt):
    page = text(pages.get(pages.url("login", lang=language)))
    assert f'<html lang="{language}"' in page
    assert f'<button type="submit" class="primary">{button}</button>' in page
    assert translation.gettext("Sign in") == "Sign in"  # the page's language did not leak out of the request
    assert prompt in page and ">Sign in<" not in page and "Need an account?" not in page


def test_accept_language_chooses_when_there_is_no_lang(pages):
    page = text(pages.get(pages.url("login"), HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5"))
    assert '<html lang="fr"' in page and ">Se connecter</button>" in page
    english = text(pages.get(pages.url("login"), HTTP_ACCEPT_LANGUAGE="it,ja;q=0.5"))
    assert '<html lang="en"' in english and ">Sign in</button>" in english


def test_lang_wins_over_accept_language(pages):
    page = text(pages.get(pages.url("login", lang="de"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert '<html lang="de"' in page and ">Anmelden</button>" in page and "Se connecter" not in page
    regional = text(pages.get(pages.url("login", lang="es-MX"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert ">Iniciar sesión</button>" in regional
    unknown = text(pages.get(pages.url("login", lang="xx"), HTTP_ACCEPT_LANGUAGE="fr"))
    assert ">Se connecter</button>" in unknown


def test_form_errors_and_django_messages_are_translated(pages):
    page = pages.get(pages.url("signup", lang="de"))
    assert "Ihr Passwort muss Folgendes enthalten:" in text(page)
    failed = pages.post(page, {"username": "", "email": "zoe@example.com", "password": PASSWORD, "confirm_password": PASSWORD + "x"})
    assert failed.status_code == 400
    assert "Die Passwörter stimmen nicht überein." in text(failed)  # ours
    assert "Dieses Feld ist zwingend erforderlich." in text(failed)  # Django's own catalog


def signup_form(username: str) -> dict:
    return {"username": username, "email": f"{username}@example.com", "password": PASSWORD, "confirm_password": PASSWORD}


def test_email_sent_from_a_german_page_uses_the_german_default_template(pages):
    page = pages.get(pages.url("signup", lang="de"))
    confirm = pages.post(page, signup_form("jonas"))
    message = mail.outbox[-1]
    assert message.to == ["jonas@example.com"] and message.subject == "Ihr Bestätigungscode"
    assert re.fullmatch(r"Ihr Bestätigungscode lautet \d{6}\.", message.body)
    assert "Bestätigen Sie Ihr Konto" in text(confirm)  # the language rode along the redirect
    pages.post(confirm, {"resend": "1"})
    assert len(mail.outbox) == 2 and mail.outbox[-1].subject == "Ihr Bestätigungscode"


def test_pool_wording_is_sent_as_written_and_english_pages_send_english(db):
    pool = factories.create_pool(
        auto_verified_attributes=["email"],
        verification_email_subject="Welcome aboard", verification_email_message="Code: {####}",
    )
    app = factories.create_client(pool=pool)
    pages = Pages(pool, app)
    pages.post(pages.get(pages.url("signup", lang="fr")), signup_form("lea"))
    assert mail.outbox[-1].subject == "Welcome aboard" and re.fullmatch(r"Code: \d{6}", mail.outbox[-1].body)
    plain_pool = factories.create_pool(auto_verified_attributes=["email"])
    plain = Pages(plain_pool, factories.create_client(pool=plain_pool))
    plain.post(plain.get(plain.url("signup")), signup_form("sam"))
    assert mail.outbox[-1].subject == "Your verification code"


def test_text_message_from_a_spanish_page_uses_the_spanish_default_template(db, settings):
    settings.USERPOOLS_SMS_SENDER = "memory"
    MemorySmsSender.outbox.clear()
    pool = factories.create_pool(username_attributes=["phone_number"], auto_verified_attributes=["phone_number"])
    pages = Pages(pool, factories.create_client(pool=pool))
    page = pages.get(pages.url("signup", lang="es"))
    pages.post(page, {"phone_number": "+34600111222", "password": PASSWORD, "confirm_password": PASSWORD})
    assert MemorySmsSender.outbox[-1]["to"] == "+34600111222"
    assert re.fullmatch(r"Su código de verificación es \d{6}\.", MemorySmsSender.outbox[-1]["body"])
    MemorySmsSender.outbox.clear()


@pytest.mark.parametrize("language, words", [("es", "Ha cerrado sesión"), ("fr", "Vous êtes déconnecté"), ("de", "Sie sind abgemeldet")])
def test_oidc_signed_out_page_is_marked_for_translation(db, language, words):
    with translation.override(language):
        assert words in render_to_string("oidc/signed_out.html", {"pool": None})
