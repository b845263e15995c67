"""The run: the engine that certifies an install. It sends (client, retries, pacing),
decides which cases to send (coverage, Hypothesis, controls), judges what came back
(the certifier, with :mod:`contract.checks`), and puts the contact back afterwards.

It knows nothing of pytest's hooks or of how a verdict is written out: the plugin drives
it, and the report wing writes what it found. Nor does it know whether it records or
replays: it plays through a tape (:mod:`contract.run.tape`), which the recording wing
implements.
"""
