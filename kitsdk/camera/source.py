"""The contract between the ``Camera`` device and a camera backend.

The real camera (``picam.PicameraSource``) and the simulated one (``sim.SimSource``) both meet
it, so everything a lesson does with pictures is written once, on top of ``read()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    #: A picture: shape (height, width, 3), red, green, blue, 0 to 255.
    Frame = NDArray[np.uint8]


class FrameSource(Protocol):
    """Where pictures come from."""

    #: (width, height) of the frames ``read()`` returns, as the camera delivers them.
    size: tuple[int, int]

    def read(self) -> Frame:
        """The next picture, as a new array the caller may change."""
        ...

    def close(self) -> None:
        """Let go of the camera; safe to call twice."""
        ...
