"""Cognito-style Lambda handlers the flow tests install, and a fixture delivering them in-process or as webhooks.

Each handler is written as a Cognito Lambda in Python would be (`handler(event, context)`, return the
event, raise to refuse). `target` runs the same handler either as a `python:` target or behind the
real loopback webhook server of triggers_support (the path names the handler), so one test covers both.
"""
from __future__ import annotations

import copy
import secrets

import pytest

from identity.services import triggers_config
from tests.identity import triggers_support

MODULE = "tests.identity.trigger_handlers"
seen: list[dict] = []  # every event a handler here received, in order
outbox: list[dict] = []  # what the passwordless challenge "sent" (the code a person would read)
LEGACY_USERS = {
    "legacy-ana": {"password": "Legacy-Passw0rd!", "email": "ana@legacy.example", "name": "Ana Legacy"},
    "legacy-bob": {"password": "Legacy-Passw0rd!", "email": "bob@legacy.example", "name": "Bob Legacy"},
}


def reset() -> None:
    seen.clear()
    outbox.clear()


def _saw(event) -> None:
    seen.append(copy.deepcopy(event))


def sources() -> list[str]:
    return [event["triggerSource"] for event in seen]


# Sign-up and confirmation

def auto_confirm(event, context):
    _saw(event)
    email = event["request"]["userAttributes"].get("email", "")
    if email.endswith("@closed.example"):
        raise Exception("Sign-ups from this domain are closed")
    if email.endswith("@example.com"):
        event["response"]["autoConfirmUser"] = True
        event["response"]["autoVerifyEmail"] = True
    return event


def post_confirmation(event, context):
    _saw(event)
    return event


def post_confirmation_fails(event, context):
    _saw(event)
    raise Exception("CRM is down")


# Sign-in

def pre_authentication(event, context):
    _saw(event)
    if event["userName"].startswith("blocked"):
        raise Exception("Your account is suspended")
    return event


def post_authentication(event, context):
    _saw(event)
    return event


def migrate(event, context):
    """A legacy store: vouches for the password at sign-in, and knows the user at forgot-password."""
    _saw(event)
    legacy = LEGACY_USERS.get(event["userName"])
    if legacy is None:
        raise Exception("User not found")
    if event["triggerSource"] == "UserMigration_Authentication" and event["request"]["password"] != legacy["password"]:
        raise Exception("Bad password")
    event["response"]["userAttributes"] = {"email": legacy["email"], "email_verified": "true", "name": legacy["name"]}
    event["response"]["finalUserStatus"] = "CONFIRMED"
    event["response"]["messageAction"] = "SUPPRESS"
    return event


# Custom authentication: a code "sent" to the user, three tries; with SRP first when the client starts so

def define_auth_challenge(event, context):
    _saw(event)
    session = event["request"]["session"]
    last = session[-1] if session else None
    if last and last["challengeName"] == "SRP_A":
        event["response"].update(challengeName="PASSWORD_VERIFIER", issueTokens=False, failAuthentication=False)
    elif last and last["challengeName"] == "CUSTOM_CHALLENGE" and last["challengeResult"]:
        event["response"].update(issueTokens=True, failAuthentication=False)
    elif len([s for s in session if s["challengeName"] == "CUSTOM_CHALLENGE"]) >= 3:
        event["response"].update(issueTokens=False, failAuthentication=True)
    else:
        event["response"].update(challengeName="CUSTOM_CHALLENGE", issueTokens=False, failAuthentication=False)
    return event


def create_auth_challenge(event, context):
    _saw(event)
    code = f"{secrets.randbelow(10**6):06d}"
    outbox.append({"to": event["request"]["userAttributes"].get("email"), "code": code})
    event["response"]["publicChallengeParameters"] = {"hint": "Enter the code we emailed you"}
    event["response"]["privateChallengeParameters"] = {"answer": code}
    event["response"]["challengeMetadata"] = f"CODE-{len(outbox)}"
    return event


def verify_auth_challenge_response(event, context):
    _saw(event)
    expected = event["request"]["privateChallengeParameters"].get("answer")
    event["response"]["answerCorrect"] = event["request"]["challengeAnswer"] == expected
    return event


# Tokens

def claims_v1(event, context):
    _saw(event)
    event["response"]["claimsOverrideDetails"] = {
        "claimsToAddOrOverride": {"tenant": "acme", "name": "Overridden"},
        "claimsToSuppress": ["email"],
        "groupOverrideDetails": {"groupsToOverride": ["from-trigger"]},
    }
    return event


def claims_v2(event, context):
    _saw(event)
    event["response"]["claimsAndScopeOverrideDetails"] = {
        "idTokenGeneration": {"claimsToAddOrOverride": {"tenant": "acme"}, "claimsToSuppress": ["email"]},
        "accessTokenGeneration": {
            "claimsToAddOrOverride": {"tenant": "acme", "roles": ["reader", "writer"]},
            "claimsToSuppress": ["cognito:groups"],
            "scopesToAdd": ["tenants/acme"],
            "scopesToSuppress": ["aws.cognito.signin.user.admin"],
        },
    }
    return event


def claims_v3(event, context):
    _saw(event)
    access = {"claimsToAddOrOverride": {"tenant": "acme"}, "scopesToAdd": ["tenants/acme"]}
    if event["triggerSource"] == "TokenGeneration_ClientCredentials":
        access = {"claimsToAddOrOverride": {"machine": "yes"}, "scopesToAdd": ["audit/read"]}
    event["response"]["claimsAndScopeOverrideDetails"] = {"accessTokenGeneration": access}
    return event


def claims_greedy(event, context):
    _saw(event)
    event["response"]["claimsOverrideDetails"] = {"claimsToAddOrOverride": {"sub": "someone-else", "iss": "evil"}, "claimsToSuppress": ["aud"]}
    return event


def claims_fail(event, context):
    _saw(event)
    raise Exception("Claims service unavailable")


# Messages

def custom_message(event, context):
    _saw(event)
    code, username = event["request"]["codeParameter"], event["request"]["usernameParameter"]
    if event["triggerSource"] == "CustomMessage_AdminCreateUser":
        event["response"]["emailSubject"] = "Welcome to Acme"
        event["response"]["emailMessage"] = f"Sign in as {username} with {code}. Welcome aboard."
    else:
        event["response"]["emailSubject"] = f"Acme: {event['triggerSource']}"
        event["response"]["emailMessage"] = f"Hello {event['userName']}, your Acme code is {code}."
        event["response"]["smsMessage"] = f"Acme code {code}"
    return event


def custom_sender(event, context):
    _saw(event)
    return event


# Delivering them

@pytest.fixture(autouse=True)
def clean_handlers():
    """Import into a test module: every test starts with nothing seen."""
    reset()
    yield
    reset()


@pytest.fixture(params=["python", "webhook"])
def target(request, settings):
    """`target(name)`: the LambdaConfig value that runs handler `name`, in-process or through the webhook server."""
    reset()
    if request.param == "python":
        yield lambda name: f"python:{MODULE}.{name}"
        reset()
        return
    settings.USERPOOLS_TRIGGERS_ALLOW_PRIVATE = True  # the receiver is on loopback
    server = triggers_support.start_webhook_server()
    server.script = [("call", lambda name: globals()[name])]
    base = f"http://127.0.0.1:{server.server.server_address[1]}"
    yield lambda name: f"{base}/{name}"
    server.server.shutdown()
    server.server.server_close()
    reset()


def install(pool, **config):
    """Set the pool's LambdaConfig (what UpdateUserPool's would do) and return the pool as reloaded."""
    return triggers_config.set_lambda_config(pool=pool, lambda_config=config)
