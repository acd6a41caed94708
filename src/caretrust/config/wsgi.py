"""WSGI entry point. Settings default to the embedded (dev) settings; production sets
DJANGO_SETTINGS_MODULE=caretrust.config.settings.production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caretrust.config.settings.dev")
application = get_wsgi_application()

from caretrust.config import time_limits  # noqa: E402  (needs Django set up)

time_limits.install()
