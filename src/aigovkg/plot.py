"""Pictures: the coverage heatmap (instruments × topics, coloured by level),
the forum-shopping network coloured by cluster, and the topic similarity network.

Rendered headless with matplotlib's Agg backend; deterministic output (no
timestamps in the files, a fixed SVG hash salt).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigovkg._text import displayable
from aigovkg.api import KnowledgeGraph
from aigovkg.errors import UsageError

if TYPE_CHECKING:
    import networkx as nx
    from matplotlib.figure import Figure

LEVELS = ("governs", "implicit", "conflicts", "silent", "not-assessed")
COLOURS = {"governs": "#2e8b57", "implicit": "#f0c419", "conflicts": "#d1495b", "silent": "#c8c8c8",
           "not-assessed": "#ffffff"}


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - depends on the environment
        raise UsageError("pictures need matplotlib, which aigovkg depends on: reinstall aigovkg") from None
    import sys

    if "ipykernel" not in sys.modules:  # headless everywhere but in a notebook, which shows figures inline
        matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "aigovkg"
    import matplotlib.pyplot as plt

    return plt


#: A heatmap labels at most this many rows (instruments) and columns (topics);
#: a larger matrix is drawn at the size of this many, unlabelled, as an overview.
MAX_ROWS, MAX_COLUMNS = 150, 60


def heatmap(kg: KnowledgeGraph, *, source: str | None = None, rows: list[dict[str, Any]] | None = None) -> Figure:
    """Instruments (rows) × topics (columns), each cell coloured by its level in
    the reviewed view (or one source's). Rows and columns are labelled up to
    ``MAX_ROWS`` and ``MAX_COLUMNS``; beyond that the picture keeps that size
    (a cell becomes a few pixels) and the axis says how many there are.
    ``rows`` are the view's coverage-matrix rows, when the caller already has them."""
    plt = _matplotlib()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    if rows is None:
        params: dict[str, Any] = {"source": source} if source else {}
        rows = kg.results("coverage-matrix", **params).records()
    instruments = sorted({(r["instrumentLabel"], r["instrument"]) for r in rows})
    topics = sorted({(r["topicLabel"], r["topic"]) for r in rows})
    index = {level: i for i, level in enumerate(LEVELS)}
    grid = [[float("nan")] * len(topics) for _ in instruments]
    row_of = {iri: i for i, (_, iri) in enumerate(instruments)}
    col_of = {iri: j for j, (_, iri) in enumerate(topics)}
    for r in rows:
        grid[row_of[r["instrument"]]][col_of[r["topic"]]] = index[r["level"]]
    fig, ax = plt.subplots(figsize=(4 + 0.55 * min(len(topics), MAX_COLUMNS),
                                    2 + 0.32 * min(len(instruments), MAX_ROWS)), dpi=100)
    cmap = ListedColormap([COLOURS[level] for level in LEVELS])
    ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(LEVELS) - 0.5, aspect="auto", interpolation="nearest")
    if len(topics) <= MAX_COLUMNS:
        ax.set_xticks(range(len(topics)), [displayable(label) for label, _ in topics], rotation=45, ha="right", fontsize=8)
        ax.set_xticks([x - 0.5 for x in range(1, len(topics))], minor=True)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(topics):,} topics, by name (too many to label)", fontsize=8)
    if len(instruments) <= MAX_ROWS:
        ax.set_yticks(range(len(instruments)), [displayable(label[:60]) for label, _ in instruments], fontsize=7)
        ax.set_yticks([y - 0.5 for y in range(1, len(instruments))], minor=True)
    else:
        ax.set_yticks([])
        ax.set_ylabel(f"{len(instruments):,} instruments, by name (too many to label)", fontsize=8)
    ax.grid(which="minor", color="#888888", linewidth=0.4)
    ax.tick_params(which="minor", length=0)
    ax.set_title("How each instrument treats each topic" + (f" (per {source})" if source else ""), fontsize=10)
    ax.legend(handles=[Patch(facecolor=COLOURS[lv], edgecolor="#888888", label=lv) for lv in LEVELS],
              loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


CLUSTER_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
#: A network picture draws at most this many nodes, those with the largest
#: weighted degree: more would be unreadable on one page.
MAX_DRAWN = 120


def network(kg: KnowledgeGraph, kind: str, *, source: str | None = None, graph: nx.Graph | None = None) -> Figure:
    """The tension network (instruments, coloured by forum-shopping cluster) or
    the topic network (each topic's 3 most similar topics, coloured by cluster);
    edge width follows the weight. The layout uses a fixed seed. Clusters are
    found on the whole graph; a graph of more than ``MAX_DRAWN`` nodes is drawn
    as its ``MAX_DRAWN`` nodes of largest weighted degree, and the title says so.
    ``graph`` is the view's tension or topic similarity graph, when the caller
    already has it (it is not changed)."""
    plt = _matplotlib()
    import networkx as nx

    from aigovkg import analyse

    if graph is None:
        graph = analyse.build(kg, "tension" if kind == "tensions" else "topic", source=source)
    if kind == "topics":
        graph = analyse.backbone(graph)
    found = analyse.clusters(graph)
    cluster_of = {n: i for i, members in enumerate(found.communities) for n in members}
    shown = ""
    if graph.number_of_nodes() > MAX_DRAWN:
        degree = dict(graph.degree(weight="weight"))
        kept = sorted(graph, key=lambda n: (-degree[n], str(n)))[:MAX_DRAWN]
        noun = "instruments with the most tensions" if kind == "tensions" else "most connected topics"
        shown = f"; the {MAX_DRAWN} of {graph.number_of_nodes():,} {noun}"
        graph = analyse.induced(graph, kept)
    nodes = sorted(graph, key=str)
    fig, ax = plt.subplots(figsize=(10, 8), dpi=100)
    if nodes:
        pos = nx.spring_layout(graph, seed=analyse.SEED, weight="weight")
        edges = sorted(graph.edges(), key=lambda e: (str(e[0]), str(e[1])))
        nx.draw_networkx_edges(graph, pos, edgelist=edges, ax=ax, edge_color="#999999",
                               width=[1 + 2 * graph[a][b].get("weight", 1) for a, b in edges])
        nx.draw_networkx_nodes(graph, pos, nodelist=nodes, ax=ax, node_size=500,
                               node_color=[CLUSTER_COLOURS[cluster_of.get(n, 0) % len(CLUSTER_COLOURS)] for n in nodes])
        nx.draw_networkx_labels(graph, pos, ax=ax, font_size=7,
                                labels={n: displayable(graph.nodes[n].get("label", n)[:40]) for n in nodes})
    title = "Forum-shopping and other tensions, coloured by cluster" if kind == "tensions" else \
        "Topics by similarity of coverage (3 nearest each), coloured by cluster"
    ax.set_title(f"{title}; modularity {found.modularity:.2f}{shown}", fontsize=10)
    ax.set_axis_off()
    fig.tight_layout()
    return fig


def save(fig: Figure, out: Path) -> Path:
    """Write a figure as PNG or SVG (by the file's suffix), atomically."""
    import io

    from aigovkg._io import write_atomic

    suffix = out.suffix.lower()
    if suffix not in (".png", ".svg"):
        raise UsageError(f"{out}: pictures are written as .png or .svg")
    buffer = io.BytesIO()
    metadata = {"Date": None} if suffix == ".svg" else {"Software": None}
    fig.savefig(buffer, format=suffix[1:], metadata=metadata)
    return write_atomic(out, buffer.getvalue())
