"""``python -m skgen``: the ``skgen`` command line."""

import sys

from skgen.cli import main

if __name__ == "__main__":
    sys.exit(main())
