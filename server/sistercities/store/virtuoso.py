"""Store dialects: what the remote backend does differently for a store that departs from
the SPARQL 1.1 standard.  ``standard`` changes nothing; ``virtuoso`` handles OpenLink
Virtuoso 7 (measured on Debian's ``virtuoso-opensource`` 7.2.5, see the README table
"Virtuoso differences"), through the hooks of :class:`~sistercities.store.dialect.Dialect`:

* **Default graph** = the union of *every* graph in the database, its own system graphs
  (``virtrdf#``, ``ldp#``...) included, each quad once per graph (no RDF merge); and
  with ``default-graph-uri`` but no ``named-graph-uri``, ``GRAPH ?g`` still sees every
  graph.  Handled by the remote backend for every store: a query without its own dataset
  is sent with the served dataset of the stored manifest (``default-graph-uri`` = the
  published default graph, ``named-graph-uri`` = each published graph).
* **ORDER BY over an aggregate's alias** (``GROUP BY ?s ORDER BY (!BOUND(?date))``) is
  refused (400, "used in the result set outside aggregate"): such a query is sent with
  the grouping in a subquery and the ordering outside (:func:`order_outside_group`).
* **Accept with q-values ignored**: asked ``application/sparql-results+json,
  application/n-triples;q=0.9`` for a CONSTRUCT it answers a JSON *table* of s/p/o.  So
  the Accept header names one type, chosen by the query form (:func:`query_form`).
* **DESCRIBE** returns inbound triples too (111 for a city where Oxigraph gives its 16):
  ``DEFINE sql:describe-mode "CBD"`` is put in front of a DESCRIBE.
* **Result-row cap** (``[SPARQL] ResultSetMaxRows``, 10000 in Debian's ini): a longer
  result is cut silently, flagged only by the ``X-SPARQL-MaxRows`` header; such an answer
  is refused (:class:`ResultCapped`), never served as the full result.
* **Anytime queries**: with a ``timeout`` it answers 200 with *partial* results, flagged
  by ``X-SQL-State: S1TAT`` (also at ``[SPARQL] MaxQueryExecutionTime``); that is a
  timeout (:class:`StoreTimeout`), never an answer.  Every query is sent with the
  ``timeout`` parameter (:func:`anytime_ms`) so Virtuoso stops its work before our client
  gives up waiting (without it, a query we abandoned at ``QUERY_TIMEOUT`` ran on inside
  Virtuoso up to its own ``MaxQueryExecutionTime``); it stops on 2-second steps (measured:
  ``timeout=500``…``2000`` → answer at 2.0 s, ``3000`` → 4.0 s).
* **Typed literals come back rewritten**: ``"true"^^xsd:boolean`` as ``"1"``, a
  year-month ``xsd:duration`` (``"P3Y"``) as its number of months (``"36"``), a day-time
  one (``"P1D"``) as seconds (``"86400.0"``), neither a valid lexical form; numbers in
  canonical form (``"01"`` → ``"1"``, ``"1e3"`` → ``"1000.0"``), language tags
  lower-cased.  Booleans and durations are turned back into ``true``/``false`` and
  ``PnYnM`` / ``PnDTnHnMnS`` in every answer (:meth:`VirtuosoDialect.fix`): the same value,
  in canonical form; numbers and tags are already canonical in our data.
* **Blank nodes** come in SPARQL JSON results as ``"nodeID://b10001"`` (not a blank node
  label: no parser takes it): the label is cut to ``b10001``, as in its N-Triples.  Its
  ``INSERT DATA`` refuses blank nodes ("not allowed in a constant clause", against SPARQL
  1.1 Update); we load Skolem IRIs anyway.
* **Refusals as 500**: a query its cost estimate finds too long (``SQLSTATE 42000``, "The
  estimated execution time ... exceeds the limit") is answered ``500``, which is not
  an outage: it is a :class:`StoreTimeout`, not a 503.  Syntax errors are ``400
  text/plain`` ``Virtuoso 37000 Error SP030: SPARQL compiler, line N: ...`` followed by
  the query text: the message is cut to its first line, without the query echo.  An error
  in an expression (``1/0``, ``STRLEN(1)``: SQLSTATE 22xxx) is a *500*, where SPARQL
  leaves the variable unbound: it becomes a refused query (400 on ``/sparql``), not a 503.

Registered in :data:`~sistercities.store.dialect.DIALECTS` as ``virtuoso`` and ``auto``
(:class:`AutoDialect`: from the store's ``Server`` header, ``Virtuoso/...``, on its first
answer), chosen by the setting ``STORE_DIALECT``.  Never imports Flask.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sistercities.sparql.safety import analyse, tokenize
from sistercities.store.base import StoreError, StoreUnavailable
from sistercities.store.dialect import DIALECTS, Dialect
from sistercities.store.http import READ_ERRORS, Response

RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
BOTH = "application/sparql-results+json, application/n-triples;q=0.9"  # = remote.QUERY_ACCEPT


class StoreTimeout(StoreError):
    """The store stopped the query for taking too long (or refused it beforehand)."""


class ResultCapped(StoreError):
    """The store cut the result at its row cap: the answer is incomplete."""


def query_form(sparql: str) -> str | None:
    """``select``, ``construct``, ``describe``, ``ask`` or None (not a query we can read)."""
    form = analyse(sparql).form
    return form.lower() if form else None


def anytime_ms(timeout: float) -> int:
    """The ``timeout`` parameter (ms) that makes Virtuoso stop before a client waiting
    ``timeout`` seconds gives up: Virtuoso stops on the next 2-second step after it, so
    the largest whole step at least half a second short of ``timeout`` (500 ms at least:
    below ~2.5 s the client's own deadline may still come first; the work ends at 2 s)."""
    steps = int((timeout - 0.5) // 2)
    return max(500, steps * 2000)


def accept_for(sparql: str) -> str:
    """One media type for the answer, by the query form (both when the form is unknown)."""
    form = query_form(sparql)
    if form in ("construct", "describe"):
        return N_TRIPLES
    if form in ("select", "ask"):
        return RESULTS_JSON
    return BOTH


def order_outside_group(sparql: str) -> str:
    """``SELECT … GROUP BY … ORDER BY k`` as ``SELECT * { { SELECT … GROUP BY … } } ORDER BY k``
    (the same result: the same variables in the same order), because Virtuoso refuses an
    ORDER BY expression over an aggregate's alias (``ORDER BY (!BOUND(?date))``: "Variable
    ?date is used in the result set outside aggregate").  Only when every variable the ORDER
    BY part names is projected; anything else is sent as written."""
    toks = tokenize(sparql)
    depth, group, order, select, where = 0, -1, -1, -1, -1
    for i, t in enumerate(toks):
        if t.text == "{":
            if depth == 0 and where < 0:
                where = i
            depth += 1
        elif t.text == "}":
            depth -= 1
        elif depth == 0 and t.keyword == "SELECT" and select < 0:
            select = i
        elif depth == 0 and t.keyword == "WHERE" and where < 0:
            where = i
        elif depth == 0 and t.keyword == "GROUP" and select >= 0:
            group = i
        elif depth == 0 and t.keyword == "ORDER" and group >= 0:
            order = i
    if min(select, where, group, order) < 0 or not select < where < group < order:
        return sparql
    head = toks[select + 1:where]
    if any((t.text == "*" and _depth_zero(head, j)) or t.keyword == "FROM" for j, t in enumerate(head)):
        return sparql  # SELECT * (not valid with GROUP BY anyway), or FROM (not allowed in a subquery)
    projected = {t.text[1:] for j, t in enumerate(head) if t.kind == "var"
                 and (j == 0 or head[j - 1].keyword == "AS" or _depth_zero(head, j))}
    if not {t.text[1:] for t in toks[order:] if t.kind == "var"} <= projected:
        return sparql
    start, cut = toks[select].pos, toks[order].pos
    return f"{sparql[:start]}SELECT * WHERE {{ {{ {sparql[start:cut]}}} }} {sparql[cut:]}"


def _depth_zero(head: Sequence[Any], j: int) -> bool:
    """Is ``head[j]`` outside the parentheses of a projection expression?"""
    depth = 0
    for t in head[:j]:
        depth += t.text == "("
        depth -= t.text == ")"
    return depth == 0



XSD = "http://www.w3.org/2001/XMLSchema#"
_SQLSTATE = re.compile(r"Virtuoso ([0-9A-Z]{5}) Error")
_QUERY_ERRORS = ("22", "37", "42")  # SQLSTATE classes: data exception, syntax error, access rule / syntax
_BOOLEAN = (XSD + "boolean").encode()
_DURATION = (XSD + "duration").encode()
_NODE_ID = b'"nodeID://'
_NT_LITERAL = re.compile(rb'"(-?[0-9]+(?:\.[0-9]*)?)"\^\^<http://www\.w3\.org/2001/XMLSchema#(boolean|duration)>')


def _canonical(datatype: str, value: str) -> str:
    """Virtuoso's ``1``/``0`` booleans and number durations (months for a year-month
    duration, seconds ``N.0`` for a day-time one) in XSD canonical form."""
    if datatype.endswith("#boolean"):
        return {"1": "true", "0": "false"}.get(value, value)
    if re.fullmatch(r"-?[0-9]+", value):  # months
        sign, months = ("-" if value.startswith("-") else ""), abs(int(value))
        years, months = divmod(months, 12)
        return f"{sign}P" + (f"{years}Y" if years else "") + (f"{months}M" if months or not years else "")
    if re.fullmatch(r"-?[0-9]+\.[0-9]*", value):  # seconds
        sign, total = ("-" if value.startswith("-") else ""), Decimal(value.lstrip("-"))
        days, rest = divmod(total, 86400)
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        secs = format(seconds.normalize(), "f") if seconds else ""
        time = (f"{int(hours)}H" if hours else "") + (f"{int(minutes)}M" if minutes else "") + (f"{secs}S" if secs else "")
        if not days and not time:
            return "PT0S"
        return f"{sign}P" + (f"{int(days)}D" if days else "") + (f"T{time}" if time else "")
    return value




class VirtuosoDialect(Dialect):
    """OpenLink Virtuoso 7 (see the module docstring)."""

    name = "virtuoso"

    def before(self, method: str, url: str, kw: dict[str, Any], *, timeout: float = 0) -> dict[str, Any]:
        data = kw.get("data")
        pairs = list(data.items()) if isinstance(data, dict) else data
        if not isinstance(pairs, list) or not any(isinstance(p, tuple) and p and p[0] == "query" for p in pairs):
            return kw
        sparql = next(str(v) for k, v in pairs if k == "query")
        headers = dict(kw.get("headers") or {})
        if headers.get("Accept") == BOTH:  # q-values are ignored: one type, by the query form
            headers["Accept"] = accept_for(sparql)
        out = [(k, self.prepare(str(v)) if k == "query" else v) for k, v in pairs if k != "timeout"]
        if timeout > 0:
            out.append(("timeout", str(anytime_ms(timeout))))
        return {**kw, "data": out, "headers": headers}

    def prepare(self, sparql: str) -> str:
        form = query_form(sparql)
        if form == "describe":
            return 'DEFINE sql:describe-mode "CBD" ' + sparql  # same line: error line numbers stay the user's
        if form == "select":
            return order_outside_group(sparql)
        return sparql

    def after(self, resp: Response) -> None:
        from sistercities.store.credentials import safe_url

        where = safe_url(resp.url or "")
        # the headers that say an answer is partial first, whatever the status: CI once saw a 500
        # whose body began as a results document, which the status alone would call an outage
        state = resp.headers.get("X-SQL-State", "")
        if state == "S1TAT":
            raise StoreTimeout(f"remote store {where} stopped the query at its time limit and sent "
                               "partial results (X-SQL-State S1TAT); they were not used")
        cap = resp.headers.get("X-SPARQL-MaxRows")
        if cap:
            raise ResultCapped(f"remote store {where} cut the result at {cap} rows (its ResultSetMaxRows): "
                               "the answer is incomplete and was not used")
        if resp.status_code >= 400:
            refusal = self.refusal(resp.status_code, _text(resp), where)
            if refusal is not None:
                raise refusal
            if resp.status_code >= 500 and state:
                message = re.sub(r"\s+", " ", resp.headers.get("X-SQL-Message", "")).strip()[:300]
                raise StoreUnavailable(f"remote store {where} answered {resp.status_code} "
                                       f"(X-SQL-State {state}{': ' + message if message else ''})")

    def body(self, body: bytes, resp: Response) -> bytes:
        return self.fix(body, resp.headers.get("Content-Type", "").split(";")[0].strip().lower())

    def fix(self, body: bytes, media_type: str) -> bytes:
        """An answer (SPARQL JSON results or N-Triples) with Virtuoso's rewritten terms put right."""
        if _BOOLEAN not in body and _DURATION not in body and _NODE_ID not in body:
            return body
        if media_type.endswith("json") or body.lstrip()[:1] == b"{":
            doc = json.loads(body)
            for row in doc.get("results", {}).get("bindings", []):
                for v in row.values():
                    if v.get("datatype") in (XSD + "boolean", XSD + "duration"):
                        v["value"] = _canonical(v["datatype"], v.get("value", ""))
                    elif v.get("type") == "bnode" and v.get("value", "").startswith("nodeID://"):
                        v["value"] = v["value"][len("nodeID://"):]  # "nodeID://b10001" is no blank node label
            return json.dumps(doc).encode()
        return _NT_LITERAL.sub(lambda m: b'"' + _canonical(XSD + m.group(2).decode(), m.group(1).decode()).encode()
                               + b'"^^<' + XSD.encode() + m.group(2) + b">", body)

    def refusal(self, status: int, text: str, where: str) -> StoreError | None:
        """The error for a 4xx/5xx answer, or None for the usual handling."""
        first = text.split(" SPARQL query:", 1)[0].strip()
        if "estimated execution time" in first or "exceeds the limit" in first:
            return StoreTimeout(f"remote store {where} refused the query: {first}")
        state = _SQLSTATE.match(first)
        if state and state.group(1) == "S1T00":
            return StoreTimeout(f"remote store {where} stopped the query: {first}")
        if 400 <= status < 500 or (state and state.group(1)[:2] in _QUERY_ERRORS):
            # a 500 for a query's own fault (1/0, STRLEN(1), OFFSET -1) is no outage: never 503 + retry
            return StoreError(f"remote store {where} answered {status}: {first}")
        return None


class AutoDialect(Dialect):
    """``STORE_DIALECT=auto``: the standard until an answer's ``Server`` header names
    Virtuoso (``Virtuoso/07.20.3229 (Linux)``), then :class:`VirtuosoDialect`."""

    name = "auto"

    def __init__(self) -> None:
        self.inner: Dialect = Dialect()
        self.detected = False

    def before(self, method: str, url: str, kw: dict[str, Any], *, timeout: float = 0) -> dict[str, Any]:
        return self.inner.before(method, url, kw, timeout=timeout)

    def after(self, resp: Response) -> None:
        if not self.detected:
            self.detected = True
            if resp.headers.get("Server", "").startswith("Virtuoso/"):
                self.inner = VirtuosoDialect()
        self.inner.after(resp)

    def body(self, body: bytes, resp: Response) -> bytes:
        return self.inner.body(body, resp)


def _text(resp: Response) -> str:
    try:
        return re.sub(r"\s+", " ", resp.text[:2000]).strip()
    except READ_ERRORS:
        return ""


DIALECTS.update({"virtuoso": VirtuosoDialect, "auto": AutoDialect})
