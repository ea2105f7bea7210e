"""The W3C Reconciliation Service API (0.2) over our data: pure modules, no Flask.

* :mod:`.types`    — the types a query may name (our class IRIs) and their hierarchy;
* :mod:`.index`    — what matching needs on top of the site's label index (:mod:`sistercities.search`);
* :mod:`.requests` — parsing and validating ``queries=`` batches (limits, known types and properties);
* :mod:`.match`    — candidates, scores, features and the ``match`` decision;
* :mod:`.manifest` — the service manifest (the one place the service paths are named).

Entity identifiers are our full IRIs (``identifierSpace`` is the base IRI); an id may also be
given as the path below the base (``id/city/bucheon``): :func:`sistercities.reconcile.types.iri_of`.
"""
