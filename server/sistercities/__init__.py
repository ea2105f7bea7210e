"""sistercities: a linked-data publisher for the knowledge graph of city twinning."""

from __future__ import annotations

__version__ = "0.1.0"

from sistercities.app import create_app

__all__ = ["__version__", "create_app"]
