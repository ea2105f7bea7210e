"""Which ORDER BY conditions can never meet two literals pyoxigraph cannot compare.

:mod:`sistercities.sparql.orderkey` puts a kind rank in front of every order
condition, because pyoxigraph 0.5.13 aborts on a sort over literals it cannot
compare (docs/upstream-orderby-panic.md).  The rank is an expression evaluated
on every row, and it costs 7-30 % of an ORDER BY query's time at 1M triples
(``bench.backends``).  A condition needs no rank when every value it can take
is a node (IRI or blank node, which compare totally with everything), a count
(an ``xsd:integer``, never NaN), or a literal that sorts by its form (a string,
a date without time zone...: :func:`sistercities.stats.literal_kinds` says
why those, with nodes, always compare totally): :func:`needs_rank` says which,
reading the query's tokens only, conservatively -- anything it does not
recognise needs the rank.

A condition is "plain" when it is ``?v``, ``ASC(?v)``, ``DESC(?v)``,
``(?v)``, or a ``COUNT(...)`` (``DESC(COUNT(*))``).  ``?v`` is safe when each
of its occurrences in the query is one of:

* in an expression (a ``FILTER``, ``BIND``, function call, projection or
  ``HAVING``): that reads ``?v``, it does not bind it -- except ``... AS ?v``,
  which binds it, and is safe only as ``COUNT(...) AS ?v``;
* in the projection, ``GROUP BY`` or ``ORDER BY`` clause;
* the subject of a triple pattern (after ``{`` or ``.``), or a ``GRAPH ?v``:
  always a node;
* the object of a triple pattern with an IRI predicate (``?s <p> ?v``,
  ``?s pre:p ?v``, ``... ; pre:p ?v``) whose objects in the release are nodes
  or literals that sort by their form (``ranked_predicates``: every other
  predicate, from the build's statistics, ``Release.ranked_predicates``;
  None = unknown, so an object is never safe).  A count sorts by value, not
  by its form ("10" < "9"), so a variable that is both a ``COUNT(...) AS`` and
  such an object needs the rank.

Everything else -- ``VALUES``, an object list (``, ?v``), a property path,
a variable predicate, an RDF collection -- needs the rank.  Never imports Flask.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sistercities.sparql.baseiri import prologue, resolve
from sistercities.sparql.safety import Token

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_PROJECTION_END = frozenset({"WHERE", "FROM"})
_MODIFIER_END = frozenset({"LIMIT", "OFFSET", "VALUES", "HAVING"})


def _name(t: Token) -> str:
    return t.text[1:]  # ?v and $v are the same variable


def _close(toks: Sequence[Token], i: int) -> int | None:
    depth = 0
    for j in range(i, len(toks)):
        if toks[j].kind == "other" and toks[j].text == "(":
            depth += 1
        elif toks[j].kind == "other" and toks[j].text == ")":
            depth -= 1
            if depth == 0:
                return j
    return None


def is_count(toks: Sequence[Token], a: int, b: int) -> bool:
    """Whether ``toks[a..b]`` is exactly ``COUNT( ... )``."""
    return (toks[a].keyword == "COUNT" and a + 1 <= b and toks[a + 1].text == "("
            and _close(toks, a + 1) == b)


class _Reader:
    """One walk over the tokens, classifying every occurrence of every variable."""

    def __init__(self, toks: Sequence[Token], base: str, ranked_predicates: Collection[str] | None) -> None:
        self.toks = toks
        self.ranked_predicates = ranked_predicates
        pro = prologue(toks, base)
        self.prefixes, self.base, self.start = pro.prefixes, pro.base, pro.end
        self.unsafe: set[str] = set()
        self._counted: set[str] = set()  # bound by COUNT(...) AS
        self._objects: set[str] = set()  # an object of a triple pattern (a literal, perhaps)
        self._walk()
        self.unsafe |= self._counted & self._objects

    def _predicate_iri(self, t: Token) -> str | None:
        if t.kind == "iri":
            return resolve(t.text[1:-1], self.base)
        if t.kind == "pname":
            prefix, _, local = t.text.partition(":")
            return self.prefixes[prefix] + local if prefix in self.prefixes and "\\" not in local else None
        if t.keyword == "A":
            return RDF_TYPE
        return None

    def _object_safe(self, i: int) -> bool:
        """``toks[i]`` (a variable) is the object of a triple pattern with an IRI predicate whose
        objects in the release need no rank."""
        if self.ranked_predicates is None or i < 2:
            return False
        p, before = self.toks[i - 1], self.toks[i - 2]
        subject_before = before.kind in ("var", "iri", "pname", "bnode") or (
            before.kind == "other" and before.text in (";", "["))
        if not subject_before:
            return False
        iri = self._predicate_iri(p)
        return iri is not None and iri not in self.ranked_predicates

    def _walk(self) -> None:  # one pass, one state machine
        toks = self.toks
        parens: list[str] = []  # per open '(': "expr" or "data"; a '{' pushes a fence
        region = ""  # "projection" (SELECT ... until the pattern) or "modifier" (GROUP/ORDER BY)
        for i in range(self.start, len(toks)):
            t = toks[i]
            prev = toks[i - 1] if i > 0 else None
            if t.kind == "word":
                kw = t.keyword
                if kw == "SELECT":
                    region = "projection"
                elif kw in _PROJECTION_END and region == "projection":
                    region = ""
                elif kw in ("GROUP", "ORDER") and i + 1 < len(toks) and toks[i + 1].keyword == "BY":
                    region = "modifier"
                elif kw in _MODIFIER_END and region == "modifier" and not parens_open(parens):
                    region = ""
                continue
            if t.kind == "other":
                if t.text == "{":
                    parens.append("{")
                    region = ""
                elif t.text == "}":
                    while parens and parens.pop() != "{":
                        pass
                    region = ""
                elif t.text == "(":
                    parens.append(_paren_kind(prev, parens, region))
                elif t.text == ")" and parens and parens[-1] != "{":
                    parens.pop()
                continue
            if t.kind != "var":
                continue
            name = _name(t)
            if prev is not None and prev.keyword == "AS":
                if self._count_alias(i):
                    self._counted.add(name)
                else:
                    self.unsafe.add(name)
                continue
            if parens and parens[-1] == "expr":
                continue  # read, not bound
            if parens and parens[-1] == "data":
                self.unsafe.add(name)  # a VALUES list or an RDF collection
                continue
            if region in ("projection", "modifier"):
                continue
            if prev is not None and (prev.keyword == "GRAPH" or (prev.kind == "other" and prev.text in ("{", "."))):
                continue  # a subject, or a graph name: a node
            if self._object_safe(i):
                self._objects.add(name)
                continue
            self.unsafe.add(name)

    def _count_alias(self, i: int) -> bool:
        """``toks[i]`` follows ``AS``: is the expression before it ``COUNT(...)`` and nothing else?"""
        toks = self.toks
        end = i - 2  # the token before AS
        if end < 0 or toks[end].text != ")":
            return False
        depth, j = 0, end
        while j >= 0:  # the '(' that opens COUNT's argument list
            if toks[j].text == ")":
                depth += 1
            elif toks[j].text == "(":
                depth -= 1
                if depth == 0:
                    break
            j -= 1
        if j < 1 or toks[j - 1].keyword != "COUNT":
            return False
        opener = j - 2  # the '(' of "(COUNT(...) AS ?v)"
        return opener >= 0 and toks[opener].text == "("


def parens_open(parens: list[str]) -> bool:
    return bool(parens) and parens[-1] != "{"


def _paren_kind(prev: Token | None, parens: list[str], region: str) -> str:
    """What a '(' opens: "expr" (an expression: reads variables) or "data" (a VALUES variable
    list or an RDF collection: binds them)."""
    if prev is not None and prev.keyword == "VALUES":
        return "data"
    if (parens and parens[-1] == "expr") or region in ("projection", "modifier"):
        return "expr"
    if prev is not None and prev.kind == "word" and prev.keyword != "A":
        return "expr"  # FILTER(, BIND(, HAVING(, regex(, EXISTS ... a built-in's arguments
    return "data"  # after a subject, a predicate, '{', '.', ';', ',': a collection


def safe_variables(toks: Sequence[Token], base: str, ranked_predicates: Collection[str] | None) -> _Reader:
    return _Reader(toks, base, ranked_predicates)


def needs_rank(reader: _Reader, toks: Sequence[Token], a: int, b: int) -> bool:
    """Whether the order condition whose expression is ``toks[a..b]`` needs the kind rank."""
    if a == b and toks[a].kind == "var":
        return _name(toks[a]) in reader.unsafe
    if toks[a].text == "(" and _close(toks, a) == b:  # (expr): look inside
        return needs_rank(reader, toks, a + 1, b - 1) if a + 1 <= b - 1 else True
    return not is_count(toks, a, b)
