"""Schemathesis hooks for the contract test (loaded by the CLI through SCHEMATHESIS_HOOKS).

Each hook keeps the run meaningful rather than hiding a defect; each says why.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

# The signed-in user the run acts as (set by the test): it must stay signed in and keep
# its role for the whole run, or every later request tests only the 401/403 path.
OWN_USER_ID = os.environ.get("LINEWISE_CONTRACT_USER_ID", "")
# A solve is CPU-bound in the background for up to its time limit (at most an hour) with
# up to 16 workers: on a small test machine one generated run would starve the server
# and every request after it. One second proves the route; the planner has tests of its own.
SOLVE_LIMIT_S = 1.0


@schemathesis.hook
def filter_case(context: Any, case: Any) -> bool:
    # Signing out would end the run's session (and POST /auth/logout is excluded by the
    # test for that reason); changing or disabling the run's own account likewise.
    if OWN_USER_ID and case.method.upper() == "PATCH" and case.path == "/api/v1/users/{user_id}":
        return str(case.path_parameters.get("user_id")) != OWN_USER_ID
    return True


SOLVES = frozenset({"/api/v1/schedules", "/api/v1/scenarios/{scenario_id}/solve"})


@schemathesis.hook
def map_body(context: Any, body: Any) -> Any:
    if not isinstance(body, dict) or context.operation is None:
        return body
    if context.operation.path not in SOLVES:
        return body
    body = dict(body)
    limit = body.get("time_limit_s", 10.0)
    if isinstance(limit, int | float) and not isinstance(limit, bool) and limit > SOLVE_LIMIT_S:
        body["time_limit_s"] = SOLVE_LIMIT_S
    workers = body.get("num_workers")
    if isinstance(workers, int) and not isinstance(workers, bool) and workers > 1:
        body["num_workers"] = 1
    return body
