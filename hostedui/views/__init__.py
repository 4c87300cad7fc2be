"""The hosted pages, one module per flow."""
from hostedui.views.challenge import challenge, new_recovery_codes, recovery_codes
from hostedui.views.feedback import auth_event_feedback
from hostedui.views.login import login, signed_in
from hostedui.views.password import confirm_forgot_password, forgot_password
from hostedui.views.passwordless import passkeys_page, sign_in_options
from hostedui.views.signup import confirm, signup

__all__ = ["auth_event_feedback", "challenge", "confirm", "confirm_forgot_password", "forgot_password", "login", "new_recovery_codes", "passkeys_page", "recovery_codes", "sign_in_options",
           "signed_in", "signup"]
