"""A failed dbt build as one exception that names its failing models and tests.

dbt's run results say node by node what failed; the task log and the failure notification
(conductor/notices.py) show the exception's message, so the message lists every node whose
status is error, fail or runtime error (warnings are not failures) with the line of dbt's
message that says why. Masked (govlake.pii.mask_text): a test's or a model's error may quote
a delivered value.

    failure = build_failure(result)        # result: transform.build_plan.build's dict
    if failure:
        raise failure
"""

from __future__ import annotations

import re

from govlake.pii import mask_text

FAILED_STATUSES = {"error", "fail", "runtime error"}
# dbt's first line of a node's error repeats the node ("Runtime Error in model stg_x (models/…)");
# the reason is on the next line
_NODE_HEADER = re.compile(r"^[\w ]*Error in \w+ \S+ \(.*\)$")


class DbtBuildFailed(RuntimeError):
    """The dbt build failed; `nodes` are the failing models and tests, each
    {"unique_id", "status", "reason"}, and `error` dbt's own exception when it had one."""

    def __init__(self, message: str, nodes: list[dict], error: str | None = None):
        super().__init__(message)
        self.nodes = nodes
        self.error = error


def node_reason(message: str | None) -> str:
    """The line of a node's dbt message that says why it failed, masked."""
    lines = [line.strip() for line in (message or "").splitlines() if line.strip()]
    if len(lines) > 1 and _NODE_HEADER.match(lines[0]):
        lines = lines[1:]
    return mask_text(lines[0]) if lines else "(no message)"


def build_failure(result: dict) -> DbtBuildFailed | None:
    """The exception a failed build raises, None after a successful one."""
    if result["success"]:
        return None
    nodes = [
        {"unique_id": p["unique_id"], "status": p["status"], "reason": node_reason(p.get("message"))}
        for p in result.get("problems") or []
        if p["status"] in FAILED_STATUSES
    ]
    counts = ", ".join(f"{n} {status}" for status, n in sorted((result.get("counts") or {}).items()))
    lines = [f"dbt build failed ({counts or 'no node ran'}): {len(nodes)} failing model(s)/test(s)"]
    if result.get("error"):
        lines.append(mask_text(result["error"]))
    lines += [f"{n['unique_id']} ({n['status']}): {n['reason']}" for n in nodes]
    return DbtBuildFailed("\n".join(lines), nodes, mask_text(result["error"]) if result.get("error") else None)
