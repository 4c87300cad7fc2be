"""The hosted pages, one module per flow."""
from hostedui.views.challenge import challenge, recovery_codes
from hostedui.views.login import login, signed_in
from hostedui.views.password import confirm_forgot_password, forgot_password
from hostedui.views.signup import confirm, signup

__all__ = ["challenge", "confirm", "confirm_forgot_password", "forgot_password", "login", "recovery_codes", "signed_in", "signup"]
