"""The workshop's rules, one module per concern. Each service takes a session (the caller's transaction) and
`now`; none talks to Slack. A service returns a plain value describing what happened, or raises `Refusal` with a
message for the person, before anything is written.

- `access`: who may do what: `Refusal`, the channel's workshop, the one facilitator check
- `flow`: starting a workshop, moving it on step by step, its stages, closing it
- `departments`: which department each person answers for
- `replies`: a reply in a prompt's thread becomes items (parse, record, edit, delete, classify) and ratings
- `status`: where a workshop stands, and the tallies the status, the export and the digest share
- `nudges`: the workshop's reminders: nudges for who hasn't answered, map reviews after closing
"""
