"""Security headers: the one table of what every response carries (pure, no Flask).

* ``X-Content-Type-Options: nosniff`` on every response, so a browser never
  guesses a type other than the one we declare (a Turtle dump, a SPARQL result
  or a 404 page is never run as script or rendered as HTML by sniffing).
* On HTML pages also a strict ``Content-Security-Policy`` (only our own
  ``/static`` script and styles; the inline ``<script type="application/ld+json">``
  blocks are data, never executed, so they need no hash or nonce), a
  ``Referrer-Policy`` and ``X-Frame-Options: DENY`` against framing.
"""

from __future__ import annotations

CSP = "; ".join((
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
))

ALWAYS: dict[str, str] = {"X-Content-Type-Options": "nosniff"}

HTML: dict[str, str] = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def is_html(content_type: str | None) -> bool:
    """Whether a Content-Type header value names an HTML document (parameters ignored)."""
    return (content_type or "").split(";", 1)[0].strip().lower() in HTML_TYPES


def security_headers(content_type: str | None) -> dict[str, str]:
    """The headers a response with this Content-Type should carry (a fresh dict)."""
    return {**ALWAYS, **HTML} if is_html(content_type) else dict(ALWAYS)
