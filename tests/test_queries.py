"""The named queries: every one runs, parameters are validated and bound,
hostile values change nothing, and unsafe ad-hoc queries are refused before
anything runs."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from aigovkg import queries, resources
from aigovkg.errors import InputError, QueryError
from aigovkg.render.site import SILENCE_SOURCES
from aigovkg.sparql import check_read_only

from .conftest import run_cli

SAMPLE = {"topic": "international-coordination", "instrument": "eu-ai-act", "jurisdiction": "eu",
          "source": "policy-window", "date": "2023-07-21", "level": "silent", "string": "x",
          "integer": "1", "iri": "https://w3id.org/aigovkg/id/instrument/eu-ai-act", "role": "deployer",
          "claim": "claim:policy-window/international-coordination/eu-ai-act"}
NAMED = sorted(queries.named_queries().values(), key=lambda q: q.name)
# International Coordination has no links in the topic scheme and the EU AI Act no relations;
# synthetic content and the OECD principles have some.
OVERRIDES = {"topic-related": {"topic": "synthetic-content"}, "instrument-relations": {"instrument": "oecd-ai-principles"},
             "instruments-lacking-identifier": {"string": "eli"}}


def test_query_count():
    assert len(NAMED) == 47
    assert len(queries.checks()) == 10


@pytest.mark.parametrize("named", NAMED, ids=[q.name for q in NAMED])
def test_every_named_query_runs_and_is_documented(kg, named):
    assert named.description and named.path.read_text().startswith("#")
    sample = {**SAMPLE, **OVERRIDES.get(named.name, {})}
    params = {p.name: sample[p.type] for p in named.params if not p.optional or p.name == "source"}
    table = kg.results(named.name, **params)
    assert table.columns
    assert len(table) >= 1, f"{named.name} returned nothing on the shipped graph"
    # The build's faster reading of the same rows gives the same values.
    assert kg.rows(named.name, **params) == table.records()
    assert kg.rows(named.name, curies=True, **params) == table.records(curies=True)
    if named.params and all(p.optional for p in named.params):  # every subject at once, as the build runs it
        assert kg.rows(named.name) == kg.results(named.name).records()


@pytest.mark.parametrize("check", sorted(queries.checks().values(), key=lambda q: q.name),
                         ids=lambda q: q.name)
def test_checks_return_no_rows_on_the_shipped_graph(kg, check):
    assert check.form == "SELECT"
    assert kg.engine.select(check.text).rows == ()


HOSTILE = [
    'international-coordination" } ?s ?p ?o { "',
    "international-coordination\\u0022 . }",
    "x''' } #",
    "international-coordination }",
    "international-coordination # comment",
    "international-coordination\n} UNION { ?s ?p ?o",
    "https://w3id.org/aigovkg/id/topic/x> . ?s ?p ?o . <y",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_injection_through_a_slug_parameter_is_refused(kg, value):
    with pytest.raises(InputError):
        kg.results("topic-coverage", topic=value)


@pytest.mark.parametrize("value", HOSTILE)
def test_injection_through_a_string_parameter_changes_nothing(value):
    param = queries.Param("label", "string", False, "")
    term = param.to_term(value)
    from aigovkg.sparql import bind

    text = bind("SELECT ?x WHERE { ?x ?p ?label }", {"label": term})
    import pyoxigraph as ox

    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("http://e/a"), ox.NamedNode("http://e/p"), ox.Literal(value)))
    store.add(ox.Quad(ox.NamedNode("http://e/b"), ox.NamedNode("http://e/p"), ox.Literal("other")))
    rows = list(store.query(text))
    assert [r["x"].value for r in rows] == ["http://e/a"]


def test_hostile_count():
    assert len(HOSTILE) == 7


def test_bad_parameters_are_rejected_before_anything_runs():
    cases = [
        (["topic-regimes-since", "-p", "since=2023-01-01"], "parameter topic is required"),
        (["topic-coverage", "-p", "topic=international-coordination", "-p", "colour=red"], "unknown parameter colour"),
        (["topic-regimes-since", "-p", "topic=international-coordination", "-p", "since=2023-02-30"], "is not a date"),
        (["topic-coverage", "-p", "topic=Bad Slug"], "is not a topic slug"),
        (["topic-coverage", "-p", "topic"], "key=value"),
        (["no-such-query"], "no query named"),
    ]
    assert len(cases) == 6
    for args, message in cases:
        result = run_cli("query", *args, "--data", "/nonexistent/never-loaded")
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "no such data folder" not in result.stderr  # rejected before loading anything


def test_query_formats(tmp_path):
    args = ["query", "topic-silent-regimes", "-p", "topic=international-coordination", "-p", "source=policy-window"]
    js = json.loads(run_cli(*args, "--format", "json").stdout)
    assert js["head"]["vars"][:2] == ["topic", "instrument"] and len(js["results"]["bindings"]) == 14
    xml = run_cli(*args, "--format", "xml").stdout
    assert xml.count("<result>") == 14 and "http://www.w3.org/2005/sparql-results#" in xml
    tsv = run_cli(*args, "--format", "tsv").stdout.splitlines()
    assert tsv[0].startswith("?topic\t?instrument\t")
    assert tsv[1].startswith("<https://w3id.org/aigovkg/id/topic/international-coordination>\t<https://w3id.org/aigovkg/id/instrument/")
    csv = run_cli(*args, "--format", "csv").stdout.splitlines()
    assert len(csv) == 15 and csv[0].startswith("topic,instrument,")
    table = run_cli(*args).stdout
    assert "(14 rows)" in table


def test_dataframe_is_typed(kg):
    frame = kg.query("topic-coverage", topic="international-coordination", source="policy-window")
    assert list(frame.columns)[:5] == ["topic", "instrument", "instrumentLabel", "jurisdictionCode", "level"]
    assert len(frame) == 26
    wh = frame[frame["instrumentLabel"] == "White House Voluntary AI Commitments"].iloc[0]
    assert wh["dateAdopted"].isoformat() == "2023-07-21"
    assert frame["citation"].isna().sum() == 14  # silent cells have no citation
    curies = kg.query("topic-coverage", topic="international-coordination", curies=True)
    assert curies["instrument"].str.startswith("inst:").all()


@pytest.mark.parametrize("kind", ["topic", "instrument", "jurisdiction"])
def test_page_queries_run_once_give_each_subjects_rows(kg, kind):
    """The page queries run once for every subject give, per subject, the rows
    they give for that subject alone (that is how all pages are built)."""
    from aigovkg import model

    queries = {"topic": {**model.TOPIC_QUERIES, **model.TOPIC_PAGE_QUERIES}, "instrument": model.INSTRUMENT_QUERIES,
               "jurisdiction": model.JURISDICTION_QUERIES}[kind]
    grouped = model.grouped_rows(kg, queries)
    subjects = kg.results(f"{kind}s").records()
    compared = 0
    for subject in subjects:
        for name in queries:
            alone = kg.results(name, **{kind: subject["slug"]}).records()
            assert grouped.get(subject[kind], {}).get(name, []) == alone, (name, subject["slug"])
            compared += bool(alone)
    assert {iri for iri in grouped} <= {s[kind] for s in subjects}
    assert len(subjects) == {"topic": 23, "instrument": 33, "jurisdiction": 20}[kind]
    assert compared >= len(subjects), compared  # guard: most subjects have rows


DERIVED = {"topic-coverage-summary": ("instruments", "governs", "implicit", "silentCount", "conflicts", "notAssessed"),
           "topic-primacy": ("instrument", "instrumentLabel", "dateAdopted", "level", "sourceName"),
           "topic-silent-regimes": ("instrument", "instrumentLabel", "jurisdictionCode"),
           "topic-references": ("referenceCode", "instrument", "instrumentLabel", "citation")}


def _derived_equal_queries(kg):
    from aigovkg import model

    grouped = model.grouped_rows(kg, {"topic-coverage": ("topic",), **{name: ("topic",) for name in DERIVED}})
    compared = 0
    for topic in kg.results("topics").records():
        mine = grouped.get(topic["topic"], {})
        derived = model.derived_topic_rows(mine.get("topic-coverage", []))
        for name, columns in DERIVED.items():
            queried = [{c: row[c] for c in columns} for row in mine.get(name, [])]
            assert derived.get(name, []) == queried, (name, topic["slug"])
            compared += len(queried)
    matrix = kg.results("coverage-matrix").records()
    assert model.coverage_matrix_rows(model.topic_page_rows(kg)) == matrix
    # topic-coverage's rows computed from the claims read once, as the build does.
    _evidence, claims = model.claims_read(kg)
    coverage = model.topic_coverage_rows(kg, claims)
    queried_coverage = kg.rows("topic-coverage")
    assert coverage == queried_coverage and list(coverage[0]) == list(queried_coverage[0])
    assert model.topic_page_rows(kg, claims=claims) == model.topic_page_rows(kg)
    # The silence index, to the digits written on the index pages.
    silence, queried_silence = model.silence_index(matrix), kg.rows("silence-index")[0]
    assert {k: (v, str(v)) for k, v in silence.items()} == {k: (v, str(v)) for k, v in queried_silence.items()}
    _evidence, by_instrument = model.claims_gathered(kg)
    queried = model.grouped_rows(kg, {"instrument-coverage": ("instrument",)})
    assert by_instrument == {iri: rows["instrument-coverage"] for iri, rows in queried.items()}
    # Each source's own silence index (the site's index page), from the same rows; a
    # source with no claims in the graph too.
    every_claim = [row for rows in by_instrument.values() for row in rows]
    for slug in {row["sourceSlug"] for row in every_claim} | set(SILENCE_SOURCES):
        silence = model.silence_index([row for row in every_claim if row["sourceSlug"] == slug])
        queried_silence = kg.rows("silence-index", source=slug)[0]
        assert {k: (v, str(v)) for k, v in silence.items()} == {k: (v, str(v)) for k, v in queried_silence.items()}, slug
    return compared + len(matrix) + len(coverage) + sum(len(rows) for rows in by_instrument.values())


def test_topic_coverage_is_queried_where_the_claims_name_an_instrument_without_its_facts(kg):
    """Where a claim's instrument has no row in ``instruments`` (a graph that
    fails the shapes: the build validates first, a notebook may not), the
    topic pages' coverage rows are not computed but queried: the same rows."""
    from aigovkg import model

    _evidence, claims = model.claims_read(kg)
    claim = next(iter(claims.values()))
    stray = dict(claims) | {"urn:stray": claim | {"claim": "urn:stray", "instrument": "urn:no-such-instrument"}}
    assert model.topic_coverage_rows(kg, claims) is not None
    assert model.topic_coverage_rows(kg, stray) is None
    assert model.topic_page_rows(kg, claims=stray) == model.topic_page_rows(kg)


