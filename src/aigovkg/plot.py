"""Pictures: the coverage heatmap (instruments × topics, coloured by level),
the forum-shopping network coloured by cluster, and the topic similarity network.

Rendered headless with matplotlib's Agg backend; deterministic output (no
timestamps in the files, a fixed SVG hash salt).
"""

from __future__ import annotations

from dataclasses import dataclass
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
    if rows is None:
        params: dict[str, Any] = {"source": source} if source else {}
        rows = kg.results("coverage-matrix", **params).records()
    return draw_heatmap(coverage_grid(rows), source=source)


@dataclass(frozen=True)
class CoverageGrid:
    """What a heatmap draws: the instruments' and topics' labels, in the order
    of their rows and columns (by label, then IRI), and each cell's level as
    its place in ``LEVELS`` (NaN: no claim). It is small (a number a cell)
    where the coverage-matrix rows it is made from are a dictionary a cell:
    the build hands it to the process that draws the pictures."""

    instruments: tuple[str, ...]
    topics: tuple[str, ...]
    cells: list[list[float]]


def coverage_grid(rows: list[dict[str, Any]]) -> CoverageGrid:
    """The grid of coverage-matrix rows."""
    instruments = sorted({(r["instrumentLabel"], r["instrument"]) for r in rows})
    topics = sorted({(r["topicLabel"], r["topic"]) for r in rows})
    index = {level: i for i, level in enumerate(LEVELS)}
    grid = [[float("nan")] * len(topics) for _ in instruments]
    row_of = {iri: i for i, (_, iri) in enumerate(instruments)}
    col_of = {iri: j for j, (_, iri) in enumerate(topics)}
    for r in rows:
        grid[row_of[r["instrument"]]][col_of[r["topic"]]] = index[r["level"]]
    return CoverageGrid(tuple(label for label, _ in instruments), tuple(label for label, _ in topics), grid)


def draw_heatmap(coverage: CoverageGrid, *, source: str | None = None) -> Figure:
    """:func:`heatmap` of a grid already made."""
    plt = _matplotlib()
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    instruments, topics, grid = coverage.instruments, coverage.topics, coverage.cells
    fig, ax = plt.subplots(figsize=(4 + 0.55 * min(len(topics), MAX_COLUMNS),
                                    2 + 0.32 * min(len(instruments), MAX_ROWS)), dpi=100)
    cmap = ListedColormap([COLOURS[level] for level in LEVELS])
    ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(LEVELS) - 0.5, aspect="auto", interpolation="nearest")
    if len(topics) <= MAX_COLUMNS:
        ax.set_xticks(range(len(topics)), [displayable(label) for label in topics], rotation=45, ha="right", fontsize=8)
        ax.set_xticks([x - 0.5 for x in range(1, len(topics))], minor=True)
    else:
        ax.set_xticks([])
        ax.set_xlabel(f"{len(topics):,} topics, by name (too many to label)", fontsize=8)
    if len(instruments) <= MAX_ROWS:
        ax.set_yticks(range(len(instruments)), [displayable(label) for label in instruments], fontsize=8)
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
    from aigovkg import analyse

    if graph is None:
        graph = analyse.build(kg, "tension" if kind == "tensions" else "topic", source=source)
    return draw_network(graph, kind)


def draw_network(graph: nx.Graph, kind: str) -> Figure:
    """:func:`network` of a graph already made (``kind``: "tensions" or "topics")."""
    plt = _matplotlib()
    import networkx as nx

    from aigovkg import analyse

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
        weights = [graph[a][b].get("weight", 1) for a, b in edges]
        nx.draw_networkx_edges(graph, pos, edgelist=edges, ax=ax, edge_color="#999999",
                               width=[_edge_width(w) for w in weights])
        degree = dict(graph.degree(weight="weight"))
        top = max(degree.values()) or 1
        nx.draw_networkx_nodes(graph, pos, nodelist=nodes, ax=ax, node_size=[_node_size(degree[n], top) for n in nodes],
                               node_color=[_cluster_colour(cluster_of.get(n, 0)) for n in nodes])
        _labels(ax, pos, {n: displayable(graph.nodes[n].get("label", n)) for n in nodes},
                small=len(nodes) > 40)
        _network_legend(ax, kind, [len(c) for c in found.communities], weights, degree, top)
    title = "Forum-shopping and other tensions, coloured by cluster" if kind == "tensions" else \
        "Topics by similarity of coverage (3 nearest each), coloured by cluster"
    ax.set_title(f"{title}; modularity {found.modularity:.2f}{shown}", fontsize=11)
    ax.set_axis_off()
    fig.tight_layout()
    if nodes:
        _fit_labels(fig, ax)
    return fig


