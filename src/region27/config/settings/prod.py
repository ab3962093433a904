"""Production: HTTPS, strict cookies, demonstration accounts refused."""

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("REGION27_SECRET_KEY", default=SECRET_KEY)  # noqa: F405
SECURE_SSL_REDIRECT = env.bool("REGION27_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("REGION27_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
REGION27_REFUSE_DEMO_ACCOUNTS = True