def test_page_counts_and_lists_computed_from_coverage_equal_their_queries(kg):
    """The topic pages compute the summary, first addressing, silent regimes
    and references from the coverage rows: the same rows, in the same order,
    as the four queries give, for every topic; and the build computes the
    coverage matrix from them, the same rows as its query."""
    assert _derived_equal_queries(kg) > 900


SECOND_SOURCE = """
@prefix aigov: <https://w3id.org/aigovkg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix src: <https://w3id.org/aigovkg/id/source/> .
@prefix topic: <https://w3id.org/aigovkg/id/topic/> .
@prefix inst: <https://w3id.org/aigovkg/id/instrument/> .
""" + "".join(f"""
<https://w3id.org/aigovkg/id/claim/test/{slug}> a aigov:CoverageClaim ;
    aigov:instrument inst:{slug} ; aigov:topic topic:international-coordination ;
    aigov:coverageLevel aigov:{level} ; dcterms:source src:approach-wiki ; aigov:citation "Test § {n}" .
""" for n, (slug, level) in enumerate([("eu-ai-act", "Implicit"), ("us-eo-14110", "Governs"),
                                      ("bletchley-declaration", "Conflicts"), ("oecd-ai-principles", "Silent"),
                                      ("wh-voluntary-commitments", "Governs")])) + """
<https://w3id.org/aigovkg/id/reference/policy-window/AAA-SECOND-CODE> a aigov:Reference ;
    aigov:instrument inst:bletchley-declaration ; aigov:referenceCode "AAA-SECOND-CODE" ;
    dcterms:source src:policy-window .
"""


