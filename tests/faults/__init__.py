"""Fault tier: real processes killed, frozen, facing a slow or failing Slack; they count what was lost and doubled."""
