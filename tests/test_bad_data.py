"""Bad data: malformed Turtle of every kind the W3C negative syntax tests
cover, RDF 1.2 syntax, ill-typed literals, conflicting files, blank-node
collisions, odd bytes and very large or deep inputs. Each is refused with a
one-line error naming file, line and column (exit 2, no traceback), reported
by validation naming the files, or loaded within a bounded amount of memory."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

import aigovkg
from aigovkg import resources
from aigovkg.errors import InputError
from aigovkg.export import PARSE_FORMAT, ExportFormat
from aigovkg.loader import MAX_BLANK_DEPTH, load_graph, parse_turtle

from ._measure import GB, run_measured
from .conftest import run_cli
from .turtle_cases import CASES, HEADER, NOT_RDF12

EX = "http://example.org/"


def _write(folder: Path, name: str, text: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogateescape"))
    return path


def _one_line_error(result, name: str = "broken.ttl") -> re.Match[str]:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("aigovkg: error: "), result.stderr
    match = re.search(rf"{re.escape(name)}:(\d+):(\d+): ", lines[0])
    assert match, lines[0]
    return match


def test_malformed_case_count():
    assert len(CASES) == 64
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.reliability("Malformed Turtle: 64 cases covering the W3C negative syntax categories (bad IRIs and "
                         "\\u escapes, bad string escapes and unicode, undefined or malformed prefixes and base, "
                         "literal or blank node or collection as subject/predicate, N3 extras, bad literals and "
                         "numbers, missing `.`), RDF 1.2 syntax, a NUL byte between terms",
                         "`aigovkg validate --data` exits 2 with one line `file:line:col: ...`, no traceback")
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_malformed_turtle_is_refused_with_file_line_column(case, tmp_path: Path):
    _name, body, line = case
    _write(tmp_path / "data", "broken.ttl", HEADER + body)
    match = _one_line_error(run_cli("validate", "--data", str(tmp_path / "data")))
    assert int(match.group(1)) == line


@pytest.mark.reliability("Turtle 1.1 that merely looks like RDF 1.2 (`VERSION`, `<<`, `~`, `{|`, `--ltr` inside "
                         "strings, IRIs, comments, escaped names)", "loads")
def test_rdf11_lookalikes_load(tmp_path: Path):
    _write(tmp_path, "ok.ttl", HEADER + NOT_RDF12)
    loaded = load_graph(tmp_path, ontology=False)
    assert loaded.triples == 4
    assert all(not isinstance(q.object, ox.Triple) for q in loaded.store)


@pytest.mark.reliability("Valid Turtle with relative IRIs and no `@base` (`<instrument/x>`, `<#a>`, `<>`), which "
                         "was refused as \"No scheme found in an absolute IRI\"",
                         "loads: they resolve against the dataset's namespace `https://w3id.org/aigovkg/id/`, the "
                         "same in every file and on every machine; a file's own `@base` wins")
def test_relative_iris_resolve_against_the_dataset_namespace(tmp_path: Path):
    _write(tmp_path / "data", "relative.ttl", HEADER + "<instrument/x> ex:p <#a>, <> .\n")
    _write(tmp_path / "data" / "sub", "based.ttl", "@base <http://example.org/b/> .\n<s> <p> <../o> .\n")
    result = run_cli("export", "--format", "ntriples", "--data", str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    ID = "https://w3id.org/aigovkg/id/"
    assert sorted(line for line in result.stdout.splitlines() if "example.org" in line) == [
        f"<http://example.org/b/s> <http://example.org/b/p> <{EX}o> .",
        f"<{ID}instrument/x> <{EX}p> <{ID}#a> .",
        f"<{ID}instrument/x> <{EX}p> <{ID}> .",
    ]
    assert str(tmp_path) not in result.stdout  # no file: IRI of this machine


# U+0000 inside strings, escaped and as a raw byte in each kind of string, and in a comment: valid Turtle.
NUL_STRINGS = HEADER + 'ex:s ex:p "a\\u0000b", "c\x00d", """e\x00f""", \'g\x00h\' . # a \x00 in a comment\n'
TEXT_DUMPS = [f for f in ExportFormat if f is not ExportFormat.RDFXML]


@pytest.mark.reliability("NUL characters inside strings (`\"a\\u0000b\"`, a raw NUL byte in short, long and "
                         "single-quoted strings and in a comment), valid Turtle that was refused",
                         "loads and validates; the Turtle, N-Triples, N-Quads, TriG and JSON-LD dumps read back "
                         "with the same strings; RDF/XML, which cannot carry U+0000, is refused in one line naming "
                         "the file, node and property (exit 2); a NUL byte between terms is a syntax error at its "
                         "line and column")
def test_nul_inside_strings_loads_and_every_dump_keeps_it(tmp_path: Path):
    data = tmp_path / "data"
    _write(data, "nul.ttl", NUL_STRINGS)
    result = run_cli("validate", "--data", str(data))
    assert result.returncode == 0 and result.stdout.startswith("valid: "), result.stdout + result.stderr
    expected = ["a\x00b", "c\x00d", "e\x00f", "g\x00h"]
    assert len(TEXT_DUMPS) == 5
    for fmt in TEXT_DUMPS:
        out = tmp_path / f"dump.{fmt.value}"
        result = run_cli("export", "--format", fmt.value, "--data", str(data), "--out", str(out))
        assert result.returncode == 0, (fmt, result.stderr)
        assert b"\x00" not in out.read_bytes(), fmt
        quads = ox.parse(out.read_bytes(), format=PARSE_FORMAT[fmt])
        assert sorted(q.object.value for q in quads if q.subject == ox.NamedNode(EX + "s")) == expected, fmt
    result = run_cli("export", "--format", "rdfxml", "--data", str(data), "--out", str(tmp_path / "dump.rdf"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr == (f"aigovkg: error: {data / 'nul.ttl'}: {EX}s {EX}p: RDF/XML cannot carry U+0000 "
                             "(XML 1.0 has no way to write it); the Turtle, N-Triples, N-Quads, TriG and JSON-LD "
                             "dumps carry it\n")
    assert not (tmp_path / "dump.rdf").exists()
    _write(data, "nul.ttl", HEADER + "ex:s ex:p\x00 ex:o .\n")
    result = run_cli("validate", "--data", str(data))
    assert _one_line_error(result, "nul.ttl").groups() == ("3", "10")
    assert "a NUL byte outside a string or comment" in result.stderr


@pytest.mark.reliability("A NUL (`\\u0000`) in an instrument's label through `topic --format html`, the site's "
                         "pages and pictures, `site` and `build` (HTML and SVG got it raw)",
                         "HTML and SVG show U+FFFD, never a NUL byte; `site` and `build`, which write the RDF/XML "
                         "dump, refuse in one line naming the file (exit 2) and write nothing")
def test_nul_in_a_label_shows_as_the_replacement_character(data_copy: Path, tmp_path: Path):
    path = data_copy / "instruments" / "eu-ai-act.ttl"
    path.write_text(path.read_text(encoding="utf-8").replace('"EU AI Act"@en', '"EU AI\\u0000Act"@en'),
                    encoding="utf-8")
    result = run_cli("topic", "international-coordination", "--format", "html", "--data", str(data_copy))
    assert result.returncode == 0, result.stderr
    assert "\x00" not in result.stdout and "EU AI\ufffdAct" in result.stdout
    from aigovkg.render.site import write_site

    written: dict[str, str | bytes] = {}
    write_site(aigovkg.load(data_copy), lambda rel, text: written.__setitem__(rel, text))
    shown = {rel: text for rel, text in written.items() if rel.endswith((".html", ".svg"))}
    assert len(shown) > 50 and not [rel for rel, text in shown.items() if "\x00" in str(text)]
    assert "EU AI\ufffdAct" in str(shown["instruments/eu-ai-act.html"])
    for command in ("site", "build"):
        out = tmp_path / command
        result = run_cli(command, "--data", str(data_copy), "--out", str(out))
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith(f"aigovkg: error: {path}: ") and result.stderr.count("\n") == 1
        assert "RDF/XML cannot carry U+0000" in result.stderr
        assert not out.exists()


def _zone_the_dates(data: Path) -> None:
    """Put time zones on the EU AI Act's dates and on the release date of the copy ``data``."""
    path = data / "instruments" / "eu-ai-act.ttl"
    text = path.read_text(encoding="utf-8")
    zoned = text.replace('"2024-06-13"^^xsd:date', '"2024-06-13Z"^^xsd:date').replace(
        '"2024-08-01"^^xsd:date', '"2024-08-01+02:00"^^xsd:date')
    assert zoned.count("2024-06-13Z") == 2 and zoned.count("2024-08-01+02:00") == 4  # the facts and their attestations
    path.write_text(zoned, encoding="utf-8")
    dataset = data / "dataset.ttl"
    dataset.write_text(dataset.read_text(encoding="utf-8").replace('"2026-12-05"^^xsd:date', '"2026-12-05Z"^^xsd:date'),
                       encoding="utf-8")


