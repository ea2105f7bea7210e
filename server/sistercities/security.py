"""Security headers: the one table of what every response carries (pure, no Flask).

* ``X-Content-Type-Options: nosniff`` on every response, so a browser never
  guesses a type other than the one we declare (a Turtle dump, a SPARQL result
  or a 404 page is never run as script or rendered as HTML by sniffing).
* On HTML pages also a strict ``Content-Security-Policy`` (only our own
  ``/static`` script and styles; the inline ``<script type="application/ld+json">``
  blocks are data, never executed, so they need no hash or nonce), a
  ``Referrer-Policy`` and ``X-Frame-Options: DENY`` against framing — unless the
  handler set its own policy that lets the page be framed (the reconciliation
  preview card lives in the client's ``<iframe>``): then no ``X-Frame-Options``
  contradicts it.
* ``Access-Control-Allow-Origin: *`` on every answer of the public APIs a
  browser client calls from another origin (``/sparql``, ``/reconcile``),
  also on the answers no handler wrote (405, 429, 413), so the client can read
  the error message.
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


#: Path prefixes of the APIs called by browser clients of any origin.
CORS_PREFIXES = ("/sparql", "/reconcile")
CORS: dict[str, str] = {"Access-Control-Allow-Origin": "*"}


def framable(csp: str | None) -> bool:
    """Whether a Content-Security-Policy lets other sites frame the page (``frame-ancestors`` not 'none')."""
    for directive in (csp or "").split(";"):
        name, _, value = directive.strip().partition(" ")
        if name.lower() == "frame-ancestors":
            return value.strip().lower() != "'none'"
    return False


def security_headers(content_type: str | None, *, csp: str | None = None, path: str = "") -> dict[str, str]:
    """The headers a response with this Content-Type should carry (a fresh dict).

    ``csp`` is a Content-Security-Policy the handler already set, ``path`` the request's path."""
    out = dict(ALWAYS)
    if is_html(content_type):
        out.update(HTML)
        if framable(csp):
            del out["X-Frame-Options"]
    if any(path == p or path.startswith(p + "/") for p in CORS_PREFIXES):
        out.update(CORS)
    return out
