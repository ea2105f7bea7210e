"""How to cite a release: one line of text and a BibTeX entry.  Never imports Flask."""

from __future__ import annotations

from sistercities.catalog.model import Description


def _year(d: Description) -> str:
    return (d.modified or d.build_time)[:4]


def citation_text(d: Description) -> str:
    return f"{d.publisher_name} ({_year(d)}). {d.title}. Version {d.version}. Dataset. {d.dataset}"


def _bib_escape(s: str) -> str:
    return "".join("\\" + c if c in "{}&%$#_" else c for c in s)


def bibtex(d: Description) -> str:
    key = "sistercities_" + "".join(c if c.isalnum() else "_" for c in d.version)
    return "\n".join([
        f"@misc{{{key},",
        f"  author       = {{{{{_bib_escape(d.publisher_name)}}}}},",
        f"  title        = {{{{{_bib_escape(d.title)}}}}},",
        f"  year         = {{{_year(d)}}},",
        f"  version      = {{{_bib_escape(d.version)}}},",
        f"  howpublished = {{\\url{{{d.dataset}}}}},",
        f"  url          = {{{d.dataset}}},",
        f"  note         = {{Dataset, release {_bib_escape(d.version)}, modified {d.modified[:10]}}}",
        "}",
    ])
