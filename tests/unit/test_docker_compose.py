"""docker-compose.yml is a valid deployment description (no Docker engine here: we parse it).

Checks what `docker compose config` would reject: unknown top-level keys,
services without image/build, dependencies on missing services, undeclared
named volumes, malformed ports and interpolations, non-scalar environment values.
"""

import re

import pytest
import yaml

from tests.conftest import REPO

TOP_LEVEL = {"version", "name", "services", "networks", "volumes", "configs", "secrets", "include"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
RESTART = {"no", "always", "on-failure", "unless-stopped"}
AIRFLOW_COMMANDS = {("api-server",), ("scheduler",), ("dag-processor",), ("triggerer",), ("db", "migrate")}


@pytest.fixture(scope="module")
def compose():
    text = (REPO / "docker-compose.yml").read_text(encoding="utf-8")
    return text, yaml.safe_load(text)


def test_top_level_keys_are_compose_keys(compose):
    _, doc = compose
    extra = {k for k in doc if k not in TOP_LEVEL and not k.startswith("x-")}
    assert not extra


def test_every_service_has_an_image_or_build(compose):
    _, doc = compose
    for name, svc in doc["services"].items():
        assert "image" in svc or "build" in svc, name


def test_dependencies_name_existing_services_with_valid_conditions(compose):
    _, doc = compose
    services = doc["services"]
    for name, svc in services.items():
        deps = svc.get("depends_on", {})
        items = deps.items() if isinstance(deps, dict) else ((d, {}) for d in deps)
        for dep, spec in items:
            assert dep in services, f"{name} depends on unknown {dep}"
            assert spec.get("condition", "service_started") in CONDITIONS, f"{name} -> {dep}"
            if spec.get("condition") == "service_healthy":
                assert "healthcheck" in services[dep], f"{dep} has no healthcheck for {name} to wait on"


def test_named_volumes_are_declared(compose):
    _, doc = compose
    declared = set(doc.get("volumes") or {})
    for name, svc in doc["services"].items():
        for vol in svc.get("volumes", []):
            src = vol.split(":")[0]
            if not src.startswith((".", "/", "~", "$")):
                assert src in declared, f"{name} uses undeclared volume {src}"


def test_ports_environment_and_restart_are_well_formed(compose):
    _, doc = compose
    for name, svc in doc["services"].items():
        for port in svc.get("ports", []):
            assert isinstance(port, str) and re.fullmatch(r"(\d+:)?\d+(/(tcp|udp))?", port), (name, port)
        env = svc.get("environment", {})
        assert isinstance(env, dict), name
        for key, value in env.items():
            assert isinstance(value, (str, int, float, bool)) or value is None, (name, key)
        assert svc.get("restart", "no") in RESTART, name
        hc = svc.get("healthcheck")
        if hc:
            assert hc["test"][0] in ("CMD", "CMD-SHELL", "NONE"), name


def test_interpolations_are_well_formed(compose):
    text, _ = compose
    for m in re.finditer(r"\$\{([^}]*)\}", text):
        assert re.fullmatch(r"[A-Z_][A-Z0-9_]*((:?[-?+]).*)?", m.group(1)), m.group(0)
    assert text.count("${") == len(re.findall(r"\$\{[^}]*\}", text))


def test_airflow_services_run_the_airflow3_components(compose):
    _, doc = compose
    commands = {tuple(s["command"][1:]) for n, s in doc["services"].items() if n.startswith("airflow-")}
    assert commands == AIRFLOW_COMMANDS


def test_dockerfile_copies_only_what_exists():
    for line in (REPO / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert (REPO / src).exists(), src


def test_dockerfile_copies_every_package_of_the_wheel():
    import tomllib

    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["hatch"]["build"]["targets"]["wheel"][
        "packages"
    ]
    copied = {line.split()[1] for line in (REPO / "Dockerfile").read_text().splitlines() if line.startswith("COPY ")}
    assert set(packages) <= copied, f"packages the image lacks: {sorted(set(packages) - copied)}"
