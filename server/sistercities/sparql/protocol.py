"""SPARQL 1.1 Protocol: turn an HTTP request into a query and its dataset.

The three request forms of the protocol (§2.1): GET with ``query=``, POST
``application/x-www-form-urlencoded`` and POST ``application/sparql-query``,
with ``default-graph-uri`` / ``named-graph-uri`` (any number of each) and our
``format`` parameter.  Everything a client can get wrong is a
:class:`ProtocolError` carrying the status and a message.  Never imports Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import pyoxigraph as ox

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
ALLOW = "GET, HEAD, POST, OPTIONS"


class ProtocolError(ValueError):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


@dataclass(frozen=True)
class QueryRequest:
    query: str
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    format: str | None = None
    params: dict[str, list[str]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_protocol_dataset(self) -> bool:
        return bool(self.default_graphs or self.named_graphs)


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ProtocolError(400, f"The {what} is not valid UTF-8 (byte {e.start}).") from None


def parse_params(raw: bytes, what: str) -> dict[str, list[str]]:
    """``a=1&b=2&a=3`` -> {"a": ["1", "3"], ...}; percent-escapes must decode to UTF-8."""
    text = _decode(raw, what)
    try:
        pairs = parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(400, f"The {what} has percent-escapes that are not valid UTF-8.") from None
    except ValueError as e:
        raise ProtocolError(400, f"The {what} is malformed: {e}") from None
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k, []).append(v)
    return out


def _media_type(content_type: str | None) -> tuple[str, dict[str, str]]:
    if not content_type:
        return "", {}
    mime, *rest = (p.strip() for p in content_type.split(";"))
    params = {}
    for p in rest:
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip().strip('"').lower()
    return mime.lower(), params


def _graphs(params: dict[str, list[str]], name: str) -> tuple[str, ...]:
    out = []
    for iri in params.get(name, []):
        try:
            ox.NamedNode(iri)
        except ValueError as e:
            raise ProtocolError(400, f"{name}={iri!r} is not an absolute IRI: {e}") from None
        out.append(iri)
    return tuple(out)


def _one_query(params: dict[str, list[str]], where: str) -> str | None:
    values = params.get("query", [])
    if len(values) > 1:
        raise ProtocolError(400, f"The request has {len(values)} 'query' parameters; send exactly one.")
    return values[0] if values else None


def _refuse_update(params: dict[str, list[str]]) -> None:
    if "update" in params:
        raise ProtocolError(403, "This endpoint is read-only: SPARQL Update ('update' parameter) is not accepted.")


def parse_request(
    method: str,
    content_type: str | None,
    query_string: bytes,
    body: Callable[[], bytes],
    *,
    max_bytes: int,
) -> QueryRequest | None:
    """The query a request carries, or None for a GET without one (the service description).

    ``body`` is called only for POST (so a GET body is never read).
    """
    if len(query_string) > max_bytes:
        raise ProtocolError(413, f"The URL's query string is {len(query_string)} bytes; the limit is {max_bytes} "
                                 "(MAX_REQUEST_BYTES). Send long queries with POST.")
    url_params = parse_params(query_string, "URL query string")
    method = method.upper()
    if method in ("GET", "HEAD"):
        _refuse_update(url_params)
        query = _one_query(url_params, "URL")
        if query is None:
            if url_params.keys() & {"default-graph-uri", "named-graph-uri"}:
                raise ProtocolError(400, "default-graph-uri / named-graph-uri given without a 'query' parameter.")
            return None
        params = url_params
    elif method == "POST":
        mime, ct_params = _media_type(content_type)
        charset = ct_params.get("charset", "utf-8")
        if mime == UPDATE:
            raise ProtocolError(403, "This endpoint is read-only: SPARQL Update (application/sparql-update) is not accepted.")
        if mime not in (FORM, DIRECT):
            shown = content_type or "none"
            raise ProtocolError(415, f"Unsupported Content-Type: {shown}. POST a query as {FORM} "
                                     f"(query=...) or as {DIRECT} (the query as the body).")
        if charset not in ("utf-8", "utf8"):
            raise ProtocolError(415, f"Unsupported charset {charset!r}: queries must be UTF-8.")
        raw = body()
        if len(raw) > max_bytes:
            raise ProtocolError(413, f"The request body is {len(raw)} bytes; the limit is {max_bytes} (MAX_REQUEST_BYTES).")
        _refuse_update(url_params)
        if mime == FORM:
            form = parse_params(raw, "form body")
            _refuse_update(form)
            if "query" in url_params:
                raise ProtocolError(400, "Send the query in the form body, not in the URL, when POSTing a form.")
            query = _one_query(form, "form")
            if query is None:
                raise ProtocolError(400, "Missing 'query' parameter in the form body.")
            params = {**url_params}
            for k, v in form.items():
                params.setdefault(k, []).extend(v)
        else:
            if "query" in url_params:
                raise ProtocolError(400, f"A {DIRECT} request carries the query in its body; "
                                         "do not also send a 'query' parameter.")
            query = _decode(raw, "request body")
            params = url_params
        if not query.strip():
            raise ProtocolError(400, "The query is empty.")
    else:
        raise ProtocolError(405, f"Method {method} is not allowed on the SPARQL endpoint.", {"Allow": ALLOW})
    formats = params.get("format", [])
    if len(formats) > 1:
        raise ProtocolError(400, "Give at most one 'format' parameter.")
    return QueryRequest(
        query=query,
        default_graphs=_graphs(params, "default-graph-uri"),
        named_graphs=_graphs(params, "named-graph-uri"),
        format=formats[0] if formats else None,
        params=params,
    )
