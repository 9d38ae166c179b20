"""Fuzzing with hypothesis (derandomized, so CI is deterministic): the loader
only ever raises InputError; random parameter values never break out of their
binding; hostile labels and citations cannot break out of their context in
the Markdown, HTML and MDX renderers."""

from __future__ import annotations

import dataclasses
import enum
import html.parser
import json
import re
import subprocess
from pathlib import Path
from typing import Any, ClassVar

import pyoxigraph as ox
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aigovkg import queries
from aigovkg._text import displayable
from aigovkg.errors import InputError
from aigovkg.loader import parse_turtle
from aigovkg.model import TopicPage, topic_page
from aigovkg.render import _environment, render_topic
from aigovkg.render.wiki import front_matter
from aigovkg.sparql import bind
from aigovkg.store import EmbeddedEngine

from .test_wiki import _node_compiler

FAST = settings(max_examples=300, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SLOW = settings(max_examples=25, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TURTLE_TOKENS = ["@prefix", "@base", "PREFIX", "BASE", "VERSION", "ex:", "ex:a", "<http://e/x>", "<a b>", "<", ">",
                 '"', '"""', "'", "'''", "\\u00", "\\U0001F600", "\\", "_:b", "[", "]", "(", ")", ".", ";", ",", "a",
                 "^^", "@en", "@en--ltr", "<<(", ")>>", "<<", ">>", "~", "{|", "|}", "{", "}", "#", "\n", "\r\n", " ",
                 "true", "1", "1.5", "1e5", "-", "\x00", "\ufeff", "\udcff", "é", "xsd:date", '"2024-02-30"']
HEADER = "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
turtle_ish = st.lists(st.sampled_from(TURTLE_TOKENS) | st.text(max_size=4), max_size=40).map(" ".join)


@pytest.mark.reliability("Random Turtle-ish text (hypothesis, 300 examples: Turtle tokens, RDF 1.2 markers, NUL, "
                         "BOM, lone surrogate bytes, random text)",
                         "the loader returns triples or raises InputError naming the file, nothing else")
def test_loader_only_raises_input_error(tmp_path: Path):
    path = tmp_path / "fuzz.ttl"
    outcomes = {"loaded": 0, "refused": 0}

    @FAST
    @given(body=turtle_ish, header=st.booleans())
    def check(body: str, header: bool) -> None:
        path.write_bytes(((HEADER if header else "") + body).encode("utf-8", "surrogateescape"))
        try:
            quads = parse_turtle(path)
        except InputError as exc:
            assert str(exc).startswith(str(path)), exc
            assert "\n" not in str(exc)
            outcomes["refused"] += 1
            return
        assert all(not isinstance(q.object, ox.Triple) for q in quads)  # RDF 1.1 only
        outcomes["loaded"] += 1

    check()
    assert sum(outcomes.values()) >= 300
    assert outcomes["loaded"] > 0 and outcomes["refused"] > 0


HOSTILE = ["<script>", "</script>", "{", "}", "|", "`", "```", "\n", "\r\n", "---", "<!--", "-->", "*", "_", "[",
           "](x)", "#", "&amp;", "\\", "$", "<", ">", '"', "'", "\u2028", "import x from 'y'", "export const a = 1",
           "<div>", "~~~", ":", "!", "\t", "{/* */}", "\x00"]
hostile = (st.lists(st.sampled_from(HOSTILE) | st.text(max_size=3), min_size=1, max_size=8).map("".join)
           .filter(lambda s: s.strip() != ""))
PARAM_TEXT = st.text(max_size=40) | st.lists(st.sampled_from([*HOSTILE, "international-coordination", "eu-ai-act"]),
                                             max_size=6).map("".join)

RQ = """# Fuzz probe.
#
# @param label string?   a label
# @param target iri?     an IRI
SELECT ?x WHERE { ?x <http://e/label> ?label . ?x <http://e/target> ?target }
"""


@pytest.mark.reliability("Random strings (hypothesis, 300 examples) through `string`, `iri` and `topic` parameters",
                         "either InputError, or the value binds as one inert term: the query matches exactly the "
                         "node holding that value, with the same columns")
def test_random_parameter_values_never_break_out(tmp_path: Path, kg):
    path = tmp_path / "probe.rq"
    path.write_text(RQ, encoding="utf-8")
    probe = queries.parse_query_file(path)
    topic_query = queries.get("topic-coverage")
    columns = kg.results("topic-coverage", topic="international-coordination").columns
    counts = {"bound": 0, "refused": 0}

    @FAST
    @given(value=PARAM_TEXT)
    def check(value: str) -> None:
        store = ox.Store()
        node = ox.NamedNode("http://e/node")
        decoy = ox.NamedNode("http://e/decoy")
        for subject, text in ((node, value), (decoy, value + "x")):
            store.add(ox.Quad(subject, ox.NamedNode("http://e/label"), ox.Literal(text)))
            store.add(ox.Quad(subject, ox.NamedNode("http://e/target"), ox.NamedNode("http://e/t")))
        engine = EmbeddedEngine(store)
        try:
            terms = probe.bindings({"label": value})
        except InputError:
            counts["refused"] += 1
        else:
            rows = engine.select(bind(probe.text, terms))
            # an empty value means "not given": the parameter is left unbound
            expected = ["http://e/node"] if value else ["http://e/decoy", "http://e/node"]
            assert rows.columns == ("x",) and sorted(str(r["x"]) for r in rows.records()) == expected
            counts["bound"] += 1
        try:
            terms = probe.bindings({"target": "http://e/" + value})
        except InputError:
            counts["refused"] += 1
        else:
            store.add(ox.Quad(node, ox.NamedNode("http://e/target"), terms["target"]))
            rows = engine.select(bind(probe.text, {**terms, "label": ox.Literal(value)}))
            assert [str(r["x"]) for r in rows.records()] == ["http://e/node"]  # only the node given that IRI
            counts["bound"] += 1
        try:
            terms = topic_query.bindings({"topic": value})
        except InputError:
            counts["refused"] += 1
        else:
            assert kg.engine.select(bind(topic_query.text, terms)).columns == columns
            counts["bound"] += 1

    check()
    assert sum(counts.values()) >= 900
    assert counts["bound"] > 0 and counts["refused"] > 0


@pytest.fixture(scope="module")
def page(kg) -> TopicPage:
    return topic_page(kg, "international-coordination", source="policy-window")


def _hostile_page(page: TopicPage, label: str, citation: str) -> TopicPage:
    coverage = tuple(dataclasses.replace(r, label=label, citation=citation) for r in page.coverage)
    tensions = tuple(dataclasses.replace(t, first_label=label, citation=citation) for t in page.tensions)
    return dataclasses.replace(page, label=label, coverage=coverage, tensions=tensions)


_PIPE = re.compile(r"(?<!\\)\|")


@pytest.mark.reliability("Hostile labels and citations (hypothesis, 300 examples: `<script>`, `{`, `}`, `|`, "
                         "backticks, newlines, `---`, `<!--`, ...) in the Markdown topic page",
                         "every coverage table row keeps its 4 cells; the table keeps one row per instrument")
def test_markdown_table_rows_keep_their_cells(page: TopicPage):
    seen = []

    @FAST
    @given(label=hostile, citation=hostile)
    def check(label: str, citation: str) -> None:
        text = render_topic(_hostile_page(page, label, citation), "markdown")
        lines = text.splitlines()
        start = lines.index("| Instrument | Jurisdiction | Coverage | Citation |")
        rows = []
        for line in lines[start + 2 :]:
            if not line.startswith("|"):
                break
            rows.append(line)
        assert len(rows) == len(page.coverage)
        for row in rows:
            assert len(_PIPE.split(row)) == 6, row  # 4 cells between the outer pipes
        seen.append(1)

    check()
    assert len(seen) >= 300


class _Tags(html.parser.HTMLParser):
    VOID: ClassVar[set[str]] = {"meta", "link", "br", "hr", "img", "input", "source", "wbr", "col", "area", "base", "embed", "track"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.open: list[str] = []
        self.text: list[str] = []
        self.comments = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        self.tags.append("/" + tag)
        assert self.open and self.open[-1] == tag, (tag, self.open[-5:])
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.comments += 1


def _parse(text: str) -> _Tags:
    parser = _Tags()
    parser.feed(text)
    parser.close()
    return parser


@pytest.mark.reliability("The same hostile labels and citations in the HTML topic page (hypothesis, 300 examples)",
                         "the HTML stays well-formed with exactly the tags of a harmless page; the label is text")
def test_html_keeps_its_structure_and_the_text_stays_text(page: TopicPage):
    baseline = _parse(render_topic(_hostile_page(page, "x", "y"), "html"))
    assert baseline.open == [] and baseline.comments == 0
    seen = []

    @FAST
    @given(label=hostile, citation=hostile)
    def check(label: str, citation: str) -> None:
        parsed = _parse(render_topic(_hostile_page(page, label, citation), "html"))
        assert parsed.tags == baseline.tags and parsed.open == [] and parsed.comments == 0
        # shown as written, but for what HTML cannot carry (U+0000, other C0 controls): U+FFFD
        assert " ".join(displayable(label).split()) in " ".join("".join(parsed.text).split())
        seen.append(1)

    check()
    assert len(seen) >= 300


@pytest.mark.reliability("The same hostile labels and citations in MDX wiki pages (hypothesis, 25 examples, "
                         "compiled by the real MDX compiler; a label starting `import x from 'y'` became an ESM import)",
                         "the front matter reads back exactly as YAML; every body compiles; no label becomes JSX or "
                         "ESM (leading `import`/`export`, `#`, `-`, `1.` are escaped)")
def test_mdx_pages_with_hostile_text_compile(page: TopicPage, tmp_path: Path):
    env = _environment("md")
    files: list[Path] = []

    @SLOW
    @given(label=hostile, citation=hostile)
    def check(label: str, citation: str) -> None:
        view = _hostile_page(page, label, citation)
        body = env.get_template("topic.md.j2").render(root="../", link_ext="mdx", page=view, s=view.summary)
        # Wiki engines read the front matter as YAML and compile the rest as MDX.
        fields = {"title": label, "description": citation}
        assert yaml.safe_load(front_matter(fields).strip().strip("-")) == fields
        assert "<script>" not in body and "\nimport " not in body and "\nexport " not in body
        path = tmp_path / f"page-{len(files):03d}.mdx"
        path.write_text(body, encoding="utf-8")
        files.append(path)

    check()
    assert len(files) >= 25
    result = subprocess.run([*_node_compiler(), *map(str, files)], capture_output=True, text=True, timeout=600)
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert not failures and result.returncode == 0, failures[:3]
    assert result.stdout.count("ok ") == len(files)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
    | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=30,
)


@pytest.mark.reliability("Random JSON values (hypothesis, 300 examples: nested dicts, lists, tuples, any text, "
                         "ints, floats with NaN and infinities, booleans, null)",
                         "the topic pages' JSON writer gives json.dumps(indent=2, ensure_ascii=False)'s text")
def test_json_writer_matches_the_standard_library():
    from aigovkg._json import dumps

    @FAST
    @given(value=json_values)
    def check(value: object) -> None:
        assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)

    check()
    with pytest.raises(TypeError):
        dumps({1: "a"})
    with pytest.raises(TypeError):
        dumps({"a": {1, 2}})

    # With default (how a topic page is written from its dataclasses): json.dumps's text too.
    def default(value: object) -> object:
        if isinstance(value, (set, frozenset)):
            return sorted(value, key=repr)
        raise TypeError(type(value).__name__)

    @FAST
    @given(value=st.recursive(json_values, lambda inner: st.frozensets(st.integers(), max_size=3)
                              | st.lists(inner, max_size=3), max_leaves=20))
    def check_default(value: object) -> None:
        assert dumps(value, default=default) == json.dumps(value, indent=2, ensure_ascii=False, default=default)

    check_default()
    with pytest.raises(TypeError):
        dumps({"a": b"bytes"}, default=default)

    # Subclasses of str and int (enumerations) are written as their values, as json.dumps writes them.
    class Kind(enum.StrEnum):
        A = "a\"b"

    class Rank(enum.IntEnum):
        TOP = 1

    value = {"k": Kind.A, "r": Rank.TOP, "l": [Kind.A, Rank.TOP, True, None, 1.5], Kind.A: ("x", 2)}
    assert dumps(value) == json.dumps(value, indent=2, ensure_ascii=False)


@dataclasses.dataclass(frozen=True)
class _Row:
    name: str
    day: Any
    _private: Any = None  # orjson leaves out a field named so; json_default does not


@pytest.mark.reliability("Random JSON values without floats (hypothesis, 300 examples: nested dicts, lists, "
                         "tuples, any text with lone surrogates, ints beyond 64 bits, dates, datetimes, "
                         "dataclasses, str and int enumerations, keys that are not strings)",
                         "the topic pages' JSON writer through orjson gives json.dumps(indent=2, "
                         "ensure_ascii=False, default=...)'s text, or its TypeError")
def test_orjson_page_writer_matches_the_standard_library():
    import datetime as dt

    from aigovkg._json import dumps_floatless
    from aigovkg.model import json_default

    class Kind(enum.StrEnum):
        A = "a: 1.5"

    class Rank(enum.IntEnum):
        TOP = 7

    leaves = (st.none() | st.booleans() | st.integers() | st.text() | st.dates() | st.datetimes()
              | st.sampled_from([Kind.A, Rank.TOP]))
    values = st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
        | st.dictionaries(st.text(max_size=6), inner, max_size=4)
        | st.builds(_Row, st.text(max_size=6), inner, inner),
        max_leaves=30,
    )

    @FAST
    @given(value=values)
    def check(value: object) -> None:
        try:
            expected = json.dumps(value, indent=2, ensure_ascii=False, default=json_default) + "\n"
        except TypeError:
            with pytest.raises(TypeError):
                dumps_floatless(value, default=json_default)
            return
        assert dumps_floatless(value, default=json_default) == expected

    check()
    # What orjson refuses, or writes itself unless told not to, each written json.dumps's way.
    for value in (2 ** 70, "\ud800", {"day": dt.date(2026, 1, 2)},
                  [_Row("x", dt.datetime(2026, 1, 2, 3, 4, 5, 6)), {"k": 1}]):
        assert dumps_floatless(value, default=json_default) == json.dumps(
            value, indent=2, ensure_ascii=False, default=json_default) + "\n", value
    with pytest.raises(TypeError):
        dumps_floatless({1: "a"}, default=json_default)
    with pytest.raises(TypeError):
        dumps_floatless({"a": {1, 2}}, default=json_default)


