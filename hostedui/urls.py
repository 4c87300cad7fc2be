"""Hosted pages under each pool."""
from django.urls import path

from hostedui import views

app_name = "hostedui"

ROUTES = [("login", views.login, "login")]

urlpatterns = [path(f"<str:pool_id>/{route}", view, name=name) for route, view, name in ROUTES]
