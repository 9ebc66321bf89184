"""Compare the tables one dbt build wrote on two engines: rows and an order-independent
checksum per table, both computed by DuckDB the same way on either side.

    from transform.engine_checksums import spark_relation, table_checksum
    table_checksum(con, "base.base_population__person")                    # the warehouse's
    table_checksum(con, spark_relation(lake, "base.base_population__person"))  # Spark's Parquet

Each row is reduced to its columns in name order, each as canonical text — numbers by
their value, timestamps as UTC instants, lists and structs by their text — and hashed;
the checksum is the sum of the row hashes, so row order (Spark writes parts in any order)
does not count, and every column and every duplicate row does.
"""

from __future__ import annotations

from dataclasses import dataclass

from govlake.settings import Lake


@dataclass(frozen=True)
class TableChecksum:
    rows: int
    checksum: int
    columns: tuple[str, ...]


def spark_dir(lake: Lake):
    """Spark's warehouse in the lake (profiles.yml, output `spark`)."""
    return lake.home / "spark" / "warehouse"


def spark_relation(lake: Lake, relation: str) -> str:
    """A DuckDB relation over the Parquet files of Spark's table `schema.table`."""
    schema, table = relation.split(".", 1)
    path = spark_dir(lake) / f"{schema}.db" / table
    if not path.is_dir():
        raise LookupError(f"{relation}: no such table in Spark's warehouse {spark_dir(lake)}")
    return f"read_parquet('{_quoted(str(path / '*.parquet'))}')"


def table_checksum(con, relation: str, skip: frozenset[str] = frozenset()) -> TableChecksum:
    """Rows and checksum of `relation` (a table name or a read_parquet(...) expression),
    leaving out the columns named in `skip`."""
    con.execute("set TimeZone = 'UTC'")
    described = con.execute(f"describe select * from {relation}").fetchall()
    columns = sorted((name, kind) for name, kind, *_ in described if name not in skip)
    texts = ", ".join(_canonical(f'"{name}"', kind) for name, kind in columns) or "1"
    rows, checksum = con.execute(f"select count(*), coalesce(sum(hash({texts})), 0) from {relation}").fetchall()[0]
    return TableChecksum(rows, int(checksum), tuple(name for name, _ in columns))


def library_checksums(con, skip: frozenset[str] = frozenset()) -> dict[str, TableChecksum]:
    """table_checksum of every base and theme table of the warehouse `con` is open on, by
    `schema.table`: what two builds of the same data must agree on."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('base', 'theme') order by all"
    ).fetchall()
    return {f"{schema}.{table}": table_checksum(con, f'"{schema}"."{table}"', skip) for schema, table in tables}


def _canonical(column: str, kind: str) -> str:
    """The column as text both engines' values agree on. DuckDB keeps a naive timestamp
    where Spark's is an instant, and the two type a decimal's result with different
    precision: the value is what must match, not the declared type."""
    kind = kind.upper()
    if kind.startswith(("STRUCT(", "TUPLE(")):
        # DuckDB's row(...) is an unnamed tuple where Spark's struct(...) names its fields:
        # fields compare by position
        fields = [_field_type(f) for f in _top_level_split(kind[kind.index("(") + 1 : -1])]
        parts = ", ".join(_canonical(f"struct_extract_at({column}, {i})", t) for i, t in enumerate(fields, 1))
        return f"cast(list_value({parts}) as varchar)"
    if kind.startswith("TIMESTAMP"):
        return f"cast(cast({column} as timestamp) as varchar)"
    if kind.startswith("DECIMAL") or kind in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"):
        return f"cast(cast({column} as decimal(38, 6)) as varchar)"
    return f"cast({column} as varchar)"


_TYPE_WORDS = (
    "STRUCT",
    "TUPLE",
    "TIMESTAMP",
    "VARCHAR",
    "DATE",
    "DECIMAL",
    "DOUBLE",
    "FLOAT",
    "BOOLEAN",
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "BLOB",
    "TIME",
    "INTERVAL",
    "MAP",
    "UUID",
)


def _field_type(field: str) -> str:
    """A struct field's type: 'TIMESTAMP' of an unnamed field, the rest of a named one."""
    field = field.strip()
    if field.startswith(_TYPE_WORDS):
        return field
    if field.startswith('"'):
        return field[field.index('"', 1) + 1 :].strip()
    return field.split(" ", 1)[1].strip()


def _top_level_split(text: str) -> list[str]:
    parts, depth, start, quoted = [], 0, 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch == "(":
            depth += 1
        elif not quoted and ch == ")":
            depth -= 1
        elif not quoted and ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return [*parts, text[start:]]


def _quoted(text: str) -> str:
    return text.replace("'", "''")
