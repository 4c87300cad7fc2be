"""create_pool: a new user pool with Cognito's defaults."""
from identity.management.base import ServiceCommand, split_words
from identity.services import pools


class Command(ServiceCommand):
    help = "Create a user pool. Prints its id and issuer URL."

    def add_service_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--username-attributes", help="email and/or phone_number, signing in instead of a username")
        parser.add_argument("--alias-attributes", help="email, phone_number and/or preferred_username, as sign-in aliases")
        parser.add_argument("--auto-verified-attributes", help="email and/or phone_number")
        parser.add_argument("--case-sensitive", action="store_true", help="usernames compare case-sensitively")

    def run(self, **options):
        auto_verified = options["auto_verified_attributes"]
        pool = pools.create_user_pool(
            name=options["name"],
            username_attributes=split_words(options["username_attributes"]),
            alias_attributes=split_words(options["alias_attributes"]),
            auto_verified_attributes=split_words(auto_verified) if auto_verified is not None else None,
            case_sensitive=options["case_sensitive"],
            context=self.context,
        )
        issuer = pools.issuer_for(pool)
        return {"Id": pool.id, "Issuer": issuer}, f"Created pool {pool.name}\n  id:     {pool.id}\n  issuer: {issuer}"
