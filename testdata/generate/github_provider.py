"""Scenarios of testdata/providers/github/ (issue 11): GitHub (integrations/github). Registered in gen.py by one line.

Shared helpers of gen.py are imported inside the functions that use them (`gen = _gen()`):
gen.py imports this module, so a top-level import would be circular. Attribute sets follow the
provider's own resource schema.
"""


def _gen():
    import gen
    return gen


SCENARIOS = {}
