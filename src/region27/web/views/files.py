"""Stored files (`/media/…`): served by region27 itself, to whoever may see what they
belong to — a distribution, a study's document, a validation report — never as a page
of the site (always downloaded, sandboxed: an uploaded HTML or SVG file runs nothing)."""

from __future__ import annotations

from pathlib import PurePosixPath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from region27.catalog.models import Status
from region27.catalog.selectors import stored_file_entry
from region27.core.files import storage_name
from region27.validation.selectors import stored_file_run


@require_GET
def stored_file(request: HttpRequest, name: str) -> FileResponse:
    clean = storage_name(name)
    entry = stored_file_entry(user=request.user, name=clean) if clean else None
    run = None
    if clean and entry is None:
        run = stored_file_run(user=request.user, name=clean)
    if clean is None or (entry is None and run is None):
        raise Http404(_("Aucun fichier à cette adresse."))
    try:
        handle = default_storage.open(clean, "rb")
    except (FileNotFoundError, IsADirectoryError) as error:
        raise Http404(_("Aucun fichier à cette adresse.")) from error
    response = FileResponse(handle, as_attachment=True, filename=PurePosixPath(clean).name)
    response["Content-Security-Policy"] = "sandbox"
    owner = entry if entry is not None else run.distribution.entry  # type: ignore[union-attr]
    public = owner.status == Status.PUBLISHED and (run is None or run.is_published_file)
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
