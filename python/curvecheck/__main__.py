"""`curvecheck ...` and `python -m curvecheck ...`: the Rust CLI, run in-process (same flags, same exit codes)."""

import signal
import sys
from typing import List, Optional

from . import _native


def main(argv: Optional[List[str]] = None) -> int:
    """Runs the command line (``sys.argv[1:]`` by default) and exits with its code."""
    args = sys.argv[1:] if argv is None else argv
    if argv is None:
        # The process is the command's: Ctrl-C ends it as it ends the Rust binary (Python's own
        # handler would only run once the Rust code returned).
        signal.signal(signal.SIGINT, signal.SIG_DFL)
    # The CLI writes to the process's stdout directly: what Python buffered goes first.
    sys.stdout.flush()
    sys.stderr.flush()
    code = _native.cli_main(["curvecheck", *args])
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
