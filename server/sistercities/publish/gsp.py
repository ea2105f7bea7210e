"""A SPARQL 1.1 Graph Store HTTP Protocol client (the part a publisher needs).

``POST`` appends triples to a graph (``?graph=<iri>``), ``PUT`` replaces it,
``DELETE`` removes it (a 404 for a graph that does not exist is not an error).
Bodies are N-Triples.  HTTP goes through :meth:`RemoteStore.request
<sistercities.store.remote.RemoteStore.request>`: one kept-alive
:class:`~sistercities.store.http.Client` per thread, the credentials of the environment
(``SISTERCITIES_STORE_USER``/``SISTERCITIES_STORE_PASSWORD`` or
``SISTERCITIES_STORE_TOKEN``), and messages that name the endpoint without them.
Never imports Flask.
"""

from __future__ import annotations

from sistercities.store.base import StoreError
from sistercities.store.remote import RemoteStore

NTRIPLES = "application/n-triples"


class GraphStore:
    """The Graph Store Protocol endpoint ``url`` of ``http``'s store."""

    def __init__(self, http: RemoteStore, url: str) -> None:
        self.http = http
        self.url = url

    def post(self, graph: str, body: bytes) -> None:
        """Add the N-Triples ``body`` to ``graph``."""
        self.http.request("POST", self.url, params={"graph": graph}, data=body,
                          headers={"Content-Type": NTRIPLES}).close()

    def put(self, graph: str, body: bytes) -> None:
        """Replace ``graph`` by the N-Triples ``body``."""
        self.http.request("PUT", self.url, params={"graph": graph}, data=body,
                          headers={"Content-Type": NTRIPLES}).close()

    def delete(self, graph: str) -> None:
        """Remove ``graph``; no error if it does not exist."""
        try:
            self.http.request("DELETE", self.url, params={"graph": graph}).close()
        except StoreError as e:
            if " answered 404" not in str(e):
                raise
