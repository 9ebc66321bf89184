"""The environment Airflow runs in for a lake (conductor/airflow_env.py)."""

import os
import sys

from conductor.airflow_env import DAGS_FOLDER, airflow_environ
from govlake.settings import Lake


def test_airflow_runs_from_the_lake_s_airflow_home_with_the_project_s_dags(tmp_path):
    lake = Lake(tmp_path / "lake")
    env = airflow_environ(lake, base={})
    assert env["AIRFLOW_HOME"] == str(lake.airflow_home) and lake.airflow_home.is_dir()
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == str(DAGS_FOLDER)
    assert env["GOVLAKE_HOME"] == str(lake.home)


def test_airflow_s_own_child_commands_are_found_in_this_environment_when_it_is_not_activated(tmp_path):
    # `airflow standalone` starts `airflow scheduler` etc. by name from PATH
    env = airflow_environ(Lake(tmp_path / "lake"), base={"PATH": "/usr/bin:/bin"})
    assert env["PATH"].split(os.pathsep) == [os.path.dirname(sys.executable), "/usr/bin", "/bin"]
