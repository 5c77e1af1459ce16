"""The kit's drawing: the browser files that draw a kit from its description, live.

``kitview.js`` (``KitDrawing.create(container, description, options)``) and
``kitview.css``, plain files with no build step. One drawing, two pages: the student's kit
view (``kitsdk.view``) and the teacher's kit page in the lab server, which serves these
same files (so it imports this package, and nothing else of kitsdk's but the schema).
``controls.js`` (the controls for simulated inputs) and ``world.js`` (the simulated rover's
floor) are the interactive view's only, loaded after ``kitview.js``; the lab's read-only kit
page, which has no world, loads neither.
The description is ``kitsdk.telemetry.parts``; the contract is in ``docs/view.md``.
"""

from __future__ import annotations

from importlib import resources
from importlib.abc import Traversable
from typing import Final

#: The folder that holds the drawing's files.
FILES: Final[Traversable] = resources.files(__package__)
#: Its files by name, and their content types: all a server may hand out from ``FILES``.
SERVED: Final = {"kitview.js": "text/javascript; charset=utf-8",
                 "controls.js": "text/javascript; charset=utf-8",
                 "world.js": "text/javascript; charset=utf-8",
                 "kitview.css": "text/css; charset=utf-8"}

__all__ = ["FILES", "SERVED"]
