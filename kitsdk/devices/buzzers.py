"""Buzzers: an active buzzer that beeps, and a tonal (passive) buzzer that plays notes."""

from __future__ import annotations

from typing import Any, ClassVar

import gpiozero

from ..exc import BadValue
from ..options import PIN, Option
from ..readings import Channel
from .base import KitDevice


class Buzzer(KitDevice, gpiozero.Buzzer):
    """An active buzzer: it sounds its own note while the pin is on.

    ::

        kit.buzzer.beep(0.1, 0.1, n=3)
        kit.buzzer.on()
    """

    is_output = True
    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin the buzzer's + leg is wired to"),
        "active_high": Option(bool, True, "false when the buzzer sounds with the pin low"),
        "initial_value": Option(bool, False, "true to start sounding"),
    }
    looks = "buzzer"
    channels = (Channel("on", "", "sounding (True) or quiet", attr="is_active"),)

    def look(self) -> dict[str, Any]:
        return {"tonal": False}


class TonalBuzzer(KitDevice, gpiozero.TonalBuzzer):
    """A passive buzzer that plays notes: ``kit.speaker.play("C4")``, ``play(440)``.

    ::

        for note in ["C4", "E4", "G4"]:
            kit.speaker.play(note)
            sleep(0.3)
        kit.speaker.stop()
    """

    is_output = True
    options: ClassVar = {
        "pin": Option(PIN, help="the GPIO pin the buzzer is wired to"),
        "octaves": Option(int, 1, "how many octaves around A4 it can play", min=1, max=4),
    }
    looks = "buzzer"
    channels = (Channel("pitch", "Hz", "the note's frequency, 0 when quiet"),)

    def look(self) -> dict[str, Any]:
        return {"tonal": True, "lowest": self.min_tone.frequency,
                "highest": self.max_tone.frequency}

    def play(self, tone: Any) -> None:
        """Play ``tone``: a note ("C4"), a frequency in Hz (440.0) or a MIDI number (60)."""
        try:
            gpiozero.TonalBuzzer.play(self, tone)
        except ValueError as exc:  # gpiozero's words for a note it cannot play
            raise BadValue(
                f"{self.describe()} cannot play {tone!r}: {exc}",
                hint=f"use a note from {self.min_tone.note} to {self.max_tone.note}, "
                     "e.g. \"A4\" or 440.0; the 'octaves' key widens the range",
            ) from exc

    @property
    def pitch(self) -> float:
        tone = self.tone
        return float(tone.frequency) if tone is not None else 0.0

    def stop(self) -> None:
        gpiozero.TonalBuzzer.stop(self)
