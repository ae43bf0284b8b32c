"""Every action_id, callback_id and block_id: shared by the block builders and the handlers."""

# Stage prompt: 1–5 emotion buttons; the action id ends with the score ("emotion_rate_4").
EMOTION_RATE = "emotion_rate"
EMOTION_RATE_PATTERN = r"^emotion_rate_[1-5]$"

# Ephemeral question for a line with no known prefix, and the one-click correction of a line the model filed;
# the action id ends with the kind ("classify_pain_point"), the value is the item id.
CLASSIFY = "classify"
CLASSIFY_PATTERN = r"^classify_(touchpoint|pain_point|opportunity)$"

# The `/journey new` modal.
NEW_WORKSHOP_VIEW = "new_workshop"
NEW_TITLE_BLOCK = "title"
NEW_TITLE_INPUT = "title_input"
NEW_OBJECTIVE_BLOCK = "objective"
NEW_OBJECTIVE_INPUT = "objective_input"
NEW_TEMPLATE_BLOCK = "template"
NEW_TEMPLATE_INPUT = "template_input"

# "Set my department": a button on the department hint, and its form (for people who can't use the slash command,
# such as a partner organisation's people in a Slack Connect channel, where our app isn't installed).
DEPT_OPEN = "department_open"
DEPT_VIEW = "department"
DEPT_BLOCK, DEPT_INPUT = "department", "department_input"

# A ballot's Vote button (the value is the pain point's item id).
VOTE = "vote_pain_point"
VOTE_MERGE_FIRST = "vote_merge_first"  # merge the near-duplicates a vote found, then open it
VOTE_AS_IS = "vote_as_is"

# `/journey export` with no format: which one (the action id ends with it, "export_format_csv").
EXPORT_FORMAT = "export_format"
EXPORT_FORMAT_PATTERN = r"^export_format_(json|csv|md)$"

# Buttons on any message showing an action item (the value is the action item's id).
ACTION_CHANGE = "action_change"
ACTION_CHANGE_PATTERN = r"^action_change_(done|drop|snooze_day|snooze_week|reopen)$"

# The `/journey action` modal.
NEW_ACTION_VIEW = "new_action"
ACTION_OWNER_BLOCK, ACTION_OWNER_INPUT = "owner", "owner_input"
ACTION_TEXT_BLOCK, ACTION_TEXT_INPUT = "text", "text_input"
ACTION_DUE_BLOCK, ACTION_DUE_INPUT = "due", "due_input"
ACTION_PAIN_BLOCK, ACTION_PAIN_INPUT = "pain", "pain_input"

# Validation outcome buttons (the value is the task id) and the evidence form.
VALIDATION_OUTCOME = "validation_outcome"
VALIDATION_OUTCOME_PATTERN = r"^validation_outcome_(confirmed|partly|not_confirmed)$"
VALIDATION_VIEW = "validation_evidence"
EVIDENCE_CUSTOMERS_BLOCK, EVIDENCE_CUSTOMERS_INPUT = "customers", "customers_input"
EVIDENCE_NOTE_BLOCK, EVIDENCE_NOTE_INPUT = "note", "note_input"

# The synthesis message: undo a merge, accept or dismiss a draft action item (value "<synthesis id>:<index>").
SYNTH_UNDO = "synthesis_undo_merge"
SYNTH_ACCEPT = "synthesis_accept_action"
SYNTH_DISMISS = "synthesis_dismiss_action"

# `/journey opportunities`: a Rate button per opportunity (the value is its item id), and the form it opens.
OPPORTUNITY_RATE = "opportunity_rate"
OPPORTUNITY_VIEW = "opportunity_rating"
OPPORTUNITY_VALUE_BLOCK, OPPORTUNITY_VALUE_INPUT = "value", "value_input"
OPPORTUNITY_EFFORT_BLOCK, OPPORTUNITY_EFFORT_INPUT = "effort", "effort_input"
OPPORTUNITY_OWNER_BLOCK, OPPORTUNITY_OWNER_INPUT = "owner", "owner_input"

# "Add to journey map": the message shortcut (its callback_id, declared in manifest.yml) and the form it opens.
ADD_TO_MAP_SHORTCUT = "add_to_journey_map"
ADD_TO_MAP_LOADING_VIEW = "add_to_map_loading"  # shown while the bot looks the message and the workshops up
ADD_TO_MAP_VIEW = "add_to_map"
ADD_TO_MAP_SOURCE_BLOCK = "add_to_map_source"
ADD_TO_MAP_TEXT_BLOCK, ADD_TO_MAP_TEXT_INPUT = "add_to_map_text", "add_to_map_text_input"
ADD_TO_MAP_WORKSHOP_BLOCK, ADD_TO_MAP_WORKSHOP_INPUT = "add_to_map_workshop", "add_to_map_workshop_input"
ADD_TO_MAP_KIND_BLOCK, ADD_TO_MAP_KIND_INPUT = "add_to_map_kind", "add_to_map_kind_input"
ADD_TO_MAP_STAGE_BLOCK, ADD_TO_MAP_STAGE_INPUT = "add_to_map_stage", "add_to_map_stage_input"
ADD_TO_MAP_PAIN_BLOCK, ADD_TO_MAP_PAIN_INPUT = "add_to_map_pain", "add_to_map_pain_input"

# Reviews of a closed map. The review reminder's button (value "<workshop id>:<reminder id>") opens one; the
# review's 1–5 buttons re-rate a stage ("review_rate_4", value "<review id>:<stage id>"), its pain point buttons
# answer about one ("review_mark_resolved", value "<review id>:<number>"); a button opens the form to add a pain
# point that has come up since (value: the review id).
REVIEW_START = "review_start"
REVIEW_RATE = "review_rate"
REVIEW_RATE_PATTERN = r"^review_rate_[1-5]$"
REVIEW_MARK = "review_mark"
REVIEW_MARK_PATTERN = r"^review_mark_(resolved|still|worse)$"
REVIEW_ADD_PAIN = "review_add_pain"
REVIEW_PAIN_VIEW = "review_pain"
REVIEW_PAIN_STAGE_BLOCK, REVIEW_PAIN_STAGE_INPUT = "review_pain_stage", "review_pain_stage_input"
REVIEW_PAIN_TEXT_BLOCK, REVIEW_PAIN_TEXT_INPUT = "review_pain_text", "review_pain_text_input"

# The `/journey metric` form (no arguments).
METRIC_VIEW = "metric"
METRIC_STAGE_BLOCK, METRIC_STAGE_INPUT = "metric_stage", "metric_stage_input"
METRIC_NAME_BLOCK, METRIC_NAME_INPUT = "metric_name", "metric_name_input"
METRIC_VALUE_BLOCK, METRIC_VALUE_INPUT = "metric_value", "metric_value_input"
