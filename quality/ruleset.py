"""The whole rule set of a run: generated from the registry plus quality/rules.yaml."""

from __future__ import annotations

from collections import Counter

from govlake.registry import Registry, load_registry
from quality.explicit import explicit_rules
from quality.generated import generated_rules
from quality.rule import Rule


def all_rules(registry: Registry | None = None, sources: list[str] | None = None) -> list[Rule]:
    """Every rule, registry order; `sources` narrows to those source ids. Ids are unique."""
    registry = registry or load_registry()
    rules = [r for s in registry.sources.values() for r in generated_rules(registry, s)]
    rules += explicit_rules(registry)
    dupes = [i for i, n in Counter(r.id for r in rules).items() if n > 1]
    if dupes:
        raise ValueError(f"duplicate rule ids: {dupes}")
    if sources:
        unknown = set(sources) - set(registry.sources)
        if unknown:
            raise KeyError(f"unknown source(s) {sorted(unknown)}; known: {', '.join(sorted(registry.sources))}")
        rules = [r for r in rules if r.source in sources]
    return rules
