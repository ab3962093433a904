"""Routes of the journal pages and endpoints."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
