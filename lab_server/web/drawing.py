"""``GET /drawing/<name>``: the kit drawing's browser files, for the kit page.

They are ``kitsdk.drawing``'s, the very files the student's kit view serves, so the teacher
sees a kit drawn as its student does and a fix to the drawing reaches both. Only the names in
``kitsdk.drawing.SERVED`` are handed out (the folder holds the package's Python too), with
the content type it gives and the caching of Flask's own static files (an ETag, and
``SEND_FILE_MAX_AGE_DEFAULT``). Like ``/static``, they need no login: they are the code of an
open package.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

from flask import Blueprint, abort, current_app, send_file

from kitsdk.drawing import FILES, SERVED

bp = Blueprint("drawing", __name__, url_prefix="/drawing")


@bp.get("/<name>")
def served(name: str) -> Any:
    if name not in SERVED:
        abort(404)
    data = (FILES / name).read_bytes()
    # send_file adds "; charset=utf-8" to a text type itself: give it the bare type
    return send_file(io.BytesIO(data), mimetype=SERVED[name].partition(";")[0],
                     etag=hashlib.sha256(data).hexdigest(), conditional=True,
                     max_age=current_app.get_send_file_max_age(name))
