"""The coverage heatmap: a real picture of the expected size in which every
one of the instrument × topic cells has the colour of its level."""

from __future__ import annotations

import hashlib

import pytest
from PIL import Image

from aigovkg.plot import COLOURS, heatmap, save

from .conftest import run_cli


def _hex(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb[:3])


def test_every_cell_has_the_colour_of_its_level(kg, tmp_path):
    figure = heatmap(kg)
    out = save(figure, tmp_path / "heatmap.png")
    image = Image.open(out).convert("RGB")
    width, height = figure.canvas.get_width_height()
    assert image.size == (width, height) and width > 800 and height > 800
    ax = figure.axes[0]
    instruments = [t.get_text() for t in ax.get_yticklabels()]
    topics = [t.get_text() for t in ax.get_xticklabels()]
    cells = {(r["instrumentLabel"], r["topicLabel"]): r["level"] for r in kg.results("coverage-matrix").records()}
    assert len(cells) == len(instruments) * len(topics) == 33 * 23
    checked = 0
    for i, instrument in enumerate(instruments):
        for j, topic in enumerate(topics):
            x, y = ax.transData.transform((j, i))
            pixel = image.getpixel((round(x), round(height - y)))
            assert _hex(pixel) == COLOURS[cells[(instrument, topic)]], (instrument, topic)
            checked += 1
    assert checked == 759


def test_pictures_are_deterministic_and_written_by_the_cli(tmp_path):
    digests = []
    for n in (1, 2):
        out = tmp_path / f"h{n}.svg"
        result = run_cli("plot", "heatmap", "--out", str(out))
        assert result.returncode == 0, result.stderr
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    bad = run_cli("plot", "heatmap", "--out", str(tmp_path / "h.jpg"))
    assert bad.returncode == 2 and ".png or .svg" in bad.stderr


@pytest.mark.parametrize("kind,nodes,edges", [("tensions", 7, 6), ("topics", 23, None)])
def test_network_pictures_have_a_mark_per_node_and_edge(kg, tmp_path, kind, nodes, edges):
    from matplotlib.collections import LineCollection, PathCollection

    from aigovkg import analyse
    from aigovkg.plot import network

    figure = network(kg, kind)
    ax = figure.axes[0]
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    lines = [c for c in ax.collections if isinstance(c, LineCollection)]
    assert len(points) == 1 and len(points[0].get_offsets()) == nodes
    expected_edges = edges if edges is not None else analyse.backbone(analyse.topic_graph(kg)).number_of_edges()
    assert len(lines) == 1 and len(lines[0].get_segments()) == expected_edges
    out = save(figure, tmp_path / f"{kind}.png")
    image = Image.open(out)
    assert image.size == (1000, 800)


@pytest.mark.parametrize("kind", ["tensions", "topics"])
def test_network_labels_are_whole_legible_and_inside_the_picture_with_a_legend(kg, kind):
    """Every node's full label (wrapped between words, never cut) at a
    readable size, none crossing the picture's edge, and a legend saying what
    the colours, edges and sizes mean."""
    from aigovkg import analyse
    from aigovkg.plot import network

    graph = analyse.build(kg, "tension" if kind == "tensions" else "topic")
    figure = network(kg, kind)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    width, height = figure.canvas.get_width_height()
    ax = figure.axes[0]
    shown = sorted(" ".join(t.get_text().split()) for t in ax.texts)
    assert shown == sorted(graph.nodes[n]["label"] for n in graph) and len(shown) == graph.number_of_nodes()
    assert len(shown) == (7 if kind == "tensions" else 23)
    for text in ax.texts:
        assert text.get_fontsize() >= 9, text.get_text()
        box = text.get_window_extent(renderer)
        assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height, text.get_text()
    legend = ax.get_legend()
    assert legend is not None
    entries = [t.get_text() for t in legend.get_texts()]
    assert sum(e.startswith("cluster ") for e in entries) == len(analyse.clusters(
        analyse.backbone(graph) if kind == "topics" else graph).communities)
    assert any(e.startswith("edge: ") for e in entries) and any(e.startswith("node size: ") for e in entries)
    box = legend.get_window_extent(renderer)
    assert box.x0 >= 0 and box.y0 >= 0 and box.x1 <= width and box.y1 <= height


