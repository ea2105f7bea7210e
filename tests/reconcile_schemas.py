"""The Reconciliation API's official JSON Schemas (../shared/standards/reconciliation/0.2/schemas),
with their ``$ref``s between files resolved through a :class:`referencing.Registry`."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from conftest import SHARED

SPEC = SHARED / "standards" / "reconciliation" / "0.2"
SCHEMAS = SPEC / "schemas"
EXAMPLES = SPEC / "examples"


@cache
def _registry() -> Registry:  # type: ignore[type-arg]
    resources = []
    for f in sorted(SCHEMAS.glob("*.json")):
        contents = json.loads(f.read_text(encoding="utf-8"))
        res = Resource.from_contents(contents, default_specification=DRAFT7)
        resources.append((contents.get("$id", f.name), res))
        # also under the file's own name next to the others (reconciliation-query-batch.json's $id differs)
        resources.append((str(contents.get("$id", "")).rsplit("/", 1)[0] + "/" + f.name, res))
    return Registry().with_resources(resources)


def validator(name: str) -> Draft7Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return Draft7Validator(schema, registry=_registry())


def errors(name: str, instance: Any) -> list[str]:
    """Every schema error of ``instance`` (empty when it validates)."""
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(instance)]


def examples(kind: str, validity: str) -> list[Path]:
    return sorted((EXAMPLES / kind / validity).glob("*.json"))
