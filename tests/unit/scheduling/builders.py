"""Terse builders for hand-written scheduling instances."""

from __future__ import annotations

from linewise.scheduling.model import Job, Mode, Operation


def op(*modes: tuple[str, int], **kwargs: object) -> Operation:
    return Operation(modes=tuple(Mode(r, d) for r, d in modes), **kwargs)  # type: ignore[arg-type]


def job(job_id: str, *ops: Operation, **kwargs: object) -> Job:
    return Job(job_id, tuple(ops), **kwargs)  # type: ignore[arg-type]
