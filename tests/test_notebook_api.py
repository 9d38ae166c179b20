"""The notebook API without traps (#23): a star import works, topics are
found by slug or CURIE, clustering the topic graph finds communities without
a hidden extra step, the graph lists its named queries, and construct says
what it returns."""

from __future__ import annotations

import subprocess
import sys

import pytest

from aigovkg import analyse
from aigovkg.errors import InputError, UsageError
from aigovkg.namespaces import TOPIC


def test_a_star_import_gives_every_name_it_promises():
    code = "from aigovkg import *\nprint(KnowledgeGraph.__name__, callable(load), __version__)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["KnowledgeGraph", "True"]


def test_related_topics_by_slug_curie_or_iri(kg):
    graph = analyse.topic_graph(kg)
    by_iri = analyse.related_topics(graph, TOPIC + "synthetic-content")
    assert by_iri and analyse.related_topics(graph, "synthetic-content") == by_iri
    assert analyse.related_topics(graph, "topic:synthetic-content") == by_iri
    with pytest.raises(InputError, match=r"no topic 'synthetic-contnet'.*synthetic-content"):
        analyse.related_topics(graph, "synthetic-contnet")


def test_clusters_of_the_topic_graph_need_no_extra_step(kg):
    graph = analyse.topic_graph(kg)
    found = analyse.clusters(graph)
    assert len(found.communities) > 1 and found.modularity > 0
    assert found == analyse.clusters(analyse.backbone(graph))


def test_the_graph_lists_its_named_queries_and_construct_says_what_it_returns(kg):
    assert len(kg.queries) == 47 and "obligations" in kg.queries and "deadlines" in kg.queries
    assert all(description for description in kg.queries.values())
    assert "pyoxigraph" in (type(kg).construct.__doc__ or "")
    with pytest.raises(UsageError, match="is a SELECT query"):
        kg.construct("topics")