def test_page_counts_computed_from_coverage_equal_their_queries_with_several_sources_per_cell(data_copy):
    """The same where a topic has no reviewed claims, so each cell shows every
    other source's claim: two sources on some cells, at different levels (the
    first date then tied between two claims on one instrument)."""
    from aigovkg.api import load

    (data_copy / "claims" / "aigovkg" / "international-coordination.ttl").unlink()
    (data_copy / "claims" / "second-source.ttl").write_text(SECOND_SOURCE, encoding="utf-8")
    kg = load(data_copy)
    rows = kg.results("topic-coverage", topic="international-coordination").records()
    assert {r["sourceSlug"] for r in rows} == {"policy-window", "approach-wiki"}
    assert len(rows) > len({r["instrument"] for r in rows})  # guard: some cells have two claims
    assert len(kg.results("topic-primacy", topic="international-coordination")) == 2  # guard: a tie
    # guard: an instrument with two codes from one source has a row for each
    assert [r["referenceCode"] for r in rows if r["instrument"].endswith("/bletchley-declaration")
            and r["sourceSlug"] == "policy-window"] == ["AAA-SECOND-CODE", "BLETCHLEY-2023"]
    assert _derived_equal_queries(kg) > 900


def test_derived_rows_equal_their_queries_on_a_synthetic_graph(tmp_path):
    from aigovkg.api import load
    from aigovkg.synth import synthesize

    synthesize(tmp_path / "g", instruments=40, topics=6, seed=3)
    assert _derived_equal_queries(load(tmp_path / "g")) > 400


