"""Evidence per statement: which words of which paragraph support each fact.

Curators write a shorthand in ``data/*.ttl``::

    <id/twinning/khabarovsk-niigata> tw:evidence [
        tw:supports tw:startDate ;
        prov:wasQuotedFrom <id/source/khabarovsk-sister-cities/p1> ;
        tw:quotation "since April, 23, 1965"@en ] .

:mod:`~sistercities.evidence.expand` replaces each shorthand node with one
published ``tw:Evidence`` per supported statement (``rdf:subject``,
``rdf:predicate``, ``rdf:object``, ``prov:wasQuotedFrom``, ``tw:quotation``) at
a stable IRI ``{base}id/evidence/<hash>``; :mod:`~sistercities.evidence.quotes`
checks that every quotation occurs in the cited paragraph of the source text.
The model and its reasons are in docs/model.md.  Never imports Flask.
"""

from sistercities.evidence.expand import EXEMPT_PREDICATES, evidence_iri, expand
from sistercities.evidence.quotes import check_quotations, default_sources_dir, paragraphs

__all__ = ["EXEMPT_PREDICATES", "check_quotations", "default_sources_dir", "evidence_iri", "expand", "paragraphs"]
