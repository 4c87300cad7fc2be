"""cognito_api: lands with its own issue."""
