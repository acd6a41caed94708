"""WSGI entry point. Settings default to the embedded (dev) settings; production sets
DJANGO_SETTINGS_MODULE=caretrust.config.settings.production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caretrust.config.settings.dev")
application = get_wsgi_application()