def test_topic_pages_gathered_at_once_equal_each_page_gathered_alone(kg):
    from aigovkg.model import topic_page, topic_page_rows, topic_pages

    pages = topic_pages(kg)
    assert len(pages) == 23
    for slug, page in pages.items():
        assert page == topic_page(kg, slug), slug
    rows = topic_page_rows(kg)
    assert topic_pages(kg, rows=rows, consume=True) == pages  # each topic's rows let go once its page is made
    assert rows == {}


def test_pages_count_later_regimes_as_the_query_does(kg):
    from aigovkg.model import topic_page

    compared = 0
    for topic in kg.results("topics").records():
        page = topic_page(kg, topic["slug"])
        if not page.primacy:
            continue
        rows = kg.results("topic-regimes-since", topic=topic["slug"],
                          since=page.primacy[0].date_adopted.isoformat()).records()
        assert page.since_primacy == tuple((r["level"], r["instruments"]) for r in rows), topic["slug"]
        compared += 1
    assert compared == 23


REFUSED = [
    "SELECT * WHERE { SERVICE <http://127.0.0.1:PORT/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } VALUES ?endpoint { <http://127.0.0.1:PORT/> } }",
    "SELECT * FROM <http://127.0.0.1:PORT/data.ttl> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <http://127.0.0.1:PORT/data.ttl> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "LOAD <http://127.0.0.1:PORT/data.ttl>",
    "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
    "DELETE WHERE { ?s ?p ?o }",
    "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:PORT/> { ?s ?p ?o } }",
    "select * where { service <http://127.0.0.1:PORT/> { ?s ?p ?o } }",
    # Oxigraph's parser reads this as SERVICE <http://127.0.0.1:PORT/x>.
    "PREFIX : <http://127.0.0.1:PORT/> SELECT * WHERE { SERVICE:x { ?s ?p ?o } }",
]


@pytest.fixture
def listener():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    server.settimeout(0.2)
    seen: list[object] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            seen.append(conn)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1], seen
    stop.set()
    thread.join(2)
    server.close()


@pytest.mark.reliability("SERVICE (constant and variable IRI, also spelled `\\u0053ERVICE` or as a prefixed name "
                         "`SERVICE:x`), FROM, FROM NAMED, LOAD, "
                         "INSERT, DELETE on the embedded graph (API and `aigovkg sparql`)",
                         "refused before evaluation (exit 2); a listener on 127.0.0.1 sees no connection")
@pytest.mark.parametrize("template", REFUSED)
def test_unsafe_queries_are_refused_and_nothing_connects(kg, listener, template):
    port, seen = listener
    text = template.replace("PORT", str(port))
    with pytest.raises(QueryError, match="refused"):
        kg.sparql_results(text)
    result = run_cli("sparql", "-", stdin=text)
    assert result.returncode == 2 and "refused" in result.stderr
    assert seen == []


