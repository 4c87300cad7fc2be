"""seed_demo: the demo pool, app client, user and operator that `make run` starts with."""
import base64
import hashlib
import secrets
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from identity.management.base import ServiceCommand
from identity.management.commands.create_operator import enrol_totp
from identity.models import UserPool
from identity.services import passwords, pools, users

# The demo pool is found again by its name, so re-runs reuse it.
DEMO_POOL = "Demo pool"
DEMO_CLIENT = "Demo app"
DEMO_OPERATOR = "admin"
DEMO_USER = "demo@example.com"
DEMO_SCOPES = ["openid", "email", "profile"]


class Command(ServiceCommand):
    help = (
        f"Create the demo pool ({DEMO_POOL!r}), app client, user and operator {DEMO_OPERATOR!r} once; passwords are "
        f"printed on that first run only. Later runs print where things are. Forgot the operator's password? "
        f"python manage.py changepassword {DEMO_OPERATOR}"
    )

    def run(self, **options):
        pool = UserPool.objects.filter(name=DEMO_POOL).order_by("created_at").first()
        shown_once = {}
        if pool is None:
            pool, shown_once = self._seed()
        client = pool.clients.filter(name=DEMO_CLIENT).order_by("created_at").first()
        result = {
            "PoolId": pool.id,
            "Issuer": pools.issuer_for(pool),
            "ClientId": client.client_id if client else None,
            "AdminUrl": f"{settings.USERPOOLS_BASE_URL}/admin/",
            **shown_once,
        }
        if client and client.callback_urls:
            result["SignInUrl"], result["CodeVerifier"] = _authorize_url(pool, client)
            result["CallbackUrl"] = client.callback_urls[0]
        if settings.USERPOOLS_SMS_SENDER == "file":
            result["SmsFile"] = settings.USERPOOLS_SMS_FILE  # where texted codes can be read
        return result, _text(result)

    @transaction.atomic
    def _seed(self):
        pool = pools.create_user_pool(name=DEMO_POOL, username_attributes=["email"], context=self.context)
        callback, home = _demo_urls()
        pools.create_user_pool_client(
            pool=pool,
            name=DEMO_CLIENT,
            callback_urls=[callback],
            logout_urls=[home],
            allowed_oauth_flows=["code"],
            allowed_oauth_scopes=DEMO_SCOPES,
            explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            context=self.context,
        )
        user_password = passwords.generate_temporary_password(pool)
        user = users.admin_create_user(
            pool=pool, username=DEMO_USER, attributes={"email_verified": "true"}, message_action="SUPPRESS", context=self.context
        )
        passwords.admin_set_user_password(pool=pool, username=user.username, password=user_password, permanent=True, context=self.context)
        return pool, {"DemoUser": DEMO_USER, "DemoUserPassword": user_password, **_demo_operator()}


def _demo_operator() -> dict:
    """The console account, made unless an operator of that name exists; with TOTP when the console requires it."""
    Operator = get_user_model()
    if Operator.objects.filter(username=DEMO_OPERATOR).exists():
        return {}
    password = secrets.token_urlsafe(15)
    operator = Operator.objects.create_superuser(username=DEMO_OPERATOR, email="", password=password)
    shown = {"Operator": DEMO_OPERATOR, "OperatorPassword": password}
    if settings.USERPOOLS_OPERATOR_2FA_REQUIRED:
        shown["OperatorTotpUri"] = enrol_totp(operator)
    return shown


def _demo_urls() -> tuple[str, str]:
    """The demo client's callback and sign-out URLs, on this server when its address is one Cognito's rules accept."""
    base = settings.USERPOOLS_BASE_URL
    parts = urlsplit(base)
    if parts.scheme != "https" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        base = "http://127.0.0.1:8000"
    return f"{base}/callback-demo", f"{base}/"


def _authorize_url(pool: UserPool, client) -> tuple[str, str]:
    """A ready-to-open sign-in URL, and the PKCE verifier that redeems its code (public clients must use PKCE)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode({
        "client_id": client.client_id, "response_type": "code", "scope": " ".join(client.allowed_oauth_scopes),
        "redirect_uri": client.callback_urls[0], "code_challenge": challenge, "code_challenge_method": "S256",
    })
    return f"{pools.issuer_for(pool)}/oauth2/authorize?{query}", verifier


def _text(result: dict) -> str:
    lines = [
        "Userpools demo",
        f"  pool id:   {result['PoolId']}",
        f"  issuer:    {result['Issuer']}",
        f"  client id: {result['ClientId']}",
        f"  console:   {result['AdminUrl']}",
    ]
    if "SignInUrl" in result:
        lines.append(f"  sign in:   {result['SignInUrl']}")
        lines.append(
            f"             then: curl -d grant_type=authorization_code -d client_id={result['ClientId']} -d code=CODE "
            f"-d redirect_uri={result['CallbackUrl']} -d code_verifier={result['CodeVerifier']} {result['Issuer']}/oauth2/token"
        )
    if "OperatorPassword" in result:
        lines.append(f"  operator:  {result['Operator']} / {result['OperatorPassword']}   (shown once)")
        if "OperatorTotpUri" in result:
            lines.append(f"  operator TOTP (add to an authenticator app; shown once): {result['OperatorTotpUri']}")
    else:
        lines.append(f"  operator:  {DEMO_OPERATOR} (password shown on the first run; reset: python manage.py changepassword {DEMO_OPERATOR})")
    if "SmsFile" in result:
        lines.append(f"  texts:     {result['SmsFile']}   (SMS codes land here: tail -f it)")
    if "DemoUserPassword" in result:
        lines.append(f"  demo user: {result['DemoUser']} / {result['DemoUserPassword']}   (shown once)")
    return "\n".join(lines)
