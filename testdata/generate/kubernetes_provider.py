"""Scenarios of testdata/providers/kubernetes/ (issue 11): Kubernetes (hashicorp/kubernetes). Registered in gen.py by one line.

Shared helpers of gen.py are imported inside the functions that use them (`gen = _gen()`):
gen.py imports this module, so a top-level import would be circular. Attribute sets follow the
provider's own resource schema.
"""


def _gen():
    import gen
    return gen


SCENARIOS = {}
