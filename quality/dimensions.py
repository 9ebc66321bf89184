"""GB/T 36344-2018 quality dimensions and rule severities (docs/quality-dimensions.md#dimensions).

Every rule belongs to exactly one dimension. Tables store the English code; the Chinese
name, the description and the department-score weight travel in `quality.dimensions`,
so scores and reports (later work) read them from the warehouse, not from code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dimension:
    code: str
    zh: str
    question: str  # what the dimension asks (docs/quality-dimensions.md#dimensions table)
    weight: int  # weight in a department's score (docs/quality-dimensions.md#dimensions), out of 100


DIMENSIONS: dict[str, Dimension] = {
    d.code: d
    for d in (
        Dimension("conformity", "规范性", "values follow the standard's format and code lists", 20),
        Dimension("completeness", "完整性", "what must be there is there", 20),
        Dimension("accuracy", "准确性", "the value is right", 25),
        Dimension("consistency", "一致性", "the same fact agrees across sources and over time", 20),
        Dimension("timeliness", "时效性", "data is as fresh as its promised update cycle", 10),
        Dimension("accessibility", "可访问性", "the data can be read and used", 5),
    )
}

# blocking: the row (or file) cannot be used as delivered - it was kept out of staging or
#           the lake, or a key / identifier / required fact in it is missing or wrong;
# warning:  the row is usable - a value was normalised and kept, is implausible, or
#           disagrees with another copy (routed to a department, not stopped).
BLOCKING, WARNING = "blocking", "warning"
SEVERITIES = (BLOCKING, WARNING)
