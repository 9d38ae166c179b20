"""Where the ontology, the graph and the queries are: inside the installed
package (``aigovkg/_data``), or at the top of a source checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    """The folder holding ``ontology/``, ``graph/`` and ``queries/``."""
    shipped = _PACKAGE / "_data"
    if (shipped / "ontology").is_dir():
        return shipped
    checkout = _PACKAGE.parent.parent
    if (checkout / "ontology").is_dir() and (checkout / "graph").is_dir():
        return checkout
    raise FileNotFoundError(
        "aigovkg cannot find its ontology/, graph/ and queries/ folders; reinstall the package"
    )


def ontology_dir() -> Path:
    return data_root() / "ontology"


def graph_dir() -> Path:
    return data_root() / "graph"


def queries_dir() -> Path:
    return data_root() / "queries"


def releases_dir() -> Path:
    """Earlier releases of the graph, as gzipped N-Quads (see releases/README.md)."""
    return data_root() / "releases"


def ontology_file() -> Path:
    return ontology_dir() / "aigov.ttl"


def shapes_file() -> Path:
    return ontology_dir() / "shapes.ttl"
