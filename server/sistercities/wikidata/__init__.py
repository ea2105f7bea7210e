"""Linking with Wikidata, both ways (``sistercities wikidata …``).

* :mod:`.client`  – every conversation with a SPARQL endpoint (SPARQLWrapper): User-Agent, on-disk
  cache keyed by query text, rate limit, bounded backoff on 429/503 with ``Retry-After``, timeout,
  one-line :class:`~.client.WikidataError` for anything that goes wrong.

Never imports Flask.
"""
