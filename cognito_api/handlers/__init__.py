"""Cognito actions, each a translation onto identity.services."""
