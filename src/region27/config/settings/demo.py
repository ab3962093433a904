"""The demonstration: production-like, but served over plain http on loopback.

Never expose it: cookies are not marked secure and demonstration accounts log in.
"""

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
REGION27_REFUSE_DEMO_ACCOUNTS = False
