"""Routes of the search pages and endpoints."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
