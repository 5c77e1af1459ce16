"""Pictures to bytes and files, with Pillow (libjpeg-turbo encodes 640x480 in about 1 ms).

The real and the simulated camera both hand over RGB arrays and are saved by the same code,
so a photo from a laptop and one from a Pi are the same kind of file.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PIL import Image

from ..exc import BadValue

if TYPE_CHECKING:
    from .source import Frame

#: File endings ``save`` understands, and the Pillow format for each.
FORMATS: Final = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".bmp": "BMP"}


def check_quality(quality: int) -> int:
    """JPEG quality: 1 (small, blocky) to 95 (large, sharp); above 95 only grows the file."""
    if isinstance(quality, bool) or not isinstance(quality, int) or not 1 <= quality <= 95:
        raise BadValue(f"JPEG quality must be a whole number from 1 to 95, got {quality!r}",
                       hint="85 is a good photo, 70 a quick preview")
    return quality


def encode(frame: Frame, quality: int = 85, max_width: int | None = None) -> bytes:
    """``frame`` as JPEG bytes, first shrunk to ``max_width`` pixels wide if it is wider."""
    buffer = io.BytesIO()
    _image(frame, max_width).save(buffer, "JPEG", quality=check_quality(quality))
    return buffer.getvalue()


def save(frame: Frame, path: str | os.PathLike[str], quality: int = 90) -> Path:
    """Write ``frame`` to ``path``; its ending (.jpg, .png, .bmp) chooses the format."""
    target = Path(path)
    kind = FORMATS.get(target.suffix.lower())
    if kind is None:
        raise BadValue(f"cannot save a photo as {str(target)!r}: unknown file ending",
                       hint="end the name with .jpg (small files) or .png (exact pixels)")
    if not target.parent.is_dir():
        raise BadValue(f"cannot save {str(target)!r}: the folder {str(target.parent)!r} "
                       f"does not exist", hint="create the folder first, or pick another one")
    options = {"quality": check_quality(quality)} if kind == "JPEG" else {}
    _image(frame).save(target, kind, **options)
    return target


def _image(frame: Frame, max_width: int | None = None) -> Image.Image:
    image = Image.fromarray(frame)
    if max_width is None:
        return image
    if isinstance(max_width, bool) or not isinstance(max_width, int) or max_width < 16:
        raise BadValue(f"max_width must be a whole number of pixels, 16 or more, got {max_width!r}")
    factor = image.width // max_width
    if factor >= 2:
        image = image.reduce(factor)  # box average: fast and sharp enough for a preview
    if image.width > max_width:
        height = max(1, round(image.height * max_width / image.width))
        image = image.resize((max_width, height), Image.Resampling.BILINEAR)
    return image
