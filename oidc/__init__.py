"""oidc: lands with its own issue."""