@pytest.mark.reliability('Dates with a time zone (`"2024-06-13Z"^^xsd:date`, `"2024-08-01+02:00"`) on an '
                         "instrument and on the release (validated, then `build`, `site` and `wiki` ended in a "
                         "traceback)", "`validate` and `build` fail (exit 1) naming the file, node, property and "
                         "rule `aigov:DatesHaveNoTimeZone` (a legal date is a calendar day); `site`, `wiki`, "
                         "`stats`, `topic` and `diff`, which do not validate, show each date as written and compare "
                         "it by its day, without a traceback")
def test_a_date_with_a_time_zone_is_refused_by_validation_and_read_elsewhere(data_copy: Path, tmp_path: Path):
    _zone_the_dates(data_copy)
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 1, result.stdout + result.stderr
    rel = "graph/instruments/eu-ai-act.ttl"
    for prop in ("dateAdopted", "dateInForce", "statusDate"):
        assert f"{rel}: inst:eu-ai-act [aigov:{prop}]: aigov:DatesHaveNoTimeZone: aigov:{prop} is a calendar day" \
            in result.stdout, result.stdout
    assert "graph/dataset.ttl: https://w3id.org/aigovkg/id/dataset [dcterms:issued]: aigov:DatesHaveNoTimeZone" \
        in result.stdout, result.stdout
    result = run_cli("build", "--data", str(data_copy), "--out", str(tmp_path / "build"))
    assert result.returncode == 1 and "nothing was written" in result.stderr and not (tmp_path / "build").exists()
    runs = {
        "site": ["site", "--out", str(tmp_path / "site")],
        "wiki": ["wiki", "--out", str(tmp_path / "wiki")],
        "stats": ["stats", "--format", "json"],
        "topic": ["topic", "international-coordination", "--format", "json"],
        "diff": ["diff", str(resources.graph_dir()), str(data_copy)],
        "atom": ["diff", str(resources.graph_dir()), str(data_copy), "--format", "atom", "--topic",
                 "international-coordination"],
    }
    for name, args in runs.items():
        result = run_cli(*args, "--data", str(data_copy)) if name not in ("diff", "atom") else run_cli(*args)
        assert result.returncode == 0 and "Traceback" not in result.stderr, (name, result.stderr[-2000:])
    page = (tmp_path / "site" / "instruments" / "eu-ai-act.html").read_text(encoding="utf-8")
    assert "adopted 2024-06-13Z" in page and "(2026-12-05Z)" in page
    assert 'date_adopted: "2024-06-13Z"' in (tmp_path / "wiki" / "instruments" / "eu-ai-act.mdx").read_text()


