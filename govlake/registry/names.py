"""Which delivered names are copies of a golden name, derived from the registry.

A column with `names: <id column>` names the person or enterprise its id column
identifies. Which base entity that is follows from the id column's check: an ID number
(id_card) finds a person of the population library, a USCC an enterprise of the
legal-entity library, a party code (either check, or a check chosen per row) either,
by its form. Every such column is a copy of the entity's golden name and is compared
with it (一数一源), except the column that is itself the authoritative source of that
name. Quality rules (quality/generated.py) and the dbt conflict observations
(transform/dbt_sources.py -> macro name_copies()) both read this list.
"""

from __future__ import annotations

from dataclasses import dataclass

from govlake.registry import Registry

# the base entity an identifier check finds, and the library attribute of its name
ENTITY_OF_CHECK = {"id_card": "person", "uscc": "enterprise"}
NAME_ATTRIBUTE = {"person": "population.name", "enterprise": "legal_entity.name"}


@dataclass(frozen=True)
class NamePair:
    source: str  # source id
    column: str  # the name column
    code: str  # the identifier column beside it
    entities: tuple[str, ...]  # person and/or enterprise, in that order

    @property
    def model(self) -> str:
        """The staging model holding the pair (govlake/staging_contract.model_name)."""
        department, _, entity = self.source.partition(".")
        return f"stg_{department}__{entity}"


def name_pairs(registry: Registry) -> list[NamePair]:
    """Every (source, name column, id column) whose name must agree with the golden name."""
    authorities = registry.authorities()
    out = []
    for source in registry.sources.values():
        for column in source.columns:
            if column.names is None:
                continue
            checks = set(source.column(column.names).checks)
            entities = tuple(e for c, e in ENTITY_OF_CHECK.items() if c in checks)
            if all(authorities.get(NAME_ATTRIBUTE[e]) == (source.id, column.name) for e in entities):
                continue  # the authoritative name itself
            out.append(NamePair(source.id, column.name, column.names, entities))
    return out


def authoritative_name_source(registry: Registry, entity: str) -> str:
    """The source id holding the golden name of a person or an enterprise."""
    return registry.authorities()[NAME_ATTRIBUTE[entity]][0]
