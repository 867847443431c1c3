"""The WSGI entry point for a production server: `gunicorn webapp.wsgi:app`.

The app reads every setting from the environment (core/config.py), as `headstart serve`
does. Gunicorn's factory form (`gunicorn 'webapp:create_app()'`) works too; this module
adds one opt-in that the factory form lacks:

HEADSTART_PROXY_HOPS (default 0): how many reverse proxies in front of the app set
X-Forwarded-For / -Proto / -Host. With 1, the app sees the client's address (login
throttling, the loopback rule of the personal-data API) and scheme as the proxy reports
them (werkzeug's ProxyFix). Set it only when the app's port is reachable from that proxy
alone: a client that can reach the app directly could otherwise claim any address.
"""

from __future__ import annotations

import os

from webapp.app import create_app

app = create_app()

_hops = int(os.environ.get("HEADSTART_PROXY_HOPS", "0") or 0)
if _hops > 0:
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=_hops, x_proto=_hops, x_host=_hops)  # type: ignore[method-assign]