ILL_TYPED = [
    ("date", 'ex:s ex:p "2024-02-30"^^xsd:date .\n', "2024-02-30", "not a valid xsd:date (no such day)"),
    ("integer", 'ex:s ex:p "abc"^^xsd:integer .\n', "abc", "not a valid xsd:integer"),
    ("boolean", 'ex:s ex:p "yes"^^xsd:boolean .\n', "yes", "not a valid xsd:boolean"),
    ("dateTime", 'ex:s ex:p "2024-06-13T25:00:00"^^xsd:dateTime .\n', "2024-06-13T25:00:00",
     "not a valid xsd:dateTime"),
    ("decimal", 'ex:s ex:p "1,5"^^xsd:decimal .\n', "1,5", "not a valid xsd:decimal"),
]


@pytest.mark.reliability('Ill-typed literals: `"2024-02-30"^^xsd:date`, `"abc"^^xsd:integer`, bad booleans, '
                         "date-times, decimals", "exit 2: `file:line:col: ill-typed literal \"...\": not a valid "
                         "xsd:...`")
@pytest.mark.parametrize("case", ILL_TYPED, ids=[c[0] for c in ILL_TYPED])
def test_ill_typed_literal_is_refused_naming_the_file(case, tmp_path: Path):
    _name, body, value, problem = case
    _write(tmp_path / "data", "broken.ttl", HEADER + body)
    result = run_cli("validate", "--data", str(tmp_path / "data"))
    match = _one_line_error(result)
    assert match.group(1) == "3"
    assert f'ill-typed literal "{value}": {problem}' in result.stderr


