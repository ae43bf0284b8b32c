"""Reminders (action items due and overdue, validation due, nudges, map reviews, digests): rows in the database,
sent exactly once at each person's morning.

- `schedule`: when a reminder falls due (9:00 in the recipient's time zone, never at night) and the rows every
  rule adds and cancels
- `dispatcher`: claims due rows, fences each post with its claim, never resends blindly
- `kinds`: each kind declared once (the rule that plans it, what it says, what follows once it is sent), and
  `make_dispatcher`, which gives them to the dispatcher
"""
