"""Idle time: its causes, the idle-risk model and CP-SAT reallocation proposals.

A pure engine (dataclasses in, dataclasses out), like ``scheduling`` and ``simulation``.
The package imports nothing at import time so that the simulator can use ``causes``
without pulling in OR-Tools or numpy.
"""