def test_ill_typed_count():
    assert len(ILL_TYPED) == 5


def test_well_typed_edge_values_load(tmp_path: Path):
    _write(tmp_path, "ok.ttl", HEADER + 'ex:s ex:p "2024-02-29"^^xsd:date, "2000-02-29Z"^^xsd:date, '
           '"-12"^^xsd:integer, "1"^^xsd:boolean, ".5"^^xsd:decimal, "2024-06-13T24:00:00"^^xsd:dateTime, '
           '"12345-01-31"^^xsd:date, "INF"^^xsd:double .\n')
    assert load_graph(tmp_path, ontology=False).triples == 8


@pytest.mark.reliability("An ill-typed literal of a type the loader does not check "
                         '(`"2024-13"^^xsd:gYearMonth` as a date in force)',
                         "validation fails (exit 1) naming the rule, the node and the file; no rdflib traceback")
def test_unchecked_ill_typed_literal_is_a_clear_violation(data_copy: Path):
    path = data_copy / "instruments" / "eu-ai-act.ttl"
    path.write_text(path.read_text() + '\ninst:eu-ai-act aigov:dateInForce "2024-13"^^xsd:gYearMonth .\n')
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "Failed to convert" not in result.stderr
    assert ("graph/instruments/eu-ai-act.ttl: inst:eu-ai-act [aigov:dateInForce]: "
            "aigov:InstrumentDateInForceIsADate") in result.stdout


@pytest.mark.reliability("One instrument given two statuses in two files",
                         "validation fails (exit 1); the violation names both files")
def test_conflicting_values_in_two_files_name_both(data_copy: Path):
    other = data_copy / "instruments" / "ca-sb-1047.ttl"
    other.write_text(other.read_text() + "\n<https://w3id.org/aigovkg/id/instrument/eu-ai-act> "
                     "<https://w3id.org/aigovkg/ontology#status> <https://w3id.org/aigovkg/ontology#Repealed> .\n")
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 1
    line = next(x for x in result.stdout.splitlines() if "aigov:InstrumentHasOneStatus" in x)
    assert line.startswith("graph/instruments/ca-sb-1047.ttl, graph/instruments/eu-ai-act.ttl: inst:eu-ai-act")


@pytest.mark.reliability("The same blank-node label `_:b` in two files", "two distinct nodes, not one")
def test_blank_node_labels_do_not_collide_across_files(tmp_path: Path):
    _write(tmp_path, "a.ttl", HEADER + 'ex:a ex:has _:b . _:b ex:name "A" .\n')
    _write(tmp_path, "b.ttl", HEADER + 'ex:c ex:has _:b . _:b ex:name "B" .\n')
    kg = aigovkg.load(tmp_path)
    rows = kg.sparql_results(f"SELECT ?s ?name WHERE {{ ?s <{EX}has> ?b . ?b <{EX}name> ?name }} ORDER BY ?s")
    assert [(str(r["s"]), r["name"]) for r in rows.records()] == [(EX + "a", "A"), (EX + "c", "B")]


@pytest.mark.reliability("A UTF-8 byte-order mark at the start of a file; CRLF line endings",
                         "both load, with the same triples as the plain file")
