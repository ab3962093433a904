"""The JSON body parser: precise errors for malformed JSON and unstorable characters."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser

from region27.api.v1.common import check_text
from region27.api.v1.problems import Problem


class StrictJSONParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        content_type = request.content_type or ""
        if (
            content_type
            and content_type not in ("application/json",)
            and not content_type.endswith("+json")
        ):
            raise Problem(
                415,
                "unsupported-media-type",
                _("Le corps doit être du JSON (Content-Type: application/json), reçu « %(t)s ».")
                % {"t": content_type[:80]},
            )
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise Problem(
                400, "malformed-json", _("Le corps n'est pas encodé en UTF-8.")
            ) from error
        data = json.loads(text)  # JSONDecodeError → 400 malformed-json (see problems)
        check_text(data, "body")
        return data
