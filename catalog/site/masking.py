"""Mask a resource's sample rows by the sensitivity of its 信息项 before they reach a page.

    masker = SampleMasker(counties)              # the city's county names (registry)
    masker.row(values, sensitivities)            # one row, every value masked as its item requires

The masks of docs/masking.md#masks, chosen by the item's sensitivity in catalog.items (the
catalog cannot import quality's column masks: stages never import each other):

- 敏感个人信息: a value shaped like an ID number keeps 6 + 4, a mobile 3 + 4, an address its
  county (the text up to the first county name of the city); anything else (a person's
  amounts, a cause of death, a code, a date) is masked whole;
- 个人信息: the first character, the rest starred (张*; a one-character value is starred whole);
- 非个人信息: as it is.

Then every value goes through govlake.pii.mask_text: an ID number or a mobile in a column
that should not hold one (a shifted delivery, a free-text note) is masked by its shape, also
when delivered in full-width digits (matched on the value's NFKC form).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from govlake.pii import mask_shapes

SENSITIVE, PERSONAL, NOT_PERSONAL = "敏感个人信息", "个人信息", "非个人信息"
ORDER = (SENSITIVE, PERSONAL, NOT_PERSONAL)  # most protected first
WHOLE = "***"
_ID = re.compile(r"[0-9]{15}|[0-9]{17}[0-9Xx]")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


def stricter(*sensitivities: str | None) -> str:
    """The most protected of several sensitivities (an unknown one counts as 敏感个人信息)."""
    rank = [ORDER.index(s) if s in ORDER else 0 for s in sensitivities]
    return ORDER[min(rank, default=0)]


class SampleMasker:
    def __init__(self, counties: Iterable[str]):
        names = sorted(set(counties), key=len, reverse=True)  # 邹平市 before 邹平
        self._county = re.compile("|".join(re.escape(c) for c in names)) if names else None

    def sensitive(self, text: str) -> str:
        if _ID.fullmatch(text):
            return text[:6] + "*" * (len(text) - 10) + text[-4:]
        if _MOBILE.fullmatch(text):
            return text[:3] + "****" + text[-4:]
        found = self._county.search(text) if self._county else None
        if found:
            return text[: found.end()] + WHOLE
        return WHOLE

    def value(self, value, sensitivity: str):
        """One value as a page may show it: masked text, or None for a missing value."""
        if value is None:
            return None
        text = value if isinstance(value, str) else str(value)
        if sensitivity == NOT_PERSONAL:
            return mask_shapes(text)
        if sensitivity == PERSONAL:
            return mask_shapes(text[:1] + "*" * (len(text) - 1) if len(text) > 1 else "*")
        return mask_shapes(self.sensitive(unicodedata.normalize("NFKC", text)))

    def row(self, values: Iterable, sensitivities: Iterable[str]) -> list:
        return [self.value(v, s) for v, s in zip(values, sensitivities)]
