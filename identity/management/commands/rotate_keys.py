"""rotate_keys: make the published next key current and publish a new next key."""
from identity.management.base import ServiceCommand
from identity.services import directory, keys


class Command(ServiceCommand):
    help = "Rotate a pool's signing keys. The old key stays in the JWKS until its tokens have expired."

    def add_service_arguments(self, parser) -> None:
        parser.add_argument("--pool", required=True, help="pool id")

    def run(self, **options):
        pool = directory.get_pool(options["pool"])
        current = keys.rotate_keys(pool=pool, context=self.context)
        published = [key["kid"] for key in keys.published_keys_jwks(pool)["keys"]]
        return {"CurrentKid": current.kid, "PublishedKids": published}, f"Pool {pool.id} now signs with {current.kid}; published: {', '.join(published)}"
