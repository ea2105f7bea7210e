"""Check a request path and map it onto an IRI under the configured base.

The server maps the *raw* (still percent-encoded) request path onto an IRI
with :meth:`sistercities.uris.URLs.iri_for_path`, the exact inverse of
:meth:`~sistercities.uris.URLs.path_for_iri`, so ``/id/city/%D1%85…`` names
the IRI ``{base}id/city/х…``.  Before that, :func:`check` refuses what can
never name one of our IRIs: bad percent-encoding, bytes that are not UTF-8,
control characters, ``.``/``..`` segments (400) and IRIs longer than
:data:`~sistercities.uris.MAX_IRI_LENGTH` (414).  Never imports Flask.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

import pyoxigraph as ox

from sistercities.conneg import RDF_FORMATS
from sistercities.uris import MAX_IRI_LENGTH, URLs

#: Extensions of document URLs (``/doc/id/city/x.ttl``), HTML first.
DOC_EXTENSIONS: tuple[str, ...] = ("html", *(f.ext for f in RDF_FORMATS))

_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Characters that RFC 3987 (and N-Triples' IRIREF) never allow in an IRI, even percent-decoded.
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


class BadPath(ValueError):
    """A request path that cannot name an IRI; ``status`` is 400 or 414."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def raw_request_path(raw_uri: str | None, script_root: str, decoded_path: str) -> str:
    """The request path as the client sent it (percent-encoding intact).

    ``raw_uri`` is the server's ``RAW_URI``/``REQUEST_URI`` (gunicorn, uWSGI,
    mod_wsgi and Werkzeug set it); without it the decoded path is re-encoded.
    """
    if raw_uri:
        path = raw_uri.split("?", 1)[0].split("#", 1)[0]
        if "://" in path[:10]:  # absolute-form request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
        prefix = quote(script_root)
        if prefix and path.startswith(prefix):
            path = path[len(prefix):]
        return path or "/"
    return quote(decoded_path, safe="/#:@!$&'()*+,;=-._~")


def check(raw_path: str) -> str:
    """The decoded path, or :class:`BadPath` when it cannot name an IRI."""
    if len(raw_path) > 3 * MAX_IRI_LENGTH:
        raise BadPath(414, f"Request path too long: IRIs longer than {MAX_IRI_LENGTH} characters are not served.")
    if _BAD_PERCENT.search(raw_path):
        raise BadPath(400, "Malformed percent-encoding in the path: '%' must be followed by two hex digits.")
    try:
        decoded = unquote(raw_path, errors="strict")
    except UnicodeDecodeError:
        raise BadPath(400, "The path is not percent-encoded UTF-8.") from None
    if _CONTROL.search(decoded):
        raise BadPath(400, "Control characters are not allowed in a path.")
    if "\ufffd" in decoded:
        raise BadPath(400, "The path is not percent-encoded UTF-8.")
    if any(seg in (".", "..") for seg in decoded.split("/")):
        raise BadPath(400, "'.' and '..' segments are not allowed in a path.")
    return decoded


def iri_for(urls: URLs, raw_path: str) -> str:
    """The IRI a raw request path names (after :func:`check`)."""
    check(raw_path)
    iri = urls.iri_for_path(raw_path)
    if len(iri) > MAX_IRI_LENGTH:
        raise BadPath(414, f"IRI too long: more than {MAX_IRI_LENGTH} characters.")
    bad = _NOT_IN_IRI.search(iri)
    if bad:
        raise BadPath(400, f"The path names no IRI: {bad.group()!r} cannot appear in an IRI.")
    if _BAD_PERCENT.search(iri):
        raise BadPath(400, "The path names no IRI: a decoded '%' must start a percent-encoding (two hex digits).")
    try:
        ox.NamedNode(iri)  # the store is the authority on what an IRI is (e.g. '[' outside a host)
    except ValueError as e:
        raise BadPath(400, f"The path names no IRI: {str(e)[:200]}.") from None
    return iri


def split_extension(raw_path: str) -> tuple[str, str | None]:
    """``/id/city/x.ttl`` -> (``/id/city/x``, ``ttl``); no known extension -> (path, None)."""
    stem, dot, ext = raw_path.rpartition(".")
    if dot and ext in DOC_EXTENSIONS and "/" not in ext and stem and not stem.endswith("/"):
        return stem, ext
    return raw_path, None
