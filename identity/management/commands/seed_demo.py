"""seed_demo: the demo pool, app client, user and operator that `make run` starts with."""
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from identity.management.base import ServiceCommand
from identity.models import UserPool
from identity.services import pools, passwords, users

DEMO_POOL = "Demo pool"
DEMO_OPERATOR = "admin"
DEMO_USER = "demo@example.com"


class Command(ServiceCommand):
    help = "Create the demo pool, client, user and operator once; later runs only print where they are."

    def run(self, **options):
        pool = UserPool.objects.filter(name=DEMO_POOL).order_by("created_at").first()
        secrets_shown = {}
        if pool is None:
            pool, secrets_shown = self._seed()
        client = pool.clients.order_by("created_at").first()
        result = {
            "PoolId": pool.id,
            "Issuer": pools.issuer_for(pool),
            "ClientId": client.client_id if client else None,
            "AdminUrl": f"{settings.USERPOOLS_BASE_URL}/admin/",
            **secrets_shown,
        }
        return result, self._text(result)

    @transaction.atomic
    def _seed(self):
        pool = pools.create_user_pool(name=DEMO_POOL, username_attributes=["email"], context=self.context)
        pools.create_user_pool_client(
            pool=pool,
            name="Demo app",
            callback_urls=["http://localhost:3000/callback"],
            logout_urls=["http://localhost:3000/"],
            allowed_oauth_flows=["code"],
            allowed_oauth_scopes=["openid", "email", "profile"],
            explicit_auth_flows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            context=self.context,
        )
        user_password = passwords.generate_temporary_password(pool)
        user = users.admin_create_user(
            pool=pool, username=DEMO_USER, attributes={"email_verified": "true"}, message_action="SUPPRESS", context=self.context
        )
        passwords.admin_set_user_password(pool=pool, username=user.username, password=user_password, permanent=True, context=self.context)
        shown = {"DemoUser": DEMO_USER, "DemoUserPassword": user_password}
        Operator = get_user_model()
        if not Operator.objects.filter(username=DEMO_OPERATOR).exists():
            operator_password = secrets.token_urlsafe(15)
            Operator.objects.create_superuser(username=DEMO_OPERATOR, email="", password=operator_password)
            shown.update({"Operator": DEMO_OPERATOR, "OperatorPassword": operator_password})
        return pool, shown

    def _text(self, result: dict) -> str:
        lines = [
            "Userpools demo",
            f"  pool id:   {result['PoolId']}",
            f"  issuer:    {result['Issuer']}",
            f"  client id: {result['ClientId']}",
            f"  console:   {result['AdminUrl']}",
        ]
        if "OperatorPassword" in result:
            lines.append(f"  operator:  {result['Operator']} / {result['OperatorPassword']}   (shown once)")
        else:
            lines.append(f"  operator:  {DEMO_OPERATOR} (password shown on the first run; reset: python manage.py changepassword {DEMO_OPERATOR})")
        if "DemoUserPassword" in result:
            lines.append(f"  demo user: {result['DemoUser']} / {result['DemoUserPassword']}   (shown once)")
        return "\n".join(lines)