def test_a_topic_page_holds_no_float():
    """The topic pages' JSON is written by dumps_floatless, which writes NaN
    and the infinities as orjson does (null): no field of a page, or of the
    rows it holds, is a float."""
    import typing

    from aigovkg import model

    seen: set[type] = set()

    def walk(cls: type) -> None:
        if cls in seen:
            return
        seen.add(cls)
        for name, hint in typing.get_type_hints(cls, vars(model)).items():
            for part in _types_in(hint):
                assert part is not float, f"{cls.__name__}.{name} may hold a float"
                if dataclasses.is_dataclass(part):
                    walk(part)

    walk(TopicPage)
    assert len(seen) > 5  # the page and the dataclasses of its rows


def _types_in(hint: Any) -> list[Any]:
    import typing

    args = typing.get_args(hint)
    return [hint] if not args else [part for arg in args for part in _types_in(arg)]


@pytest.mark.reliability("Random text (hypothesis, 300 examples: any text, and text made of the five characters "
                         "HTML escapes among others), None, numbers and markup objects",
                         "the escaping of the HTML pages' claim rows gives markupsafe's text, character for character")
def test_html_row_escaping_matches_markupsafe():
    import markupsafe

    from aigovkg.render import _esc

    @FAST
    @given(text=st.text() | st.lists(st.sampled_from(["&", "<", ">", '"', "'", "&amp;", "&#34;", "a", "é", "\x00"]),
                                     max_size=12).map("".join))
    def check(text: str) -> None:
        assert _esc(text) == str(markupsafe.escape(text))

    check()
    for value in (None, 0, 1.5, markupsafe.Markup("<b>&amp;</b>"), "<>&\"'"):
        assert _esc(value) == str(markupsafe.escape(value))


