"""Routes of the CKAN Action API (CKAN's paths, kept as CKAN clients expect them)."""

from django.urls import URLPattern, re_path

from region27.api.ckan import views

urlpatterns: list[URLPattern] = [
    re_path(
        r"^api/(?:3/)?action/(?P<name>[A-Za-z0-9_.-]{1,100})/?$", views.action, name="ckan_action"
    ),
]
