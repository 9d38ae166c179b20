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

__version__ = "0.3.0"

if TYPE_CHECKING:
    from aigovkg.api import KnowledgeGraph

__all__ = ["KnowledgeGraph", "__version__", "load"]


def load(data: Any = None, *, endpoint: str | None = None, **options: Any) -> KnowledgeGraph:
    """Load the knowledge graph: the shipped ``graph/`` by default, another copy
    with ``data=DIR``, or a remote SPARQL 1.1 endpoint with ``endpoint=URL``."""
    from aigovkg.api import load as _load

    return _load(data, endpoint=endpoint, **options)