@pytest.mark.reliability("Random text (hypothesis, 300 examples: any text, and texts of 0 to 2,000 characters "
                         "among them the ones XML cannot carry, U+FFFE, U+FFFF, tab, line feed, é and —)",
                         "the quick check of the pages' values finds a character XML cannot carry exactly where "
                         "the pattern does, on short texts and long ones")
def test_the_quick_check_for_unwritable_characters_agrees_with_the_pattern():
    from aigovkg._text import XML_FORBIDDEN, has_unwritable

    unwritable = [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF)]
    others = ["a", "<td>", "\t", "\n", "\r", "é", "—", "\ufffd", "\U0001F600", " "]

    @FAST
    @given(text=st.text() | st.lists(st.sampled_from(others * 40 + unwritable), max_size=2000).map("".join))
    def check(text: str) -> None:
        assert has_unwritable(text) == (XML_FORBIDDEN.search(text) is not None)

    check()
    for char in unwritable:  # each one, alone and far into a long text
        assert has_unwritable(char) and has_unwritable("<td>—</td>\n" * 100 + char)
    assert not has_unwritable("<td>—</td>\t\r\n" * 100)


@pytest.mark.reliability("Random coverage rows (hypothesis, 300 examples: any text and the characters HTML "
                         "escapes in slugs, levels, citations and labels; repeated cells; claims with and without "
                         "what they rest on)",
                         "the compare page's data, made an instrument at a time, is the text Jinja's `tojson` gives "
                         "for the whole matrix, character for character, with the same levels for the default pair")
