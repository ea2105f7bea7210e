"""The store's default graph: every triple of every named graph, each once.

SPARQL's default graph is an RDF graph, a set.  Oxigraph's
``use_default_graph_as_union`` is the union of the graphs as a multiset: a
triple stated by two sources (two named graphs) came back twice, and
``COUNT(*)`` counted quads.  So the build writes the union, de-duplicated, into
the store's real default graph (:func:`fill`), as the last step of a build
(validation, statistics and dumps read the named graphs as before, so the dumps
stay native), and queries that name no dataset read that graph.

What is in it: the named graphs the build loads -- the data graphs
(``{base}graph/<slug>``), the ontology (``{base}ontology``) and the shapes
(``{base}shapes``) -- exactly what the union default graph held before, minus
the duplicates.  The named graphs stay as they are, for ``GRAPH`` queries,
the dataset dumps and the resource documents' provenance.

A store without a default graph (a release built before this, or a test's
in-memory store) still answers as before: :func:`dataset_kw` falls back to the
union.  Never imports Flask.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pyoxigraph as ox

DEFAULT = ox.DefaultGraph()


def is_filled(store: ox.Store) -> bool:
    """Does ``store`` hold anything in its default graph (one index seek)?"""
    return next(iter(store.quads_for_pattern(None, None, None, DEFAULT)), None) is not None


def named_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every quad of the named graphs (in graph order), never the default graph's copy."""
    graphs = sorted(store.named_graphs(), key=str)
    return itertools.chain.from_iterable(store.quads_for_pattern(None, None, None, g) for g in graphs)


def fill(store: ox.Store, *, bulk: bool = True) -> None:
    """Write the de-duplicated union of the named graphs into the default graph.

    Duplicates need no work: a store is a set of quads, so the second copy of a
    triple is the same quad.  ``bulk`` (the build's on-disk store) uses
    :meth:`pyoxigraph.Store.bulk_extend`; otherwise a transactional ``extend``.
    """
    triples = (ox.Quad(q.subject, q.predicate, q.object, DEFAULT) for q in named_quads(store))
    (store.bulk_extend if bulk else store.extend)(triples)


def dataset_kw(store: ox.Store) -> dict[str, Any]:
    """Keyword arguments for :meth:`pyoxigraph.Store.query` meaning "the default graph as
    users see it": the real one when the build wrote it, else the union (older stores)."""
    return {} if is_filled(store) else {"use_default_graph_as_union": True}