def _cluster_colour(cluster: int) -> str:
    return CLUSTER_COLOURS[cluster % len(CLUSTER_COLOURS)]


def _edge_width(weight: float) -> float:
    return 1 + 2 * weight


def _node_size(degree: float, top: float) -> float:
    """Marker area in points²: 150 for an unconnected node up to 900 for the best connected."""
    return 150 + 750 * degree / top


def _labels(ax: Any, pos: dict[Any, Any], labels: dict[Any, str], *, small: bool) -> None:
    """Each node's full label under it, wrapped between words (never inside
    one) to a few words a line, on a white ground so that edges do not run through it."""
    import textwrap

    for node in sorted(labels, key=str):
        x, y = pos[node]
        ax.annotate(textwrap.fill(labels[node], 24, break_on_hyphens=False, break_long_words=False), (x, y), xytext=(0, -11), textcoords="offset points",
                    ha="center", va="top", fontsize=7 if small else 9, linespacing=1.1, zorder=3,
                    bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})


def _fit_labels(fig: Any, ax: Any) -> None:
    """Widen the axes' limits until every label lies inside them, so that no
    label is cut by the picture's edge (labels keep their size in points while
    the limits change, hence a few rounds)."""
    for _ in range(4):
        renderer = fig.canvas.get_renderer()
        inverse = ax.transData.inverted()
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        lo_x, hi_x, lo_y, hi_y = x0, x1, y0, y1
        for text in ax.texts:
            box = text.get_window_extent(renderer)
            (a, b), (c, d) = inverse.transform([(box.x0, box.y0), (box.x1, box.y1)])
            lo_x, hi_x, lo_y, hi_y = min(lo_x, a), max(hi_x, c), min(lo_y, b), max(hi_y, d)
        if (lo_x, hi_x, lo_y, hi_y) == (x0, x1, y0, y1):
            return
        pad_x, pad_y = 0.02 * (hi_x - lo_x), 0.02 * (hi_y - lo_y)
        ax.set_xlim(lo_x - pad_x, hi_x + pad_x)
        ax.set_ylim(lo_y - pad_y, hi_y + pad_y)


def _network_legend(ax: Any, kind: str, sizes: list[int], weights: list[float], degree: dict[Any, float],
                    top: float) -> None:
    """What the colours, sizes and edges mean: one entry per cluster (up to the
    number of colours), and the thinnest and thickest edge, smallest and largest node."""
    from matplotlib.lines import Line2D

    noun = ("instrument", "instruments") if kind == "tensions" else ("topic", "topics")
    handles = []
    for i, size in enumerate(sizes[:len(CLUSTER_COLOURS)]):
        more = "" if len(sizes) <= len(CLUSTER_COLOURS) or i else f" (and every {len(CLUSTER_COLOURS)}th after)"
        handles.append(Line2D([], [], linestyle="", marker="o", markersize=9, color=_cluster_colour(i),
                              label=f"cluster {i + 1}: {size} {noun[0] if size == 1 else noun[1]}{more}"))
    if weights:
        def edge(w: float) -> str:
            if kind == "tensions":
                return f"tension on {int(w)} topic{'' if w == 1 else 's'}"
            return f"similarity {w:.2f}"
        for w in sorted({min(weights), max(weights)}):
            handles.append(Line2D([], [], color="#999999", linewidth=_edge_width(w), label="edge: " + edge(w)))
    for d in sorted({min(degree.values()), top}):
        what = (f"{d:g} tension{'' if d == 1 else 's'} in all" if kind == "tensions" else f"similarities summing to {d:.2f}")
        handles.append(Line2D([], [], linestyle="", marker="o", color="#bbbbbb",
                              markersize=_node_size(d, top) ** 0.5, label=f"node size: {what}"))
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=9, frameon=False,
              labelspacing=1.2, borderpad=0.2)


def close(fig: Figure) -> None:
    """Free a figure: pyplot keeps every figure it made until it is closed."""
    _matplotlib().close(fig)


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
