"""A SPARQL 1.1 Update client, and the few pieces of Update text a publisher writes.

Requests are ``POST``ed form-encoded (``update=…``) through :meth:`RemoteStore.request
<sistercities.store.remote.RemoteStore.request>` (one kept-alive session, the
environment's credentials, messages without them).  Never imports Flask.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from sistercities.store.base import StoreError
from sistercities.store.remote import RemoteStore


class UpdateClient:
    """The SPARQL 1.1 Update endpoint ``url`` of ``http``'s store."""

    def __init__(self, http: RemoteStore, url: str) -> None:
        if not url:
            raise StoreError("no SPARQL Update endpoint: set STORE_UPDATE_URL or pass --store-update")
        self.http = http
        self.url = url

    def run(self, sparql: str) -> None:
        """Run one Update request (one or more operations separated by ``;``)."""
        self.http.request("POST", self.url, data={"update": sparql}).close()

    def insert_data(self, graph: str, body: bytes) -> None:
        """Add the N-Triples ``body`` to ``graph`` (``INSERT DATA``)."""
        self.run(f"INSERT DATA {{ GRAPH <{graph}> {{\n{body.decode('utf-8')}\n}} }}")

    def drop(self, graphs: Iterable[str]) -> None:
        """``DROP SILENT GRAPH`` each of ``graphs``, in one request (nothing if none)."""
        ops = [f"DROP SILENT GRAPH <{g}>" for g in graphs]
        if ops:
            self.run(" ;\n".join(ops))


def literal(text: str) -> str:
    """``text`` as a SPARQL/N-Triples string literal, escaped."""
    return str(ox.Literal(text))


def ntriples_line(t: ox.Triple) -> str:
    """One N-Triples line for ``t`` (terms print in N-Triples syntax)."""
    return f"{t.subject} {t.predicate} {t.object} .\n"
