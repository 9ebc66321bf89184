"""Which masking macro (quality/sql/masking.sql) an observed value of a column goes through.

docs/masking.md#masks: ID numbers keep 6 + 4, names their first character, mobiles 3 + 4, an exact
address its county; other sensitive personal information (a person's amounts, health) is
masked whole. ID numbers and mobiles are recognised from the registry's checks. Which
columns hold a person's name, exact address, amounts or health the registry does not say,
so those are listed here - once - and tests/unit/test_quality_masking.py holds every entry
to an existing registry column. A name column the registry pairs with an ID number (`names:`)
is masked as a name even when not listed, so a new source's person name is covered.
Over-masking a party name that may be an enterprise's is deliberate: the value's owner is
not known per column.
"""

from __future__ import annotations

from govlake.registry import Column, Source
from govlake.registry.schema import ConditionalCheck
from quality.staging import kind

# (source, column) -> mask
PERSONAL = {
    # 个人信息: names of persons
    ("gaj.household_register", "name"): "name",
    ("mzj.marriage_register", "man_name"): "name",
    ("mzj.marriage_register", "woman_name"): "name",
    ("mzj.subsistence_allowance", "name"): "name",
    ("rsj.social_insurance", "name"): "name",
    ("scjg.enterprise_register", "legal_rep_name"): "name",
    ("wjw.birth_certificate", "child_name"): "name",
    ("wjw.death_record", "name"): "name",
    ("xczx.monitored_household", "head_name"): "name",
    # names of parties that may be persons
    ("dsj.e_licence", "holder_name"): "name",
    ("xyzx.double_publicity", "subject_name"): "name",
    ("zrzy.land_parcel", "owner_name"): "name",
    ("scjg.patent", "applicant_name"): "name",
    # 敏感个人信息: exact address, a person's amounts, cause of death
    ("gaj.household_register", "address"): "address",
    ("mzj.subsistence_allowance", "monthly_amount"): "all",
    ("rsj.social_insurance", "contribution_base"): "all",
    ("xczx.monitored_household", "income_per_capita"): "all",
    ("xyzx.double_publicity", "fine_amount"): "all",
    ("wjw.death_record", "cause_code"): "all",
}

MACROS = {
    "id": "q_mask_id",
    "party": "q_mask_party",
    "name": "q_mask_name",
    "mobile": "q_mask_mobile",
    "address": "q_mask_address",
    "all": "q_mask_all",
}


def mask_kind(source: Source, column: Column) -> str | None:
    """The mask for a column's values, or None when they are not personal."""
    if (source.id, column.name) in PERSONAL:
        return PERSONAL[(source.id, column.name)]
    if column.names and "id_card" in source.column(column.names).checks:
        return "name"  # names a person, or a party that may be one (registry `names:`)
    k = kind(column)
    if k == "id_card":
        return "id"
    if k == "party_code" or (isinstance(column.check, ConditionalCheck) and "id_card" in column.check.cases.values()):
        return "party"
    if "mobile" in column.checks:
        return "mobile"
    return None


def masked(source: Source, column: Column, expr: str) -> str:
    """SQL for `expr` (a value of `column`) masked as the column requires."""
    mask = mask_kind(source, column)
    return f"{MACROS[mask]}({expr})" if mask else expr
