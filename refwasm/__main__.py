"""``python -m refwasm``: the same as the ``refwasm`` command."""

import sys

from refwasm.cli import main

sys.exit(main())
