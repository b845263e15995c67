"""Record a certification run and replay it offline.

A recording is a JSON Lines file (see :mod:`contract.recording.lines`): every exchange of
the run over both transports, with the test, requirement and case it belonged to, and the
values each case drew, each line written as what it adds to the lines above it (see
:mod:`contract.recording.compact`), gzip-compressed when the file's name ends in ``.gz``.
Credentials, cookies and the target's host are redacted before a line is written. A replay
answers the suite's requests from the file through ``responses`` and feeds each test the
recorded cases, so the checks run unchanged and offline. :class:`Recorder` and
:class:`Replayer` are the tapes a run plays through (:class:`contract.run.tape.Tape`);
:func:`contract.recording.tapes.open_tape` picks one from the run's settings.
"""

from __future__ import annotations

from contract.recording.lines import InvalidRecording, RecordedCase, Recording, load, read_header
from contract.recording.recorder import Recorder, header, merge, part_path
from contract.recording.redaction import REDACTED, Redactor
from contract.recording.replayer import REPLAY_HOST, NotInRecording, Replayer

__all__ = [
    "REDACTED",
    "REPLAY_HOST",
    "InvalidRecording",
    "NotInRecording",
    "RecordedCase",
    "Recorder",
    "Recording",
    "Redactor",
    "Replayer",
    "header",
    "load",
    "merge",
    "part_path",
    "read_header",
]