def test_refused_count():
    assert len(REFUSED) == 10


def test_keywords_inside_strings_and_iris_are_not_refused(kg):
    text = 'SELECT ?x WHERE { BIND("SERVICE LOAD FROM" AS ?x) FILTER(?x != <http://e/FROM>) } # DELETE'
    assert check_read_only(text) == "SELECT"
    assert kg.sparql_results(text).records() == [{"x": "SERVICE LOAD FROM"}]


def test_variables_are_not_keywords(kg):
    # ?from, $load, ?add are variables, not FROM, LOAD, ADD: the parser agrees.
    text = "SELECT ?from $load WHERE { ?from ?add $load . ?s <http://e/p>?with } LIMIT 0"
    assert check_read_only(text) == "SELECT"
    assert kg.sparql_results(text).columns == ("from", "load")
    # ...while a keyword right after a variable or a triple's end, or a prefix
    # spelled like one (Oxigraph reads `SERVICE:x {` as SERVICE <...x>) counts.
    for refused in ("SELECT * WHERE { ?s ?p ?o.SERVICE <http://127.0.0.1:9/> { ?a ?b ?c } }",
                    "PREFIX : <http://127.0.0.1:9/> SELECT * WHERE { SERVICE:x { ?a ?b ?c } }",
                    "PREFIX delete: <http://e/> SELECT * WHERE { ?s ?p delete:x }",
                    "SELECT ?s FROM<http://127.0.0.1:9/g> WHERE { ?s ?p ?o }"):
        with pytest.raises(QueryError, match="refused"):
            check_read_only(refused)


def test_every_shipped_query_passes_the_guard():
    # A user may run any file of queries/ as an ad-hoc query (`aigovkg sparql FILE`).
    paths = sorted(resources.queries_dir().rglob("*.rq"))
    assert len(paths) == 61  # 47 named queries, 10 checks and 4 first queries
    for path in paths:
        assert check_read_only(path.read_text(encoding="utf-8")) in ("SELECT", "ASK", "CONSTRUCT"), path


def test_deeply_nested_query_is_refused():
    with pytest.raises(QueryError, match="nested deeper"):
        check_read_only("SELECT * WHERE " + "{" * 500 + "?s ?p ?o" + "}" * 500)


def test_construct_as_turtle_and_jsonld():
    text = "CONSTRUCT { ?t skos:prefLabel ?l } WHERE { ?t a aigov:Topic ; skos:prefLabel ?l }"
    ttl = run_cli("sparql", "-", stdin=text)
    assert ttl.returncode == 0, ttl.stderr
    assert "topic:international-coordination" in ttl.stdout
    jl = run_cli("sparql", "-", "--rdf-format", "jsonld", stdin=text)
    assert jl.returncode == 0, jl.stderr
    doc = json.loads(jl.stdout)
    assert "@context" in doc


@pytest.mark.reliability("A cross product of the whole graph 4 times (API)",
                         "the worker is stopped at the time limit; the caller gets a clear error and runs the next query")
def test_runaway_query_is_stopped_by_the_time_limit(kg):
    cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with pytest.raises(QueryError, match="time limit"):
        kg.sparql_results(cross, timeout=1)
    # the caller is unharmed and the next query runs
    assert kg.sparql_results("ASK { ?s ?p ?o }") is True


@pytest.mark.reliability("A cross product of the whole graph 4 times (`aigovkg sparql --timeout 1`)",
                         "exit 2, one line naming the time limit, no traceback")
def test_cli_timeout_is_reported_as_an_error():
    cross = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    result = run_cli("sparql", "-", "--timeout", "1", stdin=cross)
    assert result.returncode == 2 and "time limit" in result.stderr and "Traceback" not in result.stderr


def test_syntax_error_in_an_ad_hoc_query():
    result = run_cli("sparql", "-", stdin="SELECT ?x WHERE { ?x ")
    assert result.returncode == 2 and "SPARQL syntax error" in result.stderr


