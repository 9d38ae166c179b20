"""A claim may quote several passages of the text: every page and answer gives all of them, in a fixed
order whatever order the engine returns rows in, and each document the claim rests on once."""

from __future__ import annotations

from aigovkg.model import claim_evidence

CLAIM = "https://w3id.org/aigovkg/id/claim/aigovkg/synthetic-content/nist-ai-rmf-genai-profile"


def test_every_quote_once_in_a_fixed_order_and_each_document_once(kg):
    rows = kg.results("claim-evidence", claim=CLAIM).records()
    assert len({r["quote"] for r in rows}) == 2  # the claim quotes two suggested actions
    forward, backward = claim_evidence(rows)[CLAIM], claim_evidence(list(reversed(rows)))[CLAIM]
    assert forward == backward
    assert len(forward.quotes) == 2 and list(forward.quotes) == sorted(forward.quotes)
    assert len(forward.documents) == len({(d.url, d.role) for d in forward.documents}) == 1
    assert forward.quote == "\n\n".join(forward.quotes)


def test_the_topic_page_and_the_answers_give_every_quote(kg):
    from aigovkg.answers import topic_coverage

    rows = kg.results("claim-evidence", claim=CLAIM).records()
    quotes = sorted({r["quote"] for r in rows})
    from aigovkg.model import topic_page
    from aigovkg.render import render_topic

    page = render_topic(topic_page(kg, "synthetic-content"))
    for quote in quotes:
        assert page.count(f"Quote: “{quote.splitlines()[0]}") == 1
    claims = topic_coverage(kg, "synthetic-content")["claims"]
    found = next(c for c in claims if c["instrument"] == "nist-ai-rmf-genai-profile")
    assert found["quotes"] == quotes
