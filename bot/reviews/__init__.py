"""Reviews of a closed map: a snapshot of the map, re-rated stages and pain points marked resolved, still there or
worse (rules.py); what the map shows afterwards, compared with the snapshot (compare.py, read by the one map
model). Metrics per stage are bot/metrics.py."""
