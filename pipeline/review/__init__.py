"""Human review of extracted records: corrections, review pages (:mod:`.page`), the review queue
(:mod:`.queue`: records ordered by doubt, reviewed marks), reviewer actions as corrections
(:mod:`.edits`, used by the workbench in :mod:`pipeline.serve.workbench`) and value boxes on
page images (:mod:`.boxes`).

Corrections (:mod:`.corrections`): reviewers edit ``OUT/records/<name>.json``; the edit is kept
as an RFC 6902 JSON Patch (:mod:`.patch`) against the machine output (``OUT/machine/``) and
re-applied every time the record is published again, or flagged as a conflict when the values
it corrects have changed.
"""

from .corrections import capture_edits, export_gold, publish

__all__ = ["capture_edits", "export_gold", "publish"]
