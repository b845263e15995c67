"""The mutation benchmark's test command: ``contract certify`` of the bundled reference server,
as the mutant in the current folder has it, with the exit code and the time it took.

``mutation.py`` copies this file into its workspace and names it in the cosmic-ray session as
``python certify_mutant.py --seed=N``. The tool keeps only a test command's standard output, so
this puts certify's standard error there too, and adds one last line (:data:`MARK`) that the
report reads; the exit code is certify's, so cosmic-ray counts any exit but 0 as a kill.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence

MARK = "mutation-benchmark: contract certify exited"


def main(argv: Sequence[str]) -> int:
    """Certify, print :data:`MARK` with the exit code and seconds, exit as certify did."""
    started = time.monotonic()
    command = [sys.executable, "-m", "contract", "certify", *argv]
    code = subprocess.call(command, stderr=subprocess.STDOUT)
    print(f"{MARK} {code} after {time.monotonic() - started:.2f} s", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
