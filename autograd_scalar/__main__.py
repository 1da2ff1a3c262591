"""``python -m autograd_scalar``: the same command line as ``autograd-scalar``."""

import sys

from autograd_scalar.app.cli import main

sys.exit(main())
