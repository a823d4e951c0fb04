"""Scenarios of testdata/providers/aws/identity/ (issue 10). Registered in gen.py by one line.

Shared helpers of gen.py (trail_stack, role_policy, ...) are imported inside the functions that
use them (`gen = _gen()`): gen.py imports this module, so a top-level import would be circular.
"""

from tfplan import (ACCOUNT, AWS, REGION, SAME, U, C, E, R, Output, Plan, Res, dumps)  # noqa: F401
import aws  # noqa: F401


def _gen():
    import gen
    return gen


# "providers/aws/identity/NAME.json": function returning a Plan
SCENARIOS = {}
