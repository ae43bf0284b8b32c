"""Choosing the synthesis: the model when a key is set and the workshop allows it, else (or when the model
fails) the basic one, saying plainly which it is and why."""

from __future__ import annotations

import logging

from bot.config import Settings
from bot.synthesis import basic
from bot.synthesis.prompts import Prompt
from bot.synthesis.schemas import SynthesisResult

log = logging.getLogger(__name__)

NO_KEY = "No model is configured (set OPENAI_API_KEY to enable one), so this is the basic synthesis."
AI_OFF = "AI is switched off for this workshop (`/journey ai on` enables it), so this is the basic synthesis."


def model_for(settings: Settings, prompts: dict[str, Prompt]):
    key = settings.secret("openai_api_key")
    if not key:
        return None
    from bot.synthesis.llm import ModelSynthesizer

    return ModelSynthesizer(api_key=key, base_url=settings.openai_base_url, model=settings.openai_model,
                            timeout=settings.openai_timeout_seconds, prompts=prompts)


def synthesize(data: dict, *, model, ai_enabled: bool) -> SynthesisResult:
    if model is None:
        return basic.synthesize(data, note=NO_KEY)
    if not ai_enabled:
        return basic.synthesize(data, note=AI_OFF)
    from bot.synthesis.llm import ModelFailed

    try:
        return model.synthesize(data)
    except ModelFailed as e:
        log.warning("model synthesis failed (%s); using the basic synthesis", e.reason)
        return basic.synthesize(data, note=f"The model couldn't be used ({e.reason}), so this is the basic "
                                           "synthesis. Nothing in the workshop was changed.")
