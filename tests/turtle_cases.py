"""Malformed Turtle, one case per kind of mistake in the W3C Turtle negative
syntax tests (bad IRIs, escapes, prefixes, base, structure, keywords, N3
extras, literals, numbers, strings, names, blank nodes, collections,
terminators) plus RDF 1.2 syntax, which aigovkg refuses since its data is RDF
1.1. Each case is (id, Turtle after HEADER, line of the error)."""

from __future__ import annotations

HEADER = "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"

CASES: list[tuple[str, str, int]] = [
    # IRIs
    ("iri-space", "<http://example.org/a b> ex:p ex:o .\n", 3),
    ("iri-spaced-relative", "<a b> ex:p ex:o .\n", 3),
    ("iri-bad-u-escape", "<http://example.org/\\u00ZZ> ex:p ex:o .\n", 3),
    ("iri-bad-U-escape", "<http://example.org/\\U0000WXYZ> ex:p ex:o .\n", 3),
    ("iri-u-escaped-space", "<http://example.org/\\u0020> ex:p ex:o .\n", 3),
    ("iri-braces", "<http://example.org/{abc}> ex:p ex:o .\n", 3),
    ("iri-unterminated", "<http://example.org/a ex:p ex:o .\n", 3),
    # string escapes and unicode
    ("string-bad-escape", 'ex:s ex:p "bad \\q escape" .\n', 3),
    ("string-bad-u-escape", 'ex:s ex:p "\\uWXYZ" .\n', 3),
    ("string-bad-U-escape", 'ex:s ex:p "\\U0000WXYZ" .\n', 3),
    ("string-surrogate-escape", 'ex:s ex:p "\\uD800" .\n', 3),
    ("string-U-beyond-unicode", 'ex:s ex:p "\\U00110000" .\n', 3),
    ("string-invalid-utf8", 'ex:s ex:p "\udcff" .\n', 3),
    ("string-newline-in-short", 'ex:s ex:p "line\nbreak" .\n', 3),
    ("string-unterminated", 'ex:s ex:p "never closed .\n', 3),
    ("string-unterminated-long", 'ex:s ex:p """never closed .\n', 3),
    ("string-mixed-quotes", "ex:s ex:p \"abc' .\n", 3),
    # prefixes and base
    ("prefix-undefined", "nope:s ex:p ex:o .\n", 3),
    ("prefix-missing-dot", "@prefix ab: <http://example.org/ab#>\nab:s ex:p ex:o .\n", 4),
    ("prefix-missing-colon", "@prefix ab <http://example.org/ab#> .\n", 3),
    ("prefix-iri-is-pname", "@prefix ab: ex:ab .\n", 3),
    ("prefix-bad-name", "@prefix a~b: <http://example.org/> .\n", 3),
    ("prefix-ends-in-dot", "@prefix ab.: <http://example.org/> .\n", 3),
    ("sparql-prefix-with-dot", "PREFIX ab: <http://example.org/ab#> .\n", 3),
    ("base-missing-dot", "@base <http://example.org/>\n<s> ex:p ex:o .\n", 4),
    ("base-pname", "@base ex:b .\n", 3),
    # structure: misplaced terms, blank nodes, collections
    ("literal-subject", '"x" ex:p ex:o .\n', 3),
    ("literal-predicate", 'ex:s "p" ex:o .\n', 3),
    ("blank-node-predicate", "ex:s _:p ex:o .\n", 3),
    ("anon-predicate", "ex:s [] ex:o .\n", 3),
    ("collection-predicate", "ex:s (ex:a) ex:o .\n", 3),
    ("missing-object", "ex:s ex:p .\n", 3),
    ("double-semicolon-comma", "ex:s ex:p ex:o , ; ex:q ex:r .\n", 3),
    ("graph-braces", "{ ex:s ex:p ex:o . }\n", 3),
    ("named-graph", "ex:g { ex:s ex:p ex:o . }\n", 3),
    ("unclosed-blank-node", "ex:s ex:p [ ex:q ex:o .\n", 3),
    ("unclosed-collection", "ex:s ex:p ( ex:a ex:b .\n", 3),
    ("blank-label-starts-with-dash", "_:-a ex:p ex:o .\n", 3),
    ("blank-label-bad-char", "ex:s ex:p _:a~b .\n", 3),
    # keywords and N3 extras
    ("keyword-capital-A", "ex:s A ex:o .\n", 3),
    ("keyword-true-subject", "true ex:p ex:o .\n", 3),
    ("n3-implies", "ex:s => ex:o .\n", 3),
    ("n3-equals", "ex:s = ex:o .\n", 3),
    ("n3-forall", "@forAll ex:x .\n", 3),
    ("n3-variable", "?x ex:p ex:o .\n", 3),
    ("n3-is-of", "ex:s is ex:p of ex:o .\n", 3),
    # literals and numbers
    ("lang-tag-digit-first", 'ex:s ex:p "x"@1 .\n', 3),
    ("lang-and-datatype", 'ex:s ex:p "x"@en^^xsd:string .\n', 3),
    ("datatype-is-literal", 'ex:s ex:p "x"^^"y" .\n', 3),
    ("number-dot-letters", "ex:s ex:p 123.abc .\n", 3),
    ("number-bare-exponent", "ex:s ex:p 1e .\n", 3),
    ("number-double-sign", "ex:s ex:p +-1 .\n", 3),
    ("pname-bad-percent", "ex:s ex:p ex:a%2 .\n", 3),
    ("pname-bad-escape", "ex:s ex:p ex:a\\u0041 .\n", 3),
    # missing terminators
    ("missing-final-dot", "ex:s ex:p ex:o\n", 4),
    ("missing-dot-between", "ex:s ex:p ex:o\nex:t ex:p ex:o .\n", 4),
    # RDF 1.2 syntax, valid Turtle 1.2 but not RDF 1.1
    ("rdf12-triple-term", "ex:s ex:p <<( ex:a ex:b ex:c )>> .\n", 3),
    ("rdf12-reified-triple", "<< ex:a ex:b ex:c >> ex:p ex:o .\n", 3),
    ("rdf12-reifier", "<< ex:a ex:b ex:c ~ ex:r >> ex:p ex:o .\n", 3),
    ("rdf12-reifier-after-triple", "ex:a ex:b ex:c ~ ex:r .\n", 3),
    ("rdf12-annotation", "ex:a ex:b ex:c {| ex:p ex:o |} .\n", 3),
    ("rdf12-base-direction", 'ex:s ex:p "text"@en--ltr .\n', 3),
    ("rdf12-version", 'VERSION "1.2"\nex:s ex:p ex:o .\n', 3),
    # a NUL byte where the grammar has no place for it (inside strings and comments it loads)
    ("nul-byte-between-terms", "ex:s ex:p\x00 ex:o .\n", 3),
]

# Looks like RDF 1.2 or a NUL but is plain RDF 1.1: must load.
NOT_RDF12 = (
    'ex:version ex:p "VERSION 1.2 << ~ {| |} >> @en--ltr" . # VERSION << ~\n'
    "ex:a\\~b ex:p <http://example.org/~x> ; ex:q \"\"\"a\n~b\"\"\" ; ex:r \"\\u0000\" .\n"
)
