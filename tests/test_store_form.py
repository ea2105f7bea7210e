"""The remote backend's form encoder (``sistercities.store.remote.form_body``): the same bytes as
the standard library's ``urlencode`` for any field values, so a store reads back exactly the
query and dataset it was sent, whatever characters they hold."""

from __future__ import annotations

import urllib.parse

from hypothesis import given, settings
from hypothesis import strategies as st

from sistercities.store.remote import form_body

_names = st.sampled_from(["query", "default-graph-uri", "named-graph-uri", "timeout", "a b&c=d"])
_values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(_names, _values), max_size=8))
def test_form_body_is_urlencode_and_reads_back(fields: list[tuple[str, str]]) -> None:
    body = form_body(fields)
    assert body == urllib.parse.urlencode(fields).encode("ascii")
    assert urllib.parse.parse_qsl(body.decode("ascii"), keep_blank_values=True) == fields


def test_a_repeated_dataset_field_is_encoded_once_per_process() -> None:
    from sistercities.store.remote import _field

    _field.cache_clear()
    fields = [("query", "ASK {}"), ("named-graph-uri", "https://example.org/g?x=1&y=ü")]
    form_body(fields)
    form_body([("query", "ASK { ?s ?p ?o }"), fields[1]])
    info = _field.cache_info()
    assert (info.hits, info.misses) == (1, 1)  # the query is never cached, the graph IRI once
