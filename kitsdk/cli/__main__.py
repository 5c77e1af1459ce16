"""``python -m kitsdk.cli``: the ``kit`` command, where its console script is not on the path
(and the file the kit agent runs for ``kit lesson check`` on a kit, so that the check's
progress reaches the lab)."""

import sys

from kitsdk.cli import main

sys.exit(main())
