"""IRI <-> path mapping and the one URL builder.

The data's IRIs all live under one configured base (``BASE_IRI``, default
``https://w3id.org/twinning/``).  The server can run anywhere: a request path
``/id/city/khabarovsk`` on ``http://127.0.0.1:8080`` names the IRI
``{base}id/city/khabarovsk``.  This module never imports Flask.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlencode

DEFAULT_BASE = "https://w3id.org/twinning/"

#: Maximum length of an IRI we will try to resolve (longer gets 414).
MAX_IRI_LENGTH = 2000

ONTOLOGY_PATH = "ontology"
SHAPES_PATH = "shapes"
DATASET_PATH = "dataset"


def ontology_ns(base: str) -> str:
    """Namespace of our ontology terms (``tw:``)."""
    return base + ONTOLOGY_PATH + "/"


@dataclass(frozen=True)
class URLs:
    """Build every URL and IRI the application hands out.

    ``base`` is the IRI base of the data; ``root`` is the URL prefix the server
    is reached at (``""`` for links relative to the serving host, or a full
    ``http://host:port`` when an absolute URL is needed, e.g. in RDF).
    """

    base: str = DEFAULT_BASE
    root: str = ""

    # --- IRIs <-> paths -------------------------------------------------
    def iri_for_path(self, path: str) -> str:
        """``/id/city/x`` -> ``{base}id/city/x`` (path is URL-decoded).  Exactly one leading ``/`` is
        dropped, so ``//x`` names ``{base}/x`` (the inverse of :meth:`path_for_iri`), not ``{base}x``."""
        return self.base + unquote(path[1:] if path.startswith("/") else path)

    def path_for_iri(self, iri: str) -> str | None:
        """``{base}id/city/x`` -> ``/id/city/x``; None for IRIs outside the base."""
        if not iri.startswith(self.base):
            return None
        return "/" + quote(iri[len(self.base):], safe="/#:@!$&'()*+,;=-._~")

    def is_local(self, iri: str) -> bool:
        return iri.startswith(self.base)

    def iri(self, path: str) -> str:
        """An IRI in our namespace from a relative path (``id/city/x``)."""
        return self.base + path.lstrip("/")

    # --- URLs on the serving host ----------------------------------------
    def url(self, path: str, **params: str) -> str:
        u = self.root + "/" + path.lstrip("/")
        if params:
            u += "?" + urlencode({k: v for k, v in params.items() if v is not None})
        return u

    def link(self, iri: str) -> str:
        """Where a browser should go for ``iri``: our page for local IRIs, the IRI itself otherwise."""
        path = self.path_for_iri(iri)
        return self.root + path if path is not None else iri

    def document(self, iri: str, ext: str | None = None) -> str | None:
        """Document URL for a thing IRI: ``/id/city/x`` -> ``/doc/id/city/x.ttl``."""
        path = self.path_for_iri(iri)
        if path is None:
            return None
        doc = self.root + "/doc" + path
        return doc + "." + ext if ext else doc

    def sparql(self) -> str:
        return self.url("sparql")

    def dataset_iri(self) -> str:
        return self.iri(DATASET_PATH)

    def ontology_iri(self) -> str:
        return self.iri(ONTOLOGY_PATH)

    def shapes_iri(self) -> str:
        return self.iri(SHAPES_PATH)

    def graph_iri(self, slug: str) -> str:
        return self.iri("graph/" + slug)
