"""gunicorn settings for serving feedsvc under gunicorn's own command line, behind a buffering proxy
such as nginx (docs/deploying.md: its threads wait for slow clients; the Procfile's web: line runs
granian): `gunicorn -c config/gunicorn.conf.py feedsvc.wsgi:app`. Settings come from
FEEDSVC_CONFIG and FEEDSVC_* variables; gunicorn binds to $PORT on every interface when it is set,
else to `host`:`port`."""

import os

from feedsvc.service.web_server import gunicorn_options, publish_if_missing
from feedsvc.settings import settings_from_environment, to_environment

_settings = settings_from_environment()
# Every setting handed to the workers as FEEDSVC_* variables: they read no site configuration
# (a Jekyll site's _config.yml) of their own, and so load no YAML parser.
os.environ.update(to_environment(_settings))
_port = os.environ.get("PORT")
_options = gunicorn_options(
    _settings, f"0.0.0.0:{_port}" if _port else f"{_settings.host}:{_settings.port}"
)

bind = _options["bind"]
workers = _options["workers"]
worker_class = _options["worker_class"]
threads = _options["threads"]
keepalive = _options["keepalive"]
timeout = _options["timeout"]
graceful_timeout = _options["graceful_timeout"]
limit_request_line = _options["limit_request_line"]
limit_request_fields = _options["limit_request_fields"]
limit_request_field_size = _options["limit_request_field_size"]
errorlog = _options["errorlog"]
control_socket_disable = _options["control_socket_disable"]
accesslog = _options["accesslog"]
post_worker_init = _options["post_worker_init"]  # SIGHUP is the master's (a reload)
child_exit = _options["child_exit"]  # a dead worker's counts stay in /metrics, its gauges go
on_exit = _options["on_exit"]  # removes the metrics folder feedsvc made


def on_starting(server: object) -> None:
    """Before any worker exists: publish once if nothing was ever published, and give the workers
    one folder to count requests into (PROMETHEUS_MULTIPROC_DIR), so /metrics sums them all.
    Workers only read; `feedsvc worker` (the Procfile's worker: line) refreshes."""
    publish_if_missing(_settings)
    _options["on_starting"](server)
