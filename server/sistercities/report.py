"""Plain report objects for ``sistercities validate`` / ``build``.

An :class:`Issue` is one finding (a syntax error, an undeclared term, a SHACL
result, a quality-check row); a :class:`Report` collects them and formats them
the way compilers do, ``file:line[:col]: severity: message``, so an editor can
jump to the place.  Never imports Flask.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
INFO = "info"
_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}


@dataclass
class Issue:
    severity: str  # "error" | "warning" | "info"
    kind: str  # "syntax" | "term" | "shacl" | "quality" | "input"
    message: str
    file: str | None = None  # project-relative path (posix)
    line: int | None = None
    column: int | None = None
    focus: str | None = None  # compacted IRI of the focus node
    path: str | None = None  # compacted property (SHACL result path)
    value: str | None = None
    rule: str | None = None  # shape or query file that produced the issue
    also_in: list[str] = field(default_factory=list)  # further files the focus node appears in

    def location(self, root: str = "") -> str:
        if not self.file:
            return ""
        loc = root + self.file
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def format(self, root: str = "") -> str:
        parts = []
        loc = self.location(root)
        if loc:
            parts.append(loc + ":")
        parts.append(f"{self.severity}:")
        subject = " ".join(x for x in (self.focus, self.path) if x)
        if subject and not (self.focus and self.focus in self.message):  # a message naming its node says it itself
            parts.append(subject + ":")
        parts.append(self.message)
        text = " ".join(parts)
        extras = []
        if self.value and self.value not in self.message:
            extras.append(f"value {self.value}")
        if self.rule:
            extras.append(f"rule {self.rule}")
        if self.also_in:
            extras.append("also in " + ", ".join(root + f for f in self.also_in))
        if extras:
            text += " [" + "; ".join(extras) + "]"
        return text


@dataclass
class Report:
    issues: list[Issue] = field(default_factory=list)
    files: int = 0
    triples: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    checks: list[str] = field(default_factory=list)  # what was run: "syntax", "terms", "shacl", "quality"

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, issues: list[Issue]) -> None:
        self.issues.extend(issues)

    def count(self, severity: str) -> int:
        return sum(1 for i in self.issues if i.severity == severity)

    @property
    def errors(self) -> int:
        return self.count(ERROR)

    @property
    def warnings(self) -> int:
        return self.count(WARNING)

    @property
    def ok(self) -> bool:
        return self.errors == 0

    def sorted(self) -> list[Issue]:
        return sorted(
            self.issues,
            key=lambda i: (_ORDER.get(i.severity, 9), i.file or "~", i.line or 0, i.column or 0, i.message),
        )

    def summary(self) -> str:
        def n(k: int, word: str) -> str:
            return f"{k} {word}{'' if k == 1 else 's'}"

        infos = self.count(INFO)
        s = f"{n(self.errors, 'error')}, {n(self.warnings, 'warning')}"
        if infos:
            s += f", {infos} info"
        return s

    def format(self, root: str = "") -> str:
        lines = [i.format(root) for i in self.sorted()]
        took = ", ".join(f"{k} {v:.1f} s" for k, v in self.timings.items())
        lines.append(
            f"checked {self.files} files, {self.triples:,} triples ({', '.join(self.checks) or 'nothing'})"
            + (f" in {took}" if took else "")
            + f": {self.summary()}"
        )
        return "\n".join(lines)

    def to_json(self) -> str:
        d: dict[str, Any] = {
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "files": self.files,
            "triples": self.triples,
            "checks": self.checks,
            "timings": self.timings,
            "issues": [asdict(i) for i in self.sorted()],
        }
        return json.dumps(d, indent=2, ensure_ascii=False)
