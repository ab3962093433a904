"""Home and the fixed pages (accessibility statement, legal notice, privacy)."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from region27.catalog.kinds import kind_all
from region27.catalog.selectors import entry_list


def home(request: HttpRequest) -> HttpResponse:
    published = entry_list(user=request.user)
    counts = dict(published.order_by().values_list("kind").annotate(n=Count("pk", distinct=True)))
    kinds = [(spec, counts.get(spec.slug, 0)) for spec in kind_all()]
    return render(
        request,
        "web/home.html",
        {"latest": published[:6], "kinds": kinds, "nav": "home"},
    )


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/accessibility.html")


def legal(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/legal.html")


def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/privacy.html")
