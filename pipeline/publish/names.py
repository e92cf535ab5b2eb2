"""Names of the published files: where a record lives in the output folder."""

from __future__ import annotations

import re
from pathlib import Path

#: Folder of the published records, under the output folder.
RECORDS_DIR = "records"


def record_name(filename: str) -> str:
    """File name of a record: the input's name made safe, plus ``.json``."""
    safe = re.sub(r"[^\w.\-]+", "_", Path(filename).name).lstrip(".") or "input"
    return f"{safe}.json"
