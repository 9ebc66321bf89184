"""The .sql files under quality/sql: Jinja templates rendered with facts from the registry.

Macro files (identifiers, text, masking) are run on the quality connection as temporary
DuckDB macros; rule files are fragments that quality/rules.yaml names. Rendering is the one
place where registry facts (code tables, county names) and dbt settings (absent tokens)
enter SQL, so no list is typed twice.

The check-digit algorithms and text cleaning are not written here: the templates call the dbt
project's macros (dbt_project/macros/identifiers/, typing/clean_text.sql; `govlake.<macro>` as
in dbt), which `dbt_macros()` loads into a plain Jinja environment - one SQL definition for dbt
and quality.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import duckdb
import jinja2
import yaml

from govlake.identifiers import INDUSTRY_SECTIONS
from govlake.registry import Registry
from govlake.settings import DBT_PROJECT

SQL_DIR = Path(__file__).parent / "sql"
MACRO_FILES = ("text.sql", "identifiers.sql", "masking.sql")


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(SQL_DIR), undefined=jinja2.StrictUndefined, keep_trailing_newline=True
)


# the dbt macro files quality renders (paths under dbt_project/macros), and what they need
# of dbt: `govlake.<macro>`, `adapter.dispatch` (the duckdb__ version, else default__), `return`
DBT_MACRO_FILES = (
    "identifiers/_char_value.sql",
    "identifiers/id_card.sql",
    "identifiers/uscc.sql",
    "identifiers/licence_id.sql",
    "identifiers/patent_no.sql",
    "typing/clean_text.sql",
    "cross_db/regex_full_match.sql",
    "cross_db/try_cast.sql",
    "cross_db/strip_blanks.sql",
)


class _DbtMacros:
    """The macros of DBT_MACRO_FILES by name, as dbt's `govlake` namespace offers them."""

    def __init__(self) -> None:
        self._macros: dict[str, jinja2.runtime.Macro] = {}

    def load(self, env: jinja2.Environment) -> None:
        """Define the macros of DBT_MACRO_FILES; `env` must already offer this object as
        `govlake` and `adapter`, since the macros call each other through them."""
        for name in DBT_MACRO_FILES:
            template = env.get_template(name)
            context = template.new_context()
            for _ in template.root_render_func(context):  # defines the file's macros, _private ones too
                pass
            self._macros.update({k: v for k, v in context.vars.items() if isinstance(v, jinja2.runtime.Macro)})

    def __getattr__(self, name: str):
        try:
            return self._macros[name]
        except KeyError:
            raise AttributeError(f"dbt macro {name!r} is not in quality.sqlfiles.DBT_MACRO_FILES") from None

    def dispatch(self, name: str, namespace: str = "govlake"):
        return self._macros.get(f"duckdb__{name}") or self._macros[f"default__{name}"]


@lru_cache(maxsize=1)
def dbt_macros() -> _DbtMacros:
    """dbt_project's identifier macros, rendered as dbt-duckdb renders them."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(DBT_PROJECT / "macros"),
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.do"],
    )
    macros = _DbtMacros()
    env.globals.update(
        {"govlake": macros, "adapter": macros, "return": lambda value: value, "var": lambda name: dbt_vars()[name]}
    )
    macros.load(env)
    return macros


def sql_literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


@lru_cache(maxsize=1)
def dbt_vars() -> dict:
    return yaml.safe_load((DBT_PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


def macro_context(registry: Registry) -> dict:
    counties = sorted({r.name for r in registry.city.regions if r.level == "county"}, key=len, reverse=True)
    return {
        "industry_sections": INDUSTRY_SECTIONS,
        "county_pattern": "|".join(re.escape(c) for c in counties).replace("'", "''"),
        "govlake": dbt_macros(),
    }


def render(name: str, **context) -> str:
    return _env.get_template(name).render(**context)


def render_string(text: str, **context) -> str:
    return _env.from_string(text).render(**context)


def statements(sql: str) -> list[str]:
    """Split a macro file on ';' at line ends (the files keep ';' out of literals)."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    return [s.strip() for s in re.split(r";\s*\n", body) if s.strip()]


def install_macros(con: duckdb.DuckDBPyConnection, registry: Registry) -> None:
    """Create the quality macros as temporary macros of this connection."""
    context = macro_context(registry)
    for name in MACRO_FILES:
        for stmt in statements(render(name, **context)):
            con.execute(stmt)
