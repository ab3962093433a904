"""WSGI entry point (gunicorn region27.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "region27.config.settings.prod")
application = get_wsgi_application()
