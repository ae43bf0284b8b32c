"""What a synthesis produces. These pydantic models are also the JSON schemas the model must answer with."""

from __future__ import annotations

from pydantic import BaseModel, Field

MAX_TEXT = 400


class Cluster(BaseModel):
    statement: str = Field(max_length=MAX_TEXT, description="one statement saying what the merged lines say")
    item_ids: list[int] = Field(min_length=2, description="ids of the pain point lines that say the same thing")


class Clusters(BaseModel):
    clusters: list[Cluster]


class StageSummary(BaseModel):
    stage: str
    summary: str = Field(max_length=800, description="two or three sentences: what customers do and feel here")
    disagreement: str | None = Field(default=None, max_length=MAX_TEXT,
                                     description="where departments see this stage differently, if they do")


class StageSummaries(BaseModel):
    stages: list[StageSummary]


class Opportunity(BaseModel):
    how_might_we: str = Field(max_length=MAX_TEXT, description='a "How might we …?" question')
    pain_point_id: int | None = None


class DraftAction(BaseModel):
    text: str = Field(max_length=MAX_TEXT)
    pain_point_id: int | None = None


class Suggestions(BaseModel):
    opportunities: list[Opportunity]
    action_items: list[DraftAction]


class ValidationGuide(BaseModel):
    pain_point_id: int
    questions: list[str] = Field(min_length=3, max_length=5, description="open, non-leading interview questions")


class ValidationGuides(BaseModel):
    guides: list[ValidationGuide]


class LineKind(BaseModel):
    kind: str = Field(description="touchpoint, pain_point, opportunity or emotion")
    score: int | None = Field(default=None, ge=1, le=5, description="for an emotion: 1 very negative to 5 very positive")


class SynthesisResult(BaseModel):
    source: str  # model | basic
    model: str | None = None
    prompts: list[str] = []  # name@version of every prompt used
    note: str | None = None  # why the basic synthesis was used, when a model was meant to be
    clusters: list[Cluster] = []
    stages: list[StageSummary] = []
    opportunities: list[Opportunity] = []
    action_items: list[DraftAction] = []
    guides: list[ValidationGuide] = []
