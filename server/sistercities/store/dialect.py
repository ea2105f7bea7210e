"""Store dialects: where a SPARQL server departs from the standard, in one place.

Never imports Flask.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sistercities.store.http import Response


class Dialect:
    """Where a store departs from the standard, handled in one place (e.g. ``store/virtuoso.py``
    registers its own in :data:`DIALECTS`).  The standard dialect changes nothing."""

    name = "standard"

    def before(self, method: str, url: str, kw: dict[str, Any], *, timeout: float = 0) -> dict[str, Any]:
        """The keyword arguments of a request about to be sent (params, data, headers);
        ``timeout``: the seconds the client waits for its answer (0: unknown)."""
        return kw

    def after(self, resp: Response) -> None:
        """Check an answer's status line and headers, before the usual handling of its status
        (e.g. raise :class:`StoreUnavailable` for a partial answer a store marks as such, or
        :class:`StoreError` for a 500 that is the query's own fault)."""

    def body(self, body: bytes, resp: Response) -> bytes:
        """The body of an answer, fixed if need be."""
        return body


#: Dialects by the name the setting ``STORE_DIALECT`` (if declared) gives.
DIALECTS: dict[str, type[Dialect]] = {"standard": Dialect}
