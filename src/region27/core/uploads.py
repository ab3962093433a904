"""Stop reading an uploaded file as soon as it passes the size limit.

Django would otherwise write the whole file to a temporary folder before any
check runs. The refused file's name is kept on the request so that the form can
say, in French, that it was too large.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class SizeLimitUploadHandler(FileUploadHandler):
    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.received = 0

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > settings.REGION27_MAX_UPLOAD_SIZE:
            if self.request is not None:
                setattr(self.request, "region27_upload_refused", self.file_name)  # noqa: B010
            # Read and drop the rest of the request so that the client gets an answer.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def upload_refused(request: Any) -> str | None:
    """The name of the file refused for its size during this request, if any."""
    if request.method == "POST":
        _parsed = request.FILES  # the body is parsed lazily: parse it now
    return getattr(request, "region27_upload_refused", None)
