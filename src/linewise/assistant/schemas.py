"""The assistant's request and answer shapes."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from linewise.core.schemas import ResponseModel


class MentionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(max_length=20)
    id: int = Field(ge=0, le=2_147_483_647)
    code: str = Field(max_length=200)


class WhenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrase: str = Field("", max_length=80)
    days_ago: int | None = Field(None, ge=0, le=3660)
    weekday: int | None = Field(None, ge=0, le=6)
    weeks_ago: int | None = Field(None, ge=0, le=520)
    shift: Literal["current", "previous"] | None = None
    days: int | None = Field(None, ge=1, le=31)
    on: date | None = Field(None, ge=date(1970, 1, 1), le=date(9998, 12, 31))


class ContextIn(BaseModel):
    """What an answer's ``context`` holds, sent back unchanged with a follow-up."""

    model_config = ConfigDict(extra="forbid")
    intent: str | None = Field(None, max_length=60)
    mentions: list[MentionIn] = Field(default_factory=list, max_length=20)
    when: WhenIn | None = None


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=500)
    context: ContextIn | None = Field(
        None, description="the previous answer's context, for follow-ups such as 'and yesterday?'"
    )


class Wording(ResponseModel):
    by: Literal["model", "template"] = Field(
        description="model: the language model worded it; template: the offline wording"
    )
    model: str = Field(description="the language model configured")
    fallback: str | None = Field(
        description="why the offline answer was given instead of the model's (null: it was not)"
    )


class AnswerOut(ResponseModel):
    text: str = Field(description="the answer in words; every number in it comes from `facts`")
    abstained: bool = Field(description="true: the data cannot answer this (the text says why)")
    intent: str | None
    tool: str | None
    arguments: dict[str, Any]
    facts: dict[str, Any] | None = Field(description="what the tool returned")
    source: str | None = Field(description="the API route the figures come from")
    link: str | None = Field(description="the page that shows and explains them")
    window: str | None = Field(description="the time window, in the site's time zone")
    context: dict[str, Any] = Field(description="send back with the next question")
    wording: Wording | None = Field(
        None, description="who worded the answer, when a language model is configured"
    )
    elapsed_ms: float


class ToolOut(ResponseModel):
    name: str
    description: str
    permission: str
    input_schema: dict[str, Any]


class ToolResultOut(ResponseModel):
    facts: dict[str, Any]
    source: str
    link: str | None
    window: str | None
