"""federation: lands with its own issue."""
