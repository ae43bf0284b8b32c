"""Thin Bolt listeners and the steps that process what they stored, one module per feature; each has
`register(app, services)` for its buttons and forms, and the `/journey` subcommands it handles are named in the
table in bot/commands.py.

- `commands`: the `/journey` listener and its dispatch from the table
- `workshop`: new, next, status, dept, stages, templates, nudge, close; the `/journey new` form
- `intake`: the HTTP front door's share: events, the slash command and clicks stored right after the signature check
- `replies`: thread replies, ratings, classifying lines
- `maps`: vote, map, export; the ballot's Vote buttons
- `followups`: action, actions, validate; their buttons and forms
- `digests`: digest
- `synthesis`: synthesize, ai; the synthesis message's buttons
- `outbox`: Slack calls shared by handlers, which hand back to the worker what must be stored
- `common`: the durable listener, buttons, forms, answering people
"""
