"""Hosted pages under each pool."""
from django.urls import path

from hostedui import views

app_name = "hostedui"

urlpatterns = [
    path("<str:pool_id>/login", views.login, name="login"),
]
