"""The reader: web pages, their JSON twins, the Atom feed and the daily digest, all drawn from stored briefs.

Only this package knows requests and HTML. ``create_app(store_or_path)`` builds the ASGI app that
``newsweave serve`` runs (and that ``newsweave run`` can serve next to its update loop).
"""

from newsweave.web.app import create_app

__all__ = ["create_app"]
