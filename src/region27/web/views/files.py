"""Stored files (`/media/…`): served by region27 itself, to whoever may see what they
belong to — a distribution, a study's document, a validation report — never as a page
of the site (always downloaded, sandboxed: an uploaded HTML or SVG file runs nothing)."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponseNotModified
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from region27.catalog.models import Status
from region27.catalog.selectors import stored_file_entry
from region27.core.files import storage_name
from region27.validation.selectors import stored_file_run


@require_safe
def stored_file(request: HttpRequest, name: str) -> HttpResponseBase:
    clean = storage_name(name)
    owner = stored_file_entry(user=request.user, name=clean) if clean else None
    entry, checksum = owner if owner is not None else (None, "")
    run = None
    if clean and entry is None:
        run = stored_file_run(user=request.user, name=clean)
    if clean is None or (entry is None and run is None):
        raise Http404(_("Aucun fichier à cette adresse."))
    # Public: a file a published entry serves now; files kept by validations are its
    # organisation's (or, for a published one, its report's) only.
    public = entry is not None and entry.status == Status.PUBLISHED
    # Caches ask again each time (a removed or purged file must not outlive its removal);
    # the checksum tells them when they already hold it.
    etag = f'"{checksum}"' if checksum else ""
    cache = "public, no-cache" if public else "private, no-store"
    if etag and etag in request.headers.get("If-None-Match", ""):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        try:
            handle = default_storage.open(clean, "rb")
        except (FileNotFoundError, IsADirectoryError) as error:
            raise Http404(_("Aucun fichier à cette adresse.")) from error
        response = FileResponse(handle, as_attachment=True, filename=PurePosixPath(clean).name)
        response["Content-Security-Policy"] = "sandbox"
    if etag:
        response["ETag"] = etag
    response["Cache-Control"] = cache
    return response
