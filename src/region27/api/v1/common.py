"""Shared bits of the routers: documented error answers, paging parameters, input checks."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _gettext_lazy

from region27.api.v1.problems import Problem
from region27.api.v1.schemas import ProblemOut


def gettext_lazy(message: str) -> str:
    """`gettext_lazy` typed as `str`, for the operations' `summary`: the OpenAPI document
    and the documentation page are written in the reader's language."""
    return cast(str, _gettext_lazy(message))


MAX_PAGE_SIZE = 100
MAX_PAGE = 100_000
READ_ERRORS: dict[int, Any] = {code: ProblemOut for code in (400, 401, 404, 405, 406, 422, 429)}
WRITE_ERRORS: dict[int, Any] = {
    code: ProblemOut for code in (400, 401, 403, 404, 405, 413, 415, 422, 429, 503)
}


def check_text(value: Any, where: str) -> None:
    """Refuse NUL characters and lone surrogates (no database can store them)."""
    if isinstance(value, str):
        if "\x00" in value:
            raise Problem(
                400, "invalid-characters", _("« %(w)s » contient un caractère nul.") % {"w": where}
            )
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise Problem(
                400,
                "invalid-characters",
                _("« %(w)s » contient un caractère Unicode invalide.") % {"w": where},
            ) from error
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(key, where)
            check_text(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_text(item, f"{where}[{index}]")
