"""The lesson board's page as the tests read it: its rows, by their test hooks."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class Rows(HTMLParser):
    """The board's rows: ``{kit: {"stuck": ..., "cells": {step: state}}}``, in order."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.rows: dict[str, dict[str, Any]] = {}
        self._row: dict[str, Any] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "tr" and "data-kit" in attributes:
            self._row = self.rows[str(attributes["data-kit"])] = {
                "stuck": attributes["data-stuck"], "cells": {}}
        elif tag == "td" and "data-state" in attributes and self._row is not None:
            self._row["cells"][int(str(attributes["data-step"]))] = attributes["data-state"]