def test_compare_matrix_text_matches_tojson(kg):
    import jinja2

    from aigovkg.model import all_evidence
    from aigovkg.render.site import _compare_matrix, _evidence_json

    evidence = all_evidence(kg)
    claims = [*sorted(evidence)[:40], "https://w3id.org/aigovkg/id/claim/none"]
    tojson = jinja2.Environment(autoescape=True).from_string("{{ matrix | tojson }}")  # as the page wrote it
    words = st.text(max_size=8) | st.lists(st.sampled_from(["<", ">", "&", "'", '"', "\\", "\u2028", "é", "a"]),
                                           max_size=6).map("".join)
    rows = st.lists(st.fixed_dictionaries({
        "instrument": words.map(lambda w: f"https://w3id.org/aigovkg/id/instrument/{w}"),
        "topic": words.map(lambda w: f"https://w3id.org/aigovkg/id/topic/{w}"),
        "level": words, "citation": st.none() | words, "sourceSlug": words, "claim": st.sampled_from(claims)}),
        max_size=12)

    @FAST
    @given(rows=rows, topics=st.lists(st.fixed_dictionaries({"slug": words, "label": words}), max_size=3))
    def check(rows: list[dict[str, str]], topics: list[dict[str, str]]) -> None:
        matrix: dict[str, Any] = {"topics": [{"slug": t["slug"], "label": t["label"]} for t in topics], "cells": {}}
        for row in rows:  # the page's data as it was made before: one dict, then the filter
            cell = {"level": row["level"], "citation": row["citation"], "source": row["sourceSlug"]}
            if row["claim"] in evidence:
                cell["evidence"] = _evidence_json(evidence[row["claim"]])
            matrix["cells"].setdefault(row["instrument"].rsplit("/", 1)[-1], {})[row["topic"].rsplit("/", 1)[-1]] = cell
        text, levels = _compare_matrix(topics, rows, evidence)
        assert text == tojson.render(matrix=matrix)
        assert levels == {i: {t: c["level"] for t, c in cells.items()} for i, cells in matrix["cells"].items()}

    check()


