"""Synthesis of a workshop's answers: duplicate pain points merged, stage summaries, opportunities, draft action
items and customer-validation interview guides. Two implementations behind one result type: the model-backed one
(OpenAI client, prompts in prompts/) and the basic one that needs nothing."""
