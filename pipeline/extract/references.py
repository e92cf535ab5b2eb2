"""References: every document the text cites, with kind, number, date, issuer and relation.

This returns every citation, the plan's own number included; :mod:`pipeline.extract.resolve` removes
the plan and merges repeated citations of one document.
"""

from __future__ import annotations

from ..core.model import Document
from . import doc_citations, register
from .values import Reference


@register("references")
def extract_references(doc: Document) -> list[Reference]:
    return [
        Reference(
            kind=c.kind,
            number=c.number,
            issued_on=c.issued_on,
            issuer=c.issuer,
            relation=c.relation,
            evidence=doc.evidence(c.start, c.end),
        )
        for c in doc_citations(doc)
    ]
