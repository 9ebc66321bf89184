"""Great Expectations imported in a process that also has pyspark (the Spark engine's package)."""

import subprocess
import sys

from tests.conftest import REPO

AFTER_IMPORT = """
from quality.gx_import import import_gx
gx = import_gx()
from great_expectations.compatibility import pyspark  # where GX probes for Spark Connect
print("still running")
"""


def test_a_python_c_process_goes_on_after_importing_great_expectations():
    # pyspark's Spark Connect check would call sys.exit(0) here, silently, in a `python -c`
    done = subprocess.run([sys.executable, "-c", AFTER_IMPORT], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("still running")
