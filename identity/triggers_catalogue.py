"""Cognito's triggers: their LambdaConfig keys, trigger sources and response defaults.

Facts only, from Cognito's API model (LambdaConfigType) and its Lambda event shapes; shared by the
configuration service and by identity.triggers.
"""
from __future__ import annotations

PRE_SIGN_UP = "PreSignUp"
POST_CONFIRMATION = "PostConfirmation"
PRE_AUTHENTICATION = "PreAuthentication"
POST_AUTHENTICATION = "PostAuthentication"
DEFINE_AUTH_CHALLENGE = "DefineAuthChallenge"
CREATE_AUTH_CHALLENGE = "CreateAuthChallenge"
VERIFY_AUTH_CHALLENGE_RESPONSE = "VerifyAuthChallengeResponse"
PRE_TOKEN_GENERATION = "PreTokenGeneration"
USER_MIGRATION = "UserMigration"
CUSTOM_MESSAGE = "CustomMessage"
CUSTOM_EMAIL_SENDER = "CustomEmailSender"
CUSTOM_SMS_SENDER = "CustomSMSSender"
INBOUND_FEDERATION = "InboundFederation"

# LambdaConfig keys whose value is a plain target (Cognito: an ARN string).
PLAIN_TRIGGERS = (
    PRE_SIGN_UP, POST_CONFIRMATION, PRE_AUTHENTICATION, POST_AUTHENTICATION, DEFINE_AUTH_CHALLENGE,
    CREATE_AUTH_CHALLENGE, VERIFY_AUTH_CHALLENGE_RESPONSE, USER_MIGRATION, CUSTOM_MESSAGE,
)
# LambdaConfig keys whose value is {LambdaVersion, LambdaArn}, with the versions Cognito accepts.
VERSIONED_TRIGGERS = {
    "PreTokenGenerationConfig": ("V1_0", "V2_0", "V3_0"),
    CUSTOM_EMAIL_SENDER: ("V1_0",),
    CUSTOM_SMS_SENDER: ("V1_0",),
    INBOUND_FEDERATION: ("V1_0",),
}
KMS_KEY_ID = "KMSKeyID"
ALL_TRIGGERS = (*PLAIN_TRIGGERS, PRE_TOKEN_GENERATION, CUSTOM_EMAIL_SENDER, CUSTOM_SMS_SENDER, INBOUND_FEDERATION)

SOURCES = {
    PRE_SIGN_UP: ("PreSignUp_SignUp", "PreSignUp_AdminCreateUser", "PreSignUp_ExternalProvider"),
    POST_CONFIRMATION: ("PostConfirmation_ConfirmSignUp", "PostConfirmation_ConfirmForgotPassword"),
    PRE_AUTHENTICATION: ("PreAuthentication_Authentication",),
    POST_AUTHENTICATION: ("PostAuthentication_Authentication",),
    DEFINE_AUTH_CHALLENGE: ("DefineAuthChallenge_Authentication",),
    CREATE_AUTH_CHALLENGE: ("CreateAuthChallenge_Authentication",),
    VERIFY_AUTH_CHALLENGE_RESPONSE: ("VerifyAuthChallengeResponse_Authentication",),
    PRE_TOKEN_GENERATION: (
        "TokenGeneration_HostedAuth", "TokenGeneration_Authentication", "TokenGeneration_NewPasswordChallenge",
        "TokenGeneration_AuthenticateDevice", "TokenGeneration_RefreshTokens", "TokenGeneration_ClientCredentials",
    ),
    USER_MIGRATION: ("UserMigration_Authentication", "UserMigration_ForgotPassword"),
    CUSTOM_MESSAGE: (
        "CustomMessage_SignUp", "CustomMessage_AdminCreateUser", "CustomMessage_ResendCode",
        "CustomMessage_ForgotPassword", "CustomMessage_UpdateUserAttribute", "CustomMessage_VerifyUserAttribute",
        "CustomMessage_Authentication",
    ),
    CUSTOM_EMAIL_SENDER: (
        "CustomEmailSender_SignUp", "CustomEmailSender_ResendCode", "CustomEmailSender_ForgotPassword",
        "CustomEmailSender_UpdateUserAttribute", "CustomEmailSender_VerifyUserAttribute",
        "CustomEmailSender_AdminCreateUser", "CustomEmailSender_Authentication",
        "CustomEmailSender_AccountTakeOverNotification",
    ),
    CUSTOM_SMS_SENDER: (
        "CustomSMSSender_SignUp", "CustomSMSSender_ResendCode", "CustomSMSSender_ForgotPassword",
        "CustomSMSSender_UpdateUserAttribute", "CustomSMSSender_VerifyUserAttribute",
        "CustomSMSSender_AdminCreateUser", "CustomSMSSender_Authentication",
    ),
    INBOUND_FEDERATION: ("InboundFederation_ExternalProvider",),
}

# What Cognito puts in `response` before the function sees the event.
_DEFAULT_RESPONSES = {
    PRE_SIGN_UP: {"autoConfirmUser": False, "autoVerifyEmail": False, "autoVerifyPhone": False},
    DEFINE_AUTH_CHALLENGE: {"challengeName": None, "issueTokens": None, "failAuthentication": None},
    CREATE_AUTH_CHALLENGE: {"publicChallengeParameters": None, "privateChallengeParameters": None, "challengeMetadata": None},
    VERIFY_AUTH_CHALLENGE_RESPONSE: {"answerCorrect": None},
    USER_MIGRATION: {
        "userAttributes": None, "forceAliasCreation": None, "enableSMSMFA": None, "finalUserStatus": None,
        "messageAction": None, "desiredDeliveryMediums": None,
    },
    CUSTOM_MESSAGE: {"smsMessage": None, "emailMessage": None, "emailSubject": None},
    INBOUND_FEDERATION: {"userAttributesToMap": {}},
}


def default_response(trigger: str, version: str = "V1_0") -> dict:
    if trigger == PRE_TOKEN_GENERATION:
        return {"claimsOverrideDetails": None} if version == "V1_0" else {"claimsAndScopeOverrideDetails": None}
    return dict(_DEFAULT_RESPONSES.get(trigger, {}))


def trigger_of(source: str) -> str:
    """The trigger a triggerSource belongs to; ValueError for a source Cognito does not have."""
    for trigger, sources in SOURCES.items():
        if source in sources:
            return trigger
    raise ValueError(f"unknown triggerSource {source!r}")


def event_version(trigger: str, lambda_version: str) -> str:
    """The event's `version`: "1" except for pre token generation V2/V3 ("2", "3")."""
    if trigger == PRE_TOKEN_GENERATION:
        return {"V1_0": "1", "V2_0": "2", "V3_0": "3"}[lambda_version]
    return "1"
