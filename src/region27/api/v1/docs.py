"""The documentation page of /api/1/: plain, accessible HTML built from the OpenAPI
document (no JavaScript; the machine-readable document is /api/1/openapi.json)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from region27.api.v1.api import api

# Translated when the page is shown (in the visitor's language), not at import.
PROBLEM_TYPES = (
    (
        "malformed-json",
        gettext_lazy("Le corps n'est pas du JSON valide (ligne et colonne indiquées)."),
    ),
    ("malformed-body", gettext_lazy("Corps de requête illisible.")),
    ("invalid-characters", gettext_lazy("Caractère nul ou Unicode invalide dans la requête.")),
    ("body-too-large", gettext_lazy("Corps de requête trop volumineux.")),
    ("unsupported-media-type", gettext_lazy("Le corps doit être en application/json.")),
    (
        "invalid-parameters",
        gettext_lazy("Paramètre ou champ invalide : la liste « errors » dit lequel."),
    ),
    ("invalid-content", gettext_lazy("Contenu refusé par les règles du catalogue (« errors »).")),
    ("authentication-required", gettext_lazy("Cette opération demande un jeton personnel.")),
    ("token-invalid", gettext_lazy("Jeton inconnu.")),
    ("token-expired", gettext_lazy("Jeton expiré.")),
    ("token-revoked", gettext_lazy("Jeton révoqué.")),
    ("token-inactive", gettext_lazy("Le compte du jeton est désactivé.")),
    ("token-scheme", gettext_lazy("En-tête Authorization sans « Bearer ».")),
    ("token-conflict", gettext_lazy("Deux jetons différents dans Authorization et X-API-KEY.")),
    ("forbidden", gettext_lazy("Vos rôles ne permettent pas cette action.")),
    (
        "approval-required",
        gettext_lazy("Fiche publiée dont les changements passent par un élu : proposez-les."),
    ),
    ("not-found", gettext_lazy("Rien à cette adresse.")),
    ("moved", gettext_lazy("La fiche a changé d'adresse (« moved_to »).")),
    ("file-too-large", gettext_lazy("Fichier au-delà de la taille maximale.")),
    ("rate-limited", gettext_lazy("Trop de requêtes : attendez « Retry-After » secondes.")),
    ("busy", gettext_lazy("Base de données occupée : rien n'a été enregistré, réessayez.")),
    ("http-error", gettext_lazy("Autre erreur HTTP (méthode non permise…).")),
    ("server-error", gettext_lazy("Erreur interne.")),
)


def _schema_name(schema: dict[str, Any]) -> str:
    ref = schema.get("$ref", "")
    if ref:
        return str(ref.rsplit("/", 1)[-1])
    if schema.get("type") == "array":
        return f"[{_schema_name(schema.get('items', {}))}]"
    if "anyOf" in schema:
        return " | ".join(_schema_name(s) for s in schema["anyOf"])
    return str(schema.get("type", ""))


def _operation(method: str, path: str, op: dict[str, Any]) -> SafeString:
    params = format_html_join(
        "",
        "<li><code>{}</code> ({}{}) — {}</li>",
        (
            (
                p["name"],
                p["in"],
                ", " + _("requis") if p.get("required") else "",
                p.get("description") or _schema_name(p.get("schema", {})),
            )
            for p in op.get("parameters", [])
        ),
    )
    body = ""
    request_body = op.get("requestBody", {}).get("content", {})
    if request_body:
        body = format_html(
            "<p>{} {}</p>",
            _("Corps :"),
            ", ".join(
                f"{media} ({_schema_name(c.get('schema', {}))})"
                for media, c in request_body.items()
            ),
        )
    responses = ", ".join(str(code) for code in op.get("responses", {}))
    return format_html(
        '<section class="operation"><h3 id="{}"><code>{} {}</code></h3><p>{}</p>'
        "<p>{}</p>{}{}<p>{} {}</p></section>",
        op.get("operationId", ""),
        method.upper(),
        path,
        op.get("summary", ""),
        _("Jeton requis.")
        if method != "get"
        else _("Public ; un jeton montre aussi vos brouillons."),
        format_html("<ul>{}</ul>", params) if params else "",
        body,
        _("Réponses :"),
        responses,
    )


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    schema = api.get_openapi_schema()
    sections = []
    for path, item in schema.get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict):
                sections.append(_operation(method, path, op))
    problems = format_html_join(
        "",
        '<dt id="problem-{}"><code>{}</code></dt><dd>{}</dd>',
        ((s, s, d) for s, d in PROBLEM_TYPES),
    )
    html = format_html(
        """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{css}">
</head><body><header><p><a href="/">{site}</a></p></header><main>
<h1>{title}</h1>
<p>{intro}</p>
<ul><li><a href="{openapi}">{openapi_label}</a></li></ul>
<pre lang="en">{description}</pre>
<h2>{ops_title}</h2>
{sections}
<h2 id="problems">{problems_title}</h2>
<dl>{problems}</dl>
</main></body></html>""",
        lang=get_language() or "fr",
        title=_("API JSON, version 1"),
        css=static("region27/site.css"),
        site=settings.SITE_NAME,
        intro=_(
            "Cette page décrit chaque opération de l'API ; le document OpenAPI 3.1 ci-dessous "
            "la décrit pour les programmes (générateurs de clients, Swagger, etc.)."
        ),
        openapi="/api/1/openapi.json",
        openapi_label=_("Document OpenAPI 3.1 (JSON)"),
        description=schema.get("info", {}).get("description", ""),
        ops_title=_("Opérations"),
        sections=mark_safe("".join(sections)),  # noqa: S308 - each section is escaped above
        problems_title=_("Types d'erreurs (RFC 9457)"),
        problems=problems,
    )
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Language"] = get_language() or "fr"
    return response
