"""WSGI entry point (gunicorn config.wsgi)."""

import logging
import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

if settings.DEBUG:
    # Said at every start, so a debug server is never mistaken for a production one.
    logging.getLogger("careslot").warning("DEBUG is on: for local use only, never in production.")
