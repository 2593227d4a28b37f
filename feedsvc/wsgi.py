"""The WSGI app for gunicorn's command line (config/gunicorn.conf.py): settings from the
environment (FEEDSVC_CONFIG and FEEDSVC_* variables). It loads the web side only: nothing that
renders or writes (tests/test_layers.py checks)."""

from __future__ import annotations

from feedsvc.settings import settings_from_environment
from feedsvc.web.app import create_app

app = create_app(settings_from_environment())
