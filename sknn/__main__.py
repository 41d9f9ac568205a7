"""``python -m sknn``: the same command line as the ``sknn`` script."""

import sys

from sknn._cli import main

if __name__ == "__main__":
    sys.exit(main())
