"""Who uses each resource: the share workflow's grants in force and open applications.

    uses = consumers(con, registry)   # code -> {"consumers": [...], "open_applications": n}

Read from the warehouse's sharing.* tables (the sharing stage writes them; stages talk through
the lake); {} for a lake where nobody applied yet. The site's resource pages and
`govlake catalog show` print them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from govlake.registry import Registry

SQL = Path(__file__).with_name("sql") / "consumers.sql"


def consumers(con, registry: Registry) -> dict[str, dict]:
    """resource code -> its consumers in force (with the department's name) and open applications."""
    has = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'sharing' "
        "AND table_name IN ('grants', 'applications')"
    ).fetchall()[0][0]
    if has < 2:
        return {}
    now = datetime.now(UTC).replace(tzinfo=None)
    cur = con.execute(SQL.read_text(encoding="utf-8"), [now])
    names = [d[0] for d in cur.description]
    out = {}
    for values in cur.fetchall():
        row = dict(zip(names, values))
        for c in row["consumers"]:
            dept = registry.departments.get(c["consumer"])
            c["consumer_name"] = dept.name if dept else c["consumer"]
        out[row["resource"]] = row
    return out