def test_memberships_and_their_sources(kg):
    rows = kg.results("jurisdiction-memberships").records()
    assert len(rows) == 17
    assert {r["verification"] for r in rows} == {"verified", "unverified"}
    assert all(r["page"].startswith("http") for r in rows)
    uk = kg.results("jurisdiction-memberships", jurisdiction="gb").records()
    assert [r["organisation"].rsplit("/", 1)[-1] for r in uk] == ["coe", "g7", "oecd", "un"]
    eu = {r["organisation"].rsplit("/", 1)[-1]: r["role"] for r in kg.results("jurisdiction-memberships", jurisdiction="eu").records()}
    assert eu == {"g7": "participant", "oecd": "participant"}
    japan_un = [r for r in kg.results("jurisdiction-memberships", jurisdiction="jp").records()
                if r["organisation"].endswith("/un")]
    assert str(japan_un[0]["since"]) == "1956-12-18"
    # a subnational unit reaches its country's organisations
    via = kg.results("jurisdiction-membership-instruments", jurisdiction="us-ca").records()
    assert [r["instrument"].rsplit("/", 1)[-1] for r in via] == ["g7-hiroshima-code", "oecd-ai-principles",
                                                                  "un-ga-ai-resolution"]


def test_instrument_events(kg):
    events = kg.results("instrument-events").records()
    assert len(events) == 12 and all(r["verification"] == "unverified" and r["page"] for r in events)
    assert [e["date"].isoformat() for e in events] == sorted(e["date"].isoformat() for e in events)
    (revoked,) = kg.results("instrument-events", instrument="us-eo-14110").records()
    assert (revoked["kind"], revoked["date"].isoformat(), revoked["byName"]) == (
        "revocation", "2025-01-20", "Executive Order 14148")
    (veto,) = kg.results("instrument-events", instrument="ca-sb-1047").records()
    assert (veto["kind"], veto["date"].isoformat()) == ("veto", "2024-09-29")
    (amended,) = kg.results("instrument-events", instrument="eu-ai-act").records()
    assert (amended["kind"], amended["date"].isoformat()) == ("amendment", "2026-06-29")
    assert "2025/0359(COD)" in amended["byName"]


def test_stats_counts_what_issue_4_asks_for(kg):
    """Every count of `aigovkg stats` equals an independent count of the graph."""
    rows = {(r["measure"], r.get("source"), r.get("value")): r["count"] for r in kg.results("stats").records()}
    counted = {"instruments": "aigov:Instrument", "topics": "aigov:Topic", "tensions": "aigov:Tension",
               "relations": "aigov:InstrumentRelation", "memberships": "aigov:Membership",
               "lifecycle events": "aigov:LifecycleEvent", "jurisdictions": "aigov:Jurisdiction"}
    for measure, cls in counted.items():
        n = kg.sparql_results(f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a {cls} }}").records()[0]["n"]
        assert rows[(measure, None, None)] == n > 0, measure
    claims = sum(c for (m, _s, _v), c in rows.items() if m == "claims by level")
    n = kg.sparql_results("SELECT (COUNT(?c) AS ?n) WHERE { ?c a aigov:CoverageClaim }").records()[0]["n"]
    assert claims == n
    assert rows[("disagreements", None, None)] == 13
    # What each claim rests on: every claim counted once, under its best document.
    assert sum(c for (m, _s, _v), c in rows.items() if m == "claims by what they rest on") == n
    checked = kg.sparql_results("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c a aigov:CoverageClaim ; "
                                "aigov:checkedAgainst ?d }").records()[0]["n"]
    assert sum(c for (m, _s, v), c in rows.items()
               if m == "claims by what they rest on" and v.startswith("checked against")) == checked > 0
    # Verified share per instrument and per topic: verified and assessed claims, each summing to the whole.
    verified = sum(c for (m, _s, v), c in rows.items() if m == "claims by verification" and v == "verified")
    levels = {(s, v): c for (m, s, v), c in rows.items() if m == "claims by level"}
    assessed = sum(c for (s, v), c in levels.items() if v != "not-assessed")
    for by in ("instrument", "topic"):
        assert sum(c for (m, _s, _v), c in rows.items() if m == f"verified claims by {by}") == verified
        assert sum(c for (m, _s, _v), c in rows.items() if m == f"assessed claims by {by}") == assessed
