"""aigovkg: a knowledge graph of AI governance with a query layer.

The data flows load -> validate -> query / analyse -> render / export, one
stage per module. Notebook users start with :func:`load`::

    >>> import aigovkg
    >>> kg = aigovkg.load()
    >>> frame = kg.query("topic-coverage-summary", topic="international-coordination", source="policy-window")
    >>> int(frame.loc[0, "instruments"]), int(frame.loc[0, "silentCount"])
    (26, 14)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.5.0"

if TYPE_CHECKING:
    from aigovkg.api import KnowledgeGraph

__all__ = ["KnowledgeGraph", "__version__", "load"]


def __getattr__(name: str) -> Any:
    # KnowledgeGraph is imported on first use, so `import aigovkg` stays light
    # and `from aigovkg import *` (which reads __all__) finds it.
    if name == "KnowledgeGraph":
        from aigovkg.api import KnowledgeGraph

        return KnowledgeGraph
    raise AttributeError(f"module 'aigovkg' has no attribute {name!r}")


def load(data: Any = None, *, endpoint: str | None = None, **options: Any) -> KnowledgeGraph:
    """Load the knowledge graph: the shipped ``graph/`` by default, another copy
    with ``data=DIR``, a release as published with ``as_of="0.1.0"`` (or a
    day), or a remote SPARQL 1.1 endpoint with ``endpoint=URL``."""
    from aigovkg.api import load as _load

    return _load(data, endpoint=endpoint, **options)