XSD = "http://www.w3.org/2001/XMLSchema#"
DATATYPES = [XSD + name for name in ("string", "integer", "int", "nonNegativeInteger", "decimal", "double", "float",
                                     "boolean", "date", "dateTime", "gYear", "anyURI")] + ["http://example.org/dt"]
LEXICAL = ["0", "01", "+5", "-0", "1.50", ".5", "5.", "1e3", "1E-2", "INF", "-INF", "NaN", "true", "false", "1", "abc",
           "2024-02-29", "2024-02-30", "2024-06-13Z", "2024-06-13+02:00", "2024-06-13T10:00:00Z", "2024", ""]
literals = st.one_of(
    st.builds(ox.Literal, st.text()),
    st.builds(lambda text, tag: ox.Literal(text, language=tag), st.text(),
              st.sampled_from(["en", "en-GB", "de-CH-1996", "x-private"])),
    st.builds(lambda text, datatype: ox.Literal(text, datatype=ox.NamedNode(datatype)),
              st.sampled_from(LEXICAL) | st.text(max_size=6), st.sampled_from(DATATYPES)),
)
terms = literals | st.builds(ox.NamedNode, st.sampled_from(["http://example.org/a", "http://example.org/é?x=1#f",
                                                             "urn:x:y", "https://w3id.org/aigovkg/id/topic/x"])) | \
    st.builds(ox.BlankNode, st.sampled_from(["b0", "x1"]))


