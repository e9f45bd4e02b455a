"""The unit of work: one transaction per request or job, committed at its boundary.

Handlers and services change objects and may ``flush`` (to get ids, bumped versions or a
constraint error early); only the boundary commits: after the handler succeeded, or rolls
back when it raised. Domain events appended to the session during the work are published
after the commit and dropped on rollback (see core/events.py).
"""

from __future__ import annotations

from linewise.core.db import session_scope

# One implementation (core/db.session_scope); this is the name the request and job
# boundaries use.
unit_of_work = session_scope
