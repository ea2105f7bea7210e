"""Linking with Wikidata, both ways (``sistercities wikidata …``).

* :mod:`.client`       – every conversation with a SPARQL endpoint (SPARQLWrapper): User-Agent, on-disk
  cache keyed by query text, rate limit, bounded backoff on 429/503 with ``Retry-After``, timeout,
  one-line :class:`~.client.WikidataError` for anything that goes wrong; :mod:`.files` writes atomically.
* :mod:`.entities`, :mod:`.reconcile`, :mod:`.scoring` – candidates for our unlinked cities, countries and
  organisations, scored by class, country and distance, as a review CSV; :mod:`.accept` turns accepted rows
  into ``owl:sameAs`` with a ``tw:AcceptedLink`` record (``data/wikidata-accepted.ttl``).
* :mod:`.importer`, :mod:`.queries`, :mod:`.model`, :mod:`.dates`, :mod:`.turtle` – Wikidata's P190
  statements (and ``--all``, keyset-paged) as ``tw:WikidataTwinning`` records in ``data/wikidata.ttl``.
* :mod:`.compare`, :mod:`.compare_store`, :mod:`.compare_format` – our twinnings beside Wikidata's, from
  the store (the build writes ``wikidata-compare.json``); :mod:`.quickstatements` – what Wikidata lacks.
* :mod:`.cli` and the ``*_cli`` modules – the thin click commands.

Never imports Flask.
"""
