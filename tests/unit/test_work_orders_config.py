"""quality/work_orders.yaml is checked when loaded: an error names the file and the key."""

from __future__ import annotations

import pytest
import yaml

from quality.work_orders import CONFIG_PATH, WorkOrderConfigError, load_config


def _with(tmp_path, change):
    config = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))
    change(config)
    path = tmp_path / "work_orders.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def test_the_shipped_configuration_gives_every_severity_its_due_days():
    config = load_config()
    assert set(config.due_days) == {"blocking", "warning"}
    assert config.due_days["blocking"] < config.due_days["warning"]


def test_a_severity_without_due_days_is_named(tmp_path):
    path = _with(tmp_path, lambda c: c["due_days"].pop("warning"))
    with pytest.raises(WorkOrderConfigError, match=r"work_orders.yaml: due_days.warning: missing"):
        load_config(path)


def test_an_unknown_severity_is_named(tmp_path):
    path = _with(tmp_path, lambda c: c["due_days"].update(urgent=1))
    with pytest.raises(WorkOrderConfigError, match=r"due_days.urgent: unknown severity"):
        load_config(path)


def test_due_days_that_are_not_a_positive_whole_number_are_named(tmp_path):
    path = _with(tmp_path, lambda c: c["due_days"].update(blocking="five"))
    with pytest.raises(WorkOrderConfigError, match=r"due_days.blocking: must be a whole number of at least 1"):
        load_config(path)


def test_a_status_without_its_english_name_is_named(tmp_path):
    path = _with(tmp_path, lambda c: c["statuses"][1].pop("en"))
    with pytest.raises(WorkOrderConfigError, match=r"statuses\[1\]: must have a non-empty zh and en"):
        load_config(path)


def test_a_status_named_twice_is_refused(tmp_path):
    path = _with(tmp_path, lambda c: c["statuses"].append({"zh": "已整改", "en": "done"}))
    with pytest.raises(WorkOrderConfigError, match=r"statuses: each zh and en name must be used once"):
        load_config(path)


def test_an_owner_template_with_an_unknown_field_is_named(tmp_path):
    path = _with(tmp_path, lambda c: c.update(default_owner="{boss}"))
    with pytest.raises(WorkOrderConfigError, match=r"default_owner: may use only \{name\} and \{code\}"):
        load_config(path)


def test_a_missing_import_limit_is_named(tmp_path):
    path = _with(tmp_path, lambda c: c["import_limits"].pop("max_file_bytes"))
    with pytest.raises(WorkOrderConfigError, match=r"import_limits.max_file_bytes: must be a whole number"):
        load_config(path)
