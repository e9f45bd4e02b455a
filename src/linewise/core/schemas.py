"""The base of every response model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ResponseModel(BaseModel):
    """A route's answer, field by field.

    Extra keys are refused rather than dropped: a builder that returns a key its model
    does not declare fails loudly (in the tests) instead of silently hiding it from the
    API, so the OpenAPI document, and the UI types generated from it, stay the truth.
    """

    model_config = ConfigDict(extra="forbid")
