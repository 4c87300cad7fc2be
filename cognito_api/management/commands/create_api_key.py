"""create_api_key: the earlier name of create_access_key, kept so existing scripts keep working."""
from cognito_api.management.commands.create_access_key import Command as CreateAccessKey


class Command(CreateAccessKey):
    help = "Alias of create_access_key. " + CreateAccessKey.help
