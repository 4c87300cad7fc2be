"""Hosted pages under each pool, named as Cognito's hosted UI names them."""
from django.urls import path

from hostedui import branding_views, views

app_name = "hostedui"

ROUTES = [
    ("login", views.login, "login"),
    ("signup", views.signup, "signup"),
    ("confirm", views.confirm, "confirm"),
    ("forgotPassword", views.forgot_password, "forgot-password"),
    ("confirmForgotPassword", views.confirm_forgot_password, "confirm-forgot-password"),
    ("challenge", views.challenge, "challenge"),
    ("recoveryCodes", views.recovery_codes, "recovery-codes"),
    ("recoveryCodes/new", views.new_recovery_codes, "new-recovery-codes"),
    ("signedIn", views.signed_in, "signed-in"),
    ("signInOptions", views.sign_in_options, "sign-in-options"),
    ("passkeys", views.passkeys_page, "passkeys"),
    ("auth-event-feedback", views.auth_event_feedback, "auth-event-feedback"),
    ("branding.css", branding_views.stylesheet, "branding-css"),
    ("branding/logo", branding_views.logo, "branding-logo"),
    ("branding/favicon", branding_views.favicon, "branding-favicon"),
    ("branding/background", branding_views.background, "branding-background"),
]

urlpatterns = [path(f"<str:pool_id>/{route}", view, name=name) for route, view, name in ROUTES]
