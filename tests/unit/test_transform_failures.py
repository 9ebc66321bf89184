"""A failed dbt build's exception (transform/failures.py) names the failing nodes, not the warnings,
with the line of dbt's message that says why, masked."""

from govlake.pii import find_unmasked
from tests.work_order_lake import person_ids
from transform.failures import build_failure


def _result(problems: list[dict], success: bool = False) -> dict:
    return {"success": success, "counts": {"error": 1, "warn": 1, "success": 3}, "problems": problems, "error": None}


def test_a_successful_build_is_no_failure():
    assert build_failure(_result([], success=True)) is None


def test_a_failing_test_is_named_with_its_message_and_a_warning_is_not():
    failing = {"unique_id": "test.govlake.unique_stg_x_id.1a2b", "status": "fail", "message": "Got 2 results"}
    warning = {"unique_id": "test.govlake.not_null_stg_x_name.3c4d", "status": "warn", "message": "Got 1 result"}
    failure = build_failure(_result([failing, warning]))
    assert [n["unique_id"] for n in failure.nodes] == [failing["unique_id"]]
    assert f"{failing['unique_id']} (fail): Got 2 results" in str(failure)
    assert warning["unique_id"] not in str(failure)


def test_a_model_error_gives_the_line_after_dbts_header_masked():
    (pid,) = person_ids(1, seed=17)
    message = (
        "Runtime Error in model stg_x (models/staging/stg_x.sql)\n"
        f"  Conversion Error: Could not convert string '{pid}' to DATE\n  LINE 3: ..."
    )
    failure = build_failure(_result([{"unique_id": "model.govlake.stg_x", "status": "error", "message": message}]))
    (node,) = failure.nodes
    assert node["reason"].startswith("Conversion Error: Could not convert string '")
    assert pid not in str(failure) and not find_unmasked(str(failure))
