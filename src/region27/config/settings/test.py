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
if os.environ.get("REGION27_TEST_MEDIA_ROOT"):  # shared with a test's worker process
    MEDIA_ROOT = Path(os.environ["REGION27_TEST_MEDIA_ROOT"])
else:
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
# A test that runs a real worker (tests/core/test_jobs.py) sets REGION27_TEST_TASKS_BACKEND for
# its subprocesses, with short leases.
TASKS = {
    "default": {
        "BACKEND": os.environ.get(
            "REGION27_TEST_TASKS_BACKEND", "django_tasks.backends.immediate.ImmediateBackend"
        ),
        "QUEUES": ["default"],
    }
}
# No heartbeat thread in the test's own process: it would hold a second connection to a
# database the test keeps in a transaction (progress steps still renew the lease).
REGION27_JOB_HEARTBEAT_SECONDS = float(os.environ.get("REGION27_JOB_HEARTBEAT_SECONDS", "0"))