def test_a_large_network_draws_its_best_connected_nodes(tmp_path):
    """More instruments than a picture can show (and than networkx's dense
    layout takes without SciPy): the best-connected ones are drawn, and the
    title says how many of how many."""
    from matplotlib.collections import PathCollection

    import aigovkg
    from aigovkg import analyse
    from aigovkg.plot import MAX_DRAWN, network
    from aigovkg.synth import synthesize

    synthesize(tmp_path / "graph", instruments=300, topics=40, seed=7)
    kg = aigovkg.load(tmp_path / "graph")
    total = analyse.build(kg, "tension").number_of_nodes()
    assert total > MAX_DRAWN
    figure = network(kg, "tensions")
    points = [c for c in figure.axes[0].collections if isinstance(c, PathCollection)]
    assert len(points) == 1 and len(points[0].get_offsets()) == MAX_DRAWN
    assert f"the {MAX_DRAWN} of {total:,} instruments with the most tensions" in figure.axes[0].get_title()
    save(figure, tmp_path / "tensions.png")


def test_a_large_network_picture_does_not_depend_on_the_hash_seed(tmp_path):
    """The best-connected nodes of a large network are laid out in the
    graph's order, not in a set's (which changes with PYTHONHASHSEED): the
    same picture, byte for byte, from every process."""
    import os

    from aigovkg.synth import synthesize

    # 325 instruments with tensions: the 120 drawn are under half of them,
    # which is when networkx iterated the subgraph's nodes in set order.
    synthesize(tmp_path / "graph", instruments=600, topics=40, seed=7)
    digests = set()
    for seed in ("1", "2", "3"):
        out = tmp_path / f"tensions-{seed}.svg"
        result = run_cli("plot", "tensions", "--data", str(tmp_path / "graph"), "--out", str(out),
                         env={**os.environ, "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_a_large_heatmap_keeps_a_readable_size(tmp_path):
    """A thousand rows would make a picture of a hundred thousand pixels: the
    heatmap keeps the size of MAX_ROWS rows and says how many it shows."""
    import aigovkg
    from aigovkg.plot import MAX_COLUMNS, MAX_ROWS
    from aigovkg.synth import synthesize

    synthesize(tmp_path / "graph", instruments=MAX_ROWS + 50, topics=MAX_COLUMNS + 5, seed=7)
    figure = heatmap(aigovkg.load(tmp_path / "graph"))
    ax = figure.axes[0]
    assert ax.get_ylabel() == f"{MAX_ROWS + 50} instruments, by name (too many to label)"
    assert ax.get_xlabel() == f"{MAX_COLUMNS + 5} topics, by name (too many to label)"
    assert ax.get_images()[0].get_array().shape == (MAX_ROWS + 50, MAX_COLUMNS + 5)
    width, height = figure.get_size_inches()
    assert (width, height) == pytest.approx((4 + 0.55 * MAX_COLUMNS, 2 + 0.32 * MAX_ROWS))


def test_the_site_closes_every_figure_it_draws(kg):
    # pyplot keeps a figure until it is closed: a process that builds many times
    # would hold every heatmap it drew (and matplotlib warns past 20 figures).
    import matplotlib.pyplot as plt

    from aigovkg.render.site import write_site

    before = set(plt.get_fignums())
    written: dict[str, str | bytes] = {}
    write_site(kg, written.__setitem__)
    pictures = {f"pictures/{name}.{fmt}" for name in ("coverage-heatmap", "tension-network", "topic-network")
                for fmt in ("svg", "png")}
    assert pictures <= set(written)
    assert set(plt.get_fignums()) == before
