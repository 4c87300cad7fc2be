"""hostedui: lands with its own issue."""
