"""Routes of the search pages and endpoints."""

from django.urls import URLPattern, path

from region27.web.views import search

app_name = "search"

urlpatterns: list[URLPattern] = [
    path("recherche/", search.search_page, name="search"),
    path("recherche/deja-fait-ailleurs/", search.similar_page, name="similar"),
]
