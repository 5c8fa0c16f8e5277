"""The production server for the workspace: waitress, a pure-Python WSGI server (docs/web.md "Running it").

Waitress, not Flask's development server: it handles many requests at once
in a thread pool, limits request sizes, and runs the same on every system.
Behind a reverse proxy, the application itself reads ``X-Forwarded-For``
and the single sign-on header only from ``[web] trusted_proxies``.
"""

from __future__ import annotations

from publisher.config import Config
from publisher.web.app import MAX_FORM_BYTES, create_app


def serve(config: Config, host: str, port: int) -> None:
    """Serve until stopped (SIGTERM or Ctrl+C)."""
    from waitress import serve as waitress_serve

    waitress_serve(
        create_app(config),
        host=host,
        port=port,
        threads=config.web.threads,
        ident="publisher",
        max_request_body_size=MAX_FORM_BYTES,
    )