def test_bom_and_crlf_load(tmp_path: Path):
    body = HEADER + 'ex:s ex:p "one" ;\n    ex:q """two\nlines""" .\n'
    _write(tmp_path / "plain", "x.ttl", body)
    _write(tmp_path / "bom", "x.ttl", b"\xef\xbb\xbf" + body.encode())
    _write(tmp_path / "crlf", "x.ttl", body.replace("\n", "\r\n"))
    plain = sorted(str(q) for q in load_graph(tmp_path / "plain", ontology=False).store)
    assert sorted(str(q) for q in load_graph(tmp_path / "bom", ontology=False).store) == plain
    crlf = sorted(str(q) for q in load_graph(tmp_path / "crlf", ontology=False).store)
    assert len(crlf) == 2 and crlf[0] == plain[0]  # the long string keeps its CR, as Turtle says


def test_a_bom_elsewhere_is_still_an_error(tmp_path: Path):
    _write(tmp_path, "broken.ttl", HEADER + "\ufeffex:s ex:p ex:o .\n")
    with pytest.raises(InputError, match=r"broken\.ttl:3:1: Turtle syntax error"):
        load_graph(tmp_path, ontology=False)


LOAD = "import sys, aigovkg; kg = aigovkg.load(sys.argv[1]); print(kg.loaded.triples)"


