"""create_client: an app client of a pool; its secret is printed once."""
from identity.management.base import ServiceCommand, split_words
from identity.services import directory, pools


class Command(ServiceCommand):
    help = "Create an app client. With --secret, prints the client secret once; it cannot be shown again."

    def add_service_arguments(self, parser) -> None:
        parser.add_argument("--pool", required=True, help="pool id")
        parser.add_argument("--name", required=True)
        parser.add_argument("--secret", action="store_true", help="generate a client secret (confidential client)")
        parser.add_argument("--callback-url", action="append", default=[], help="allowed redirect URI (repeatable)")
        parser.add_argument("--logout-url", action="append", default=[], help="allowed sign-out URI (repeatable)")
        parser.add_argument("--oauth-flows", help="code,implicit,client_credentials")
        parser.add_argument("--scopes", help='OAuth scopes, e.g. "openid email profile"')
        parser.add_argument("--auth-flows", help="ExplicitAuthFlows, e.g. ALLOW_USER_PASSWORD_AUTH,ALLOW_REFRESH_TOKEN_AUTH")

    def run(self, **options):
        pool = directory.get_pool(options["pool"])
        auth_flows = options["auth_flows"]
        created = pools.create_user_pool_client(
            pool=pool,
            name=options["name"],
            generate_secret=options["secret"],
            callback_urls=options["callback_url"],
            logout_urls=options["logout_url"],
            allowed_oauth_flows=split_words(options["oauth_flows"]),
            allowed_oauth_scopes=split_words(options["scopes"]),
            explicit_auth_flows=split_words(auth_flows) if auth_flows is not None else None,
            context=self.context,
        )
        result = {"ClientId": created.client.client_id}
        text = f"Created app client {created.client.name}\n  client id:     {created.client.client_id}"
        if created.secret:
            result["ClientSecret"] = created.secret
            text += f"\n  client secret: {created.secret}   (shown once: store it now)"
        return result, text
