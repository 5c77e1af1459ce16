"""``python -m kitsdk.lessons check ID SCRIPT``: the ``kit lesson`` commands as a script.

So the kit agent can run a lesson check the way it runs any script (``kit run``), and its
child process forwards the check's progress to the lab: it runs this file with the
arguments ``check ID SCRIPT``.
"""

import sys

from kitsdk.cli import main

sys.exit(main(["lesson", *sys.argv[1:]]))