@pytest.mark.reliability("A 10 MB string literal", "loads; peak memory under 4 GB (subprocess, os.wait4)")
def test_ten_megabyte_literal_loads_in_bounded_memory(tmp_path: Path):
    _write(tmp_path / "data", "big.ttl", HEADER + 'ex:s ex:p "' + "x" * 10_000_000 + '" .\n')
    done = run_measured(["-c", LOAD, str(tmp_path / "data")], tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 1
    assert done.peak_rss < 4 * GB


def _deep(kind: str, depth: int) -> str:
    if kind == "collections":
        return HEADER + "ex:s ex:p " + "(" * depth + ")" * depth + " .\n"
    return HEADER + "ex:s ex:p " + "[ ex:p " * depth + "ex:o" + " ]" * depth + " .\n"


@pytest.mark.reliability("10,000 levels of nested collections or blank nodes, through `validate` and `export` "
                         "(RDFC-1.0 canonicalisation of such a chain used 19 GB and crashed)",
                         "exit 2 naming the file (limit 64 levels), no signal; peak memory under 4 GB")
@pytest.mark.parametrize("command", ["validate", "export"])
@pytest.mark.parametrize("kind", ["collections", "blank-nodes"])
def test_ten_thousand_deep_nesting_is_a_clear_error(kind: str, command: str, tmp_path: Path):
    _write(tmp_path / "data", "deep.ttl", _deep(kind, 10_000))
    done = run_measured(["-m", "aigovkg", command, "--data", str(tmp_path / "data")], tmp=tmp_path,
                        address_space=6 * GB)
    assert done.returncode == 2, (done.returncode, done.stderr[-500:])  # a signal would be negative
    assert "deep.ttl: blank nodes nested or chained deeper than 64 levels" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.peak_rss < 4 * GB


def test_nesting_within_the_limit_exports(tmp_path: Path):
    _write(tmp_path / "data", "deep.ttl", _deep("blank-nodes", MAX_BLANK_DEPTH - 1))
    result = run_cli("export", "--format", "ntriples", "--data", str(tmp_path / "data"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(f"<{EX}p>") == MAX_BLANK_DEPTH


@pytest.mark.reliability("A one-million-triple file, generated by the test",
                         "loads with the right triple count; peak memory under 4 GB (subprocess, os.wait4)")
def test_one_million_triples_load_in_bounded_memory(tmp_path: Path):
    count = 1_000_000
    folder = tmp_path / "data"
    folder.mkdir()
    with (folder / "million.ttl").open("w", encoding="utf-8") as handle:
        handle.write(HEADER)
        for i in range(0, count, 2):
            handle.write(f'ex:s{i} ex:p ex:o{i % 97} ;\n    ex:label "item {i}" .\n')
    done = run_measured(["-c", LOAD + "; print(len(kg.loaded.files))", str(folder)], tmp=tmp_path)
    assert done.returncode == 0, done.stderr[-500:]
    triples, files = (int(x) for x in done.stdout.split())
    assert files == 2  # the ontology and the big file
    assert triples == count + len(parse_turtle(resources.ontology_file()))
    assert done.peak_rss < 4 * GB


@pytest.mark.reliability("A `.ttl` in the data folder that is a symbolic link to a file outside it",
                         "refused in one line naming the link and its target (exit 2); a link to a file "
                         "inside the folder loads")
def test_a_link_out_of_the_data_folder_is_refused(tmp_path: Path, data_copy: Path):
    outside = _write(tmp_path / "elsewhere", "secret.ttl", f"<{EX}a> <{EX}b> <{EX}c> .\n")
    link = data_copy / "claims" / "linked.ttl"
    link.symlink_to(outside)
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr == (f"aigovkg: error: {link}: a link to {outside}, outside the data folder {data_copy}; "
                             "copy the file in instead\n")
    link.unlink()
    link.symlink_to(data_copy / "topics.ttl")  # inside: the same file twice, the same triples
    assert load_graph(data_copy).triples == load_graph().triples


def _swap_line(path: Path, old: str, new: str) -> None:
    """Replace ``old`` on its first line only, so one statement changes."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if old in line)
    lines[at] = lines[at].replace(old, new)
    path.write_text("".join(lines), encoding="utf-8")


SCRIPT_LINKS = [  # (file, the address it holds on one line, where that address is used)
    ("memberships.ttl", "https://www.mfa.gov.sg/SINGAPORES-FOREIGN-POLICY/International-Organisations/ASEAN",
     "membership/aigovkg/sg/asean"),
    ("events.ttl", "https://techweez.com/2026/02/26/anthropic-responsible-scaling-policy-update/",
     "event/aigovkg/anthropic-rsp/new-version/2026-02-24"),
    ("instruments/sg-model-ai-genai.ttl", "https://imda.gov.sg/resources/press-releases-factsheets-and-speeches/"
     "press-releases/2024/public-consult-model-ai-governance-framework-genai", "attestation/aigovkg/sg-model-ai-genai/"),
    ("claims/aigovkg/high-risk-classification.ttl", "https://techinsights.linklaters.com/post/102j06t/"
     "association-of-southeast-asian-nations-provides-guidance-on-ai-governance-and-eth", "claim/aigovkg/"),
]


@pytest.mark.reliability("`javascript:` and `data:` addresses as what a membership, a lifecycle event, a fact and a "
                         "claim rest on (`aigov:checkedAgainst`, `aigov:evidence`)",
                         "validation fails (exit 1) naming each address, the rule and the file; `site` and `wiki`, which "
                         "do not validate, still make no link of them (one link function, http(s) only)")
def test_script_addresses_are_refused_by_shape_and_never_become_links(data_copy: Path, tmp_path: Path):
    schemes = ["javascript:alert(1)", "JaVaScRiPt:alert(2)", "data:text/html,x", "javascript:alert(4)"]
    for (name, address, _node), script in zip(SCRIPT_LINKS, schemes, strict=True):
        _swap_line(data_copy / name, f"<{address}>", f"<{script}>")
    result = run_cli("validate", "--data", str(data_copy))
    assert result.returncode == 1, result.stderr
    for (name, _address, _node), script in zip(SCRIPT_LINKS, schemes, strict=True):
        assert f"graph/{name}: {script}: aigov:WebAddressesAreHttp: " in result.stdout, (script, result.stdout[-3000:])
    for command in ("site", "wiki"):
        out = tmp_path / command
        made = run_cli(command, "--data", str(data_copy), "--out", str(out))
        assert made.returncode == 0, made.stderr
        for page in out.rglob("*"):
            if page.suffix in (".html", ".md", ".mdx"):
                text = page.read_text(encoding="utf-8").lower()
                assert not re.search(r"""<a\b[^>]*href=["']?\s*(javascript|data):|\]\(\s*<?(javascript|data):""", text), page
    assert any("alert(1)" in p.read_text(encoding="utf-8") for p in (tmp_path / "site").rglob("*.html")), \
        "the address should still be shown as text"
