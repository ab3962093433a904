"""Test settings: fast hashing, in-memory mail, data in a temporary folder."""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

# Temporary folders made by this process are removed when it exits (a child process,
# such as a live server, inherits the data folder and leaves it to its parent).
if "REGION27_DATA_DIR" not in os.environ:
    _data = tempfile.mkdtemp(prefix="region27-test-data-")
    os.environ["REGION27_DATA_DIR"] = _data
    atexit.register(shutil.rmtree, _data, ignore_errors=True)

from .base import *  # noqa: F403
from .base import DATA_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="region27-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
REGION27_REFUSE_DEMO_ACCOUNTS = False
# Tasks run at once, in the test's thread (the database backend is tested on its own).
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