@pytest.mark.reliability("Random terms (hypothesis, 300 examples: any text, language tags, numbers, dates and "
                         "booleans in canonical and other lexical forms, ill-typed literals, IRIs, blank nodes, "
                         "unbound cells) through the fast reading of query results the build uses, read a few "
                         "bytes or the whole at a time",
                         "the same rows and values as the general reading, with and without CURIEs")
def test_fast_rows_read_every_term_as_the_general_path_does(monkeypatch):
    from aigovkg import results

    @FAST
    @given(values=st.lists(st.lists(terms | st.none(), min_size=2, max_size=2), max_size=6),
           chunk=st.sampled_from([1, 40, 1 << 22]))
    def check(values: list[list[ox.Literal | ox.NamedNode | ox.BlankNode | None]], chunk: int) -> None:
        monkeypatch.setattr(results, "_TSV_CHUNK", chunk)
        store = ox.Store()
        for i, (a, b) in enumerate(values):
            row = ox.NamedNode(f"http://example.org/row/{i}")
            store.add(ox.Quad(row, ox.NamedNode("http://example.org/n"), ox.Literal(i)))
            for name, term in (("a", a), ("b", b)):
                if term is not None:
                    store.add(ox.Quad(row, ox.NamedNode(f"http://example.org/{name}"), term))
        engine = EmbeddedEngine(store)
        text = ("SELECT ?a ?b ?n WHERE { ?row <http://example.org/n> ?n "
                "OPTIONAL { ?row <http://example.org/a> ?a } OPTIONAL { ?row <http://example.org/b> ?b } } ORDER BY ?n")
        for curies in (False, True):  # repr: types too (Decimal, float, date), and NaN equal to NaN
            assert repr(engine.select_records(text, curies=curies)) == repr(engine.select(text).records(curies=curies))

    check()
    # What the TSV reading leaves to the general path (no variables: its header is empty) gives the same.
    engine = EmbeddedEngine(ox.Store())
    assert engine.select_records("SELECT * WHERE {}") == engine.select("SELECT * WHERE {}").records() == [{}]


