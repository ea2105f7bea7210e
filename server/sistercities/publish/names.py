"""The graph names of the publishing protocol (see :mod:`sistercities.publish.release`),
and :func:`read_release`, the manifest of the release a store serves.  Never imports Flask."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sistercities.store.manifest import read_release as _read_release
from sistercities.store.manifest import release_graph
from sistercities.store.remote import RemoteStore


@dataclass(frozen=True)
class Names:
    """The graph names of the protocol, for one ``base``."""

    base: str

    @property
    def pointer(self) -> str:
        return release_graph(self.base)

    @property
    def current(self) -> str:
        return self.base + "release/current"

    @property
    def served_default(self) -> str:
        return self.base + "release/current/default"

    @property
    def manifest_p(self) -> str:
        return self.base + "ontology/manifest"

    @property
    def staged_p(self) -> str:
        return self.base + "ontology/stagedGraph"

    def release(self, version: str) -> str:
        return f"{self.base}release/{version}"

    def staged(self, version: str, graph: str | None) -> str:
        """``<BASE>graph/x`` → ``<BASE>release/<v>/graph/x``; ``None`` (default graph) → ``…/default``."""
        if graph is None:
            return f"{self.release(version)}/default"
        rel = graph[len(self.base):] if graph.startswith(self.base) else "other/" + graph.replace("://", "/")
        return f"{self.release(version)}/{rel}"

    def version_of(self, graph: str) -> str | None:
        """The version part of a staged graph name, else None."""
        prefix = self.base + "release/"
        if not graph.startswith(prefix):
            return None
        v = graph[len(prefix):].split("/", 1)[0]
        return None if v == "current" else v


def read_release(source: RemoteStore | Callable[[str], list[dict[str, Any]]], base: str) -> dict[str, Any] | None:
    """The manifest of the release a store serves (None if nothing was published):
    ``source`` is a store (its ``select``) or a function ``sparql -> rows``."""
    if callable(source) and not hasattr(source, "select"):
        fn = source

        class _Q:
            def select(self, sparql: str, **_: Any) -> list[dict[str, Any]]:
                return fn(sparql)

        return _read_release(_Q(), base)  # type: ignore[arg-type]
    return _read_release(source, base)  # type: ignore[arg-type]
