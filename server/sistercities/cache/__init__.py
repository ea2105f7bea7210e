"""A cache shared by every worker of a server, keyed by release (issue 13).

Every answer the server gives (a SPARQL result, a rendered document) is a pure function of
(release, software version, output settings, request), because a release never changes.
:mod:`~sistercities.cache.keys` builds those keys and their ETags;
:mod:`~sistercities.cache.shared` keeps answers on disk (``diskcache``: SQLite plus files)
where every worker process reads what any of them stored.  Never imports Flask.
"""

from sistercities.cache.keys import document_key, etag, etag_matches, fingerprint, sparql_key
from sistercities.cache.shared import Entry, SharedCache, open_shared

__all__ = ["Entry", "SharedCache", "document_key", "etag", "etag_matches", "fingerprint", "open_shared", "sparql_key"]