def test_the_fast_reading_leaves_to_the_general_path_what_it_cannot_read():
    """A cell that does not read as one Turtle term (the reading would be a
    guess) makes the fast reading give up: the general path reads it."""
    from aigovkg.results import tsv_records

    assert tsv_records(b"?a\n\"1\"\n") == [{"a": "1"}]
    assert tsv_records(b"?a\n\"unterminated\n") is None  # not Turtle
    assert tsv_records(b"?a\n\"1\" . <urn:x:s> <urn:x:0> \"2\"\n") is None  # two terms in one cell
    assert tsv_records(b"") is None and tsv_records(b"\n") is None  # no variables


_IRIS = st.sampled_from(["http://example.org/a", "http://example.org/a/b", "http://example.org/ab",
                         "https://w3id.org/aigovkg/id/x"])
_XSD = "http://www.w3.org/2001/XMLSchema#"
_LITERALS = st.one_of(
    st.builds(lambda text: f'"{_escaped(text)}"', st.text(alphabet='a <>"\\\n@^:. é\t', max_size=6)),
    st.builds(lambda text, tag: f'"{_escaped(text)}"@{tag}', st.text(alphabet="ab <", max_size=3),
              st.sampled_from(["en", "en-GB", "en-gb", "de"])),
    st.builds(lambda value: f'"{value}"^^<{_XSD}integer>', st.sampled_from(["1", "01", "+1", "10", "-0"])),
    st.builds(lambda value: f'"{value}"^^<{_XSD}decimal>', st.sampled_from(["1.0", "1.00", "1", ".5", "0.5"])),
    st.builds(lambda value: f'"{value}"^^<{_XSD}boolean>', st.sampled_from(["true", "1", "false", "0"])),
)
_TRIPLES = st.tuples(_IRIS, _IRIS, st.one_of(_IRIS.map(lambda iri: f"<{iri}>"), _LITERALS))
#: The folders of a data folder, as the dumps name their graphs (see ``aigovkg.export.graph_name``).
_FOLDERS = st.sampled_from(["instruments", "claims/policy-window", "claims/aigovkg", "claims/a b"])


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


@pytest.mark.reliability("Random graphs in random files (hypothesis, 25 examples: literals with spaces, quotes, `<`, "
                         "language tags of one another's prefix and in two cases, numbers written in several forms, one "
                         "triple in several files and graphs), their dumps sorted through runs of 256 bytes",
                         "the dumps made from the files alone (the build's dumps worker) are byte for byte those "
                         "made from the loaded store, in every format; the graphs' sizes are the same")
@SLOW
@given(st.lists(st.tuples(_FOLDERS, st.lists(_TRIPLES, min_size=1, max_size=8)), min_size=1, max_size=4))
def test_dumps_made_from_the_files_are_those_made_from_the_store(files):
    """The build's dumps worker holds no store: it makes every dump from the
    files (``write_file_dumps``). Whatever the files hold, without blank
    nodes, that is what the loaded store gives (``write_store_dumps``)."""
    import tempfile
    from unittest.mock import patch

    from aigovkg import _sorted_lines
    from aigovkg.build import Stage, write_file_dumps, write_store_dumps
    from aigovkg.loader import graph_paths, load_graph

    with tempfile.TemporaryDirectory() as folder, patch.object(_sorted_lines, "BUDGET", 256):
        data = Path(folder) / "graph"
        for number, (where, triples) in enumerate(files):
            path = data / where / f"file-{number}.ttl"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(f"<{s}> <{p}> {o} .\n" for s, p, o in triples), encoding="utf-8")
        loaded = load_graph(data)
        by_files, by_store = Stage(Path(folder) / "files"), Stage(Path(folder) / "store")
        sizes = write_file_dumps(graph_paths(data), data, by_files)
        assert sizes is not None and sizes == write_store_dumps(loaded, by_store)
        assert sorted(by_files.written) == sorted(by_store.written)
        for rel in by_files.written:
            assert (by_files.folder / rel).read_bytes() == (by_store.folder / rel).read_bytes(), rel
        assert not [p for p in by_files.folder.iterdir() if p.name != "dumps"]
