"""A small model of `terraform show -json` plan output (format 1.2, Terraform 1.9; and the
0.1 format of Terraform 0.12), used by gen.py to write foureyes' fixtures.

Only the Python standard library is used. Everything here is deterministic: the same
scenario description always produces byte-identical JSON.

How Terraform derives the redundant parts of a plan, and how this module mirrors it
(internal/command/jsonplan, jsonstate and jsonconfig in hashicorp/terraform):

* `after` omits unknown attributes; inside lists an unknown element becomes null.
* `after_unknown` is `{}` when `after` is wholly known; otherwise the value with `true` at
  each unknown leaf, `false` leaves dropped from objects (kept in lists), `[]`/`{}` kept.
* `before_sensitive`/`after_sensitive` are `false` for a null object (create/delete),
  otherwise `true` at each sensitive path, `false` dropped from objects, and an unknown
  list/map rendered as `[]`/`{}`.
* `planned_values` holds every resource instance of the plan except deletions, with
  unknown values omitted; `prior_state` holds the refreshed state (managed resources that
  exist before the change, and data sources that were read while planning).
* `relevant_attributes` lists the resource attributes referenced (directly or through the
  referenced resources' own configuration) by resources and outputs that change.
"""

import hashlib
import json
import re

ACCOUNT = "111122223333"
REGION = "eu-west-1"
TF_VERSION = "1.9.5"
AWS = "registry.terraform.io/hashicorp/aws"


# ---------------------------------------------------------------------------------------
# Unknown values. The kind matters for `*_sensitive`: an unknown list renders as [] and an
# unknown map/object as {} there, an unknown primitive as false.
class Unknown:
    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return "U" + self.kind


U = Unknown("")  # unknown primitive (string, number, bool)
UL = Unknown("l")  # unknown list or set
UM = Unknown("m")  # unknown map or object

SAME = object()  # `after=SAME`: the object does not change (no-op)


def is_unknown(v):
    return isinstance(v, Unknown)


def has_unknown(v):
    if is_unknown(v):
        return True
    if isinstance(v, dict):
        return any(has_unknown(x) for x in v.values())
    if isinstance(v, list):
        return any(has_unknown(x) for x in v)
    return False


def omit_unknowns(v):
    if isinstance(v, dict):
        return {k: omit_unknowns(x) for k, x in v.items() if not is_unknown(x)}
    if isinstance(v, list):
        return [None if is_unknown(x) else omit_unknowns(x) for x in v]
    return v


def unknown_as_bool(v):
    if is_unknown(v):
        return True
    if v is None:
        return False
    if isinstance(v, list):
        return [unknown_as_bool(x) for x in v]
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            b = unknown_as_bool(x)
            if b is not False:
                out[k] = b
        return out
    return False


def sensitive_as_bool(v, marks, path=()):
    if path in marks:
        return True
    if is_unknown(v):
        return [] if v.kind == "l" else ({} if v.kind == "m" else False)
    if v is None:
        return False
    if isinstance(v, list):
        return [sensitive_as_bool(x, marks, path + (i,)) for i, x in enumerate(v)]
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            b = sensitive_as_bool(x, marks, path + (k,))
            if b is not False:
                out[k] = b
        return out
    return False


def sort_value(v):
    """cty objects and maps serialise with sorted keys."""
    if isinstance(v, dict):
        return {k: sort_value(v[k]) for k in sorted(v)}
    if isinstance(v, list):
        return [sort_value(x) for x in v]
    return v


# ---------------------------------------------------------------------------------------
# Deterministic identifiers.
def _digest(seed):
    return hashlib.sha256(seed.encode("utf-8")).digest()


def aws_unique_id(prefix, seed):
    """AROA…/AIDA…/AGPA…/ANPA… style unique ids (21 characters)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    d = _digest("uid:" + seed)
    return prefix + "".join(alphabet[b % 32] for b in d[:17])


def tf_unique_id(seed):
    """Terraform's id.UniqueId(): a timestamp with 4 fractional digits and a counter."""
    d = _digest("tfuid:" + seed)
    return "2024%02d%02d%02d%02d%02d%04d%08d" % (
        1 + d[0] % 8, 1 + d[1] % 28, d[2] % 24, d[3] % 60, d[4] % 60,
        int.from_bytes(d[5:7], "big") % 10000, 1 + d[7] % 9)


def rfc3339(seed, year=2023):
    d = _digest("date:" + seed)
    return "%d-%02d-%02dT%02d:%02d:%02dZ" % (
        year, 1 + d[0] % 12, 1 + d[1] % 28, d[2] % 24, d[3] % 60, d[4] % 60)


def hexid(seed, n=32):
    return hashlib.sha256(("hex:" + seed).encode()).hexdigest()[:n]


# ---------------------------------------------------------------------------------------
# Policy documents as Terraform renders them.
def jsonencode(obj):
    """Terraform's jsonencode(): compact, object keys sorted."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def statement(actions=None, resources="*", effect="Allow", sid=None, not_actions=None,
              principal=None, condition=None, not_resources=None):
    s = {"Effect": effect}
    if sid:
        s["Sid"] = sid
    if actions is not None:
        s["Action"] = actions
    if not_actions is not None:
        s["NotAction"] = not_actions
    if principal is not None:
        s["Principal"] = principal
    if resources is not None:
        s["Resource"] = resources
    if not_resources is not None:
        s["NotResource"] = not_resources
    if condition is not None:
        s["Condition"] = condition
    return s


def policy(*statements):
    """A policy written with jsonencode({Version = …, Statement = […]})."""
    return jsonencode({"Version": "2012-10-17", "Statement": list(statements)})


def policy_document_json(statements):
    """data.aws_iam_policy_document's `json`: Go json.MarshalIndent with two spaces, field
    order Version, Statement; Sid, Effect, Action, NotAction, Resource, NotResource,
    Principal, NotPrincipal, Condition; a one-element list rendered as a string."""
    order = ["Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal",
             "NotPrincipal", "Condition"]
    out = []
    for s in statements:
        o = {}
        for k in order:
            if k in s:
                v = s[k]
                if isinstance(v, list) and len(v) == 1:
                    v = v[0]
                o[k] = v
        out.append(o)
    return json.dumps({"Version": "2012-10-17", "Statement": out}, indent=2)


# ---------------------------------------------------------------------------------------
# Configuration expressions.
def C(value):
    return {"constant_value": value}


def R(*refs):
    return {"references": list(refs)}


def E():
    """An expression Terraform cannot fold to a constant and that references nothing,
    e.g. jsonencode({...}) of literals: Terraform writes an empty object."""
    return {}


def _walk_refs(expr):
    """All reference strings inside an expressions map (nested blocks included)."""
    if isinstance(expr, dict):
        if "references" in expr and isinstance(expr["references"], list):
            for r in expr["references"]:
                yield r
        for k, v in expr.items():
            if k in ("references", "constant_value"):
                continue
            yield from _walk_refs(v)
    elif isinstance(expr, list):
        for x in expr:
            yield from _walk_refs(x)


_REF_RE = re.compile(
    r'^(?P<res>[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*(?:\[[^\]]+\])?)\.(?P<attr>[a-z_][a-z0-9_]*)')


def _resource_attr_ref(ref):
    if ref.startswith(("var.", "local.", "module.", "each.", "count.", "path.", "self.",
                       "terraform.")):
        return None
    data = ref.startswith("data.")
    m = _REF_RE.match(ref[5:] if data else ref)
    if not m:
        return None
    return ("data." if data else "") + m.group("res"), m.group("attr")


# ---------------------------------------------------------------------------------------
def module_address(module):
    parts = []
    for call, key in module:
        parts.append("module." + call + index_suffix(key))
    return ".".join(parts)


def index_suffix(key):
    if key is None:
        return ""
    if isinstance(key, int):
        return "[%d]" % key
    return '["%s"]' % key


class Res:
    """One resource instance of a plan.

    before/after are full attribute maps (after may contain U/UL/UM); after=SAME for no-op.
    config: the `expressions` map for the configuration (None: not in the configuration,
    e.g. removed resources). module: ((call, key), ...) from the root.
    """

    def __init__(self, type_, name, *, before=None, after=None, mode="managed", module=(),
                 index=None, config=None, count=None, for_each=None, depends_on=None,
                 reason=None, replace=None, replace_paths=None, previous_address=None,
                 importing=None, sensitive=(), before_sensitive=None, read_at_plan=False,
                 schema_version=0, provider=AWS):
        self.type = type_
        self.name = name
        self.mode = mode
        self.module = tuple(module)
        self.index = index
        self.before = before
        self.after = before if after is SAME else after
        self.config = config
        self.count = count
        self.for_each = for_each
        self.depends_on = depends_on
        self.reason = reason
        self.replace = replace  # "delete_first" or "create_first"
        self.replace_paths = replace_paths
        self.previous_address = previous_address
        self.importing = importing
        self.marks = _marks(sensitive)
        # The before side's marks when they differ (a value that becomes sensitive).
        self.before_marks = self.marks if before_sensitive is None else _marks(before_sensitive)
        self.read_at_plan = read_at_plan
        self.schema_version = schema_version
        self.provider = provider

    # addresses
    @property
    def module_addr(self):
        return module_address(self.module)

    @property
    def rel_address(self):
        return ("data." if self.mode == "data" else "") + self.type + "." + self.name

    @property
    def instance_rel(self):
        return self.rel_address + index_suffix(self.index)

    @property
    def address(self):
        m = self.module_addr
        return (m + "." if m else "") + self.instance_rel

    @property
    def config_module(self):
        return tuple(call for call, _ in self.module)

    @property
    def actions(self):
        if self.read_at_plan:
            return None
        if self.mode == "data":
            return ["read"]
        if self.replace:
            return ["delete", "create"] if self.replace == "delete_first" else ["create", "delete"]
        if self.before is None:
            return ["create"]
        if self.after is None:
            return ["delete"]
        if self.before == self.after:
            return ["no-op"]
        return ["update"]


def _marks(paths):
    """Sensitive paths: an attribute name, a tuple path, or () for the whole object."""
    return {(s,) if isinstance(s, str) else tuple(s) for s in paths}


def _change(before, after, bmarks, amarks, legacy):
    c = {"actions": None}
    c["before"] = sort_value(before) if before is not None else None
    if after is None:
        c["after"] = None
        c["after_unknown"] = {}
    elif has_unknown(after):
        c["after"] = sort_value(omit_unknowns(after))
        c["after_unknown"] = sort_value(unknown_as_bool(after))
    else:
        c["after"] = sort_value(after)
        c["after_unknown"] = {}
    if not legacy:
        c["before_sensitive"] = (False if before is None
                                 else sort_value(sensitive_as_bool(before, bmarks)))
        c["after_sensitive"] = (False if after is None
                                else sort_value(sensitive_as_bool(after, amarks)))
    return c


class Output:
    def __init__(self, name, before, after, expression, type_, description=None,
                 sensitive=False):
        self.name = name
        self.before = before
        self.after = after
        self.expression = expression
        self.type = type_
        self.description = description
        self.sensitive = sensitive


class Plan:
    def __init__(self, resources, *, timestamp, provider_config, variables=None,
                 variable_decls=None, module_calls=None, outputs=(), drift=(),
                 format_version="1.2", terraform_version=TF_VERSION, legacy=False,
                 relevant_attributes=True, extra_relevant=()):
        self.resources = list(resources)
        self.timestamp = timestamp
        self.provider_config = provider_config
        self.variables = variables or {}
        self.variable_decls = variable_decls or {}
        self.module_calls = module_calls or {}
        self.outputs = list(outputs)
        self.drift = list(drift)
        self.format_version = format_version
        self.terraform_version = terraform_version
        self.legacy = legacy
        self.want_relevant = relevant_attributes
        # References Terraform follows that this model does not (through module outputs).
        self.extra_relevant = list(extra_relevant)
        addrs = [r.address for r in self.resources]
        dup = {a for a in addrs if addrs.count(a) > 1}
        if dup:
            raise ValueError("duplicate addresses: %s" % sorted(dup))

    # -- helpers -------------------------------------------------------------------------
    def _provider_name(self, r):
        return "aws" if self.legacy else r.provider

    def _sorted(self, items):
        return sorted(items, key=lambda r: (r.module_addr != "", r.module_addr, r.address))

    def _refs(self, refs):
        """0.12 wrote only the referenced object, without the attribute path."""
        if not self.legacy:
            return refs
        out = []
        for r in refs:
            m = _resource_attr_ref(r)
            r = m[0] if m else r
            if r not in out:
                out.append(r)
        return out

    def _expr(self, e):
        if isinstance(e, dict):
            if "references" in e and isinstance(e["references"], list) and set(e) <= {
                    "references", "constant_value"}:
                out = {}
                if "constant_value" in e:
                    out["constant_value"] = sort_value(e["constant_value"])
                out["references"] = self._refs(e["references"])
                return out
            if set(e) == {"constant_value"}:
                return {"constant_value": sort_value(e["constant_value"])}
            return {k: self._expr(e[k]) for k in sorted(e)}
        if isinstance(e, list):
            return [self._expr(x) for x in e]
        return e

    # -- resource_changes / resource_drift --------------------------------------------------
    def _rc(self, r, actions, before, after, drift=False):
        o = {"address": r.address}
        if r.previous_address and not drift:
            o["previous_address"] = r.previous_address
        if r.module:
            o["module_address"] = r.module_addr
        o["mode"] = r.mode
        o["type"] = r.type
        o["name"] = r.name
        if r.index is not None:
            o["index"] = r.index
        o["provider_name"] = self._provider_name(r)
        c = _change(before, after, r.before_marks, r.marks, self.legacy)
        c["actions"] = actions
        if not drift:
            if r.replace_paths:
                c["replace_paths"] = r.replace_paths
            if r.importing:
                c["importing"] = r.importing
        o["change"] = c
        if r.reason and not drift and not self.legacy:
            o["action_reason"] = r.reason
        return o

    def resource_changes(self):
        out = []
        for r in self._sorted(self.resources):
            if r.actions is None:
                continue
            out.append(self._rc(r, r.actions, r.before, r.after))
        return out

    def resource_drift(self):
        out = []
        for r in self._sorted(self.drift):
            actions = ["delete"] if r.after is None else ["update"]
            out.append(self._rc(r, actions, r.before, r.after, drift=True))
        return out

    # -- values representations ------------------------------------------------------------
    def _values_resource(self, r, value, state, before=False):
        o = {"address": r.address, "mode": r.mode, "type": r.type, "name": r.name}
        if r.index is not None:
            o["index"] = r.index
        o["provider_name"] = self._provider_name(r)
        o["schema_version"] = r.schema_version
        o["values"] = sort_value(omit_unknowns(value))
        if not self.legacy:
            marks = r.before_marks if before else r.marks
            o["sensitive_values"] = sort_value(sensitive_as_bool(value, marks))
        if state and r.config is not None:
            deps = self._dependencies(r)
            if deps:
                o["depends_on"] = deps
        return o

    def _dependencies(self, r):
        deps = set(r.depends_on or [])
        for ref in _walk_refs(r.config):
            m = _resource_attr_ref(ref)
            if m:
                deps.add(re.sub(r"\[[^\]]+\]$", "", m[0]))
        prefix = r.module_addr + "." if r.module else ""
        return sorted(prefix + d for d in deps)

    def _module_tree(self, entries):
        """entries: [(module tuple, resource json)] -> root_module value."""
        mods = {}
        for module, res in entries:
            for i in range(len(module) + 1):
                mods.setdefault(module[:i], [])
            mods[module].append(res)

        def build(m):
            node = {"resources": sorted(mods[m], key=lambda x: x["address"])}
            if not node["resources"]:
                del node["resources"]
            if m:
                node["address"] = module_address(m)
            kids = sorted((k for k in mods if len(k) == len(m) + 1 and k[:len(m)] == m),
                          key=module_address)
            if kids:
                node["child_modules"] = [build(k) for k in kids]
            return node

        if not mods:
            return {}
        return build(())

    def planned_values(self):
        entries = []
        for r in self.resources:
            a = r.actions
            if a is None or "delete" in a and "create" not in a:
                continue
            entries.append((r.module, self._values_resource(r, r.after, False)))
        pv = {}
        if self.outputs:
            pv["outputs"] = {}
            for o in sorted(self.outputs, key=lambda o: o.name):
                v = {"sensitive": o.sensitive}
                if not self.legacy:
                    v["type"] = o.type
                v["value"] = o.after
                pv["outputs"][o.name] = v
        pv["root_module"] = self._module_tree(entries)
        return pv

    def prior_state(self):
        entries = []
        for r in self.resources:
            if r.mode == "data" and not r.read_at_plan:
                continue
            if r.before is None:
                continue
            entries.append((r.module, self._values_resource(r, r.before, True, before=True)))
        if not entries:
            return None
        values = {}
        if self.outputs:
            values["outputs"] = {}
            for o in sorted(self.outputs, key=lambda o: o.name):
                if o.before is None:
                    continue
                v = {"sensitive": o.sensitive, "value": o.before}
                if not self.legacy:
                    v["type"] = o.type
                values["outputs"][o.name] = v
        values["root_module"] = self._module_tree(entries)
        return {"format_version": "0.1" if self.legacy else "1.0",
                "terraform_version": self.terraform_version, "values": values}

    # -- configuration -----------------------------------------------------------------------
    def _config_resources(self, module_path):
        seen = {}
        for r in self._sorted(self.resources):
            if r.config is None or r.config_module != module_path:
                continue
            if r.rel_address in seen:
                continue
            o = {"address": r.rel_address, "mode": r.mode, "type": r.type, "name": r.name,
                 "provider_config_key": r.provider.rsplit("/", 1)[-1],
                 "expressions": self._expr(r.config),
                 "schema_version": r.schema_version}
            if r.count is not None:
                o["count_expression"] = self._expr(r.count)
            if r.for_each is not None:
                o["for_each_expression"] = self._expr(r.for_each)
            if r.depends_on:
                o["depends_on"] = list(r.depends_on)
            seen[r.rel_address] = o
        return [seen[k] for k in sorted(seen)]

    def _config_module(self, path, spec):
        node = {}
        outputs = spec.get("outputs")
        if outputs:
            node["outputs"] = {k: {kk: (self._expr(vv) if kk == "expression" else vv)
                                   for kk, vv in v.items()} for k, v in sorted(outputs.items())}
        res = self._config_resources(path)
        if res:
            node["resources"] = res
        calls = spec.get("module_calls") or {}
        if calls:
            node["module_calls"] = {}
            for name in sorted(calls):
                call = calls[name]
                c = {"source": call["source"]}
                if call.get("expressions"):
                    c["expressions"] = self._expr(call["expressions"])
                if call.get("count_expression"):
                    c["count_expression"] = self._expr(call["count_expression"])
                if call.get("for_each_expression"):
                    c["for_each_expression"] = self._expr(call["for_each_expression"])
                c["module"] = self._config_module(path + (name,), call.get("module", {}))
                if call.get("version_constraint"):
                    c["version_constraint"] = call["version_constraint"]
                node["module_calls"][name] = c
        if spec.get("variables"):
            node["variables"] = {k: spec["variables"][k] for k in sorted(spec["variables"])}
        return node

    def configuration(self):
        root_spec = {"module_calls": self.module_calls, "variables": self.variable_decls,
                     "outputs": {o.name: dict([("expression", o.expression)] + (
                         [("description", o.description)] if o.description else []) + (
                         [("sensitive", True)] if o.sensitive else []))
                         for o in self.outputs}}
        pc = {}
        for key, p in self.provider_config.items():
            q = {"name": p["name"]}
            if not self.legacy:
                q["full_name"] = p.get("full_name", AWS)
            for k in ("alias", "version_constraint", "module_address"):
                if k in p:
                    q[k] = p[k]
            if p.get("expressions"):
                q["expressions"] = self._expr(p["expressions"])
            pc[key] = q
        return {"provider_config": pc, "root_module": self._config_module((), root_spec)}

    # -- relevant attributes ----------------------------------------------------------------
    def relevant_attributes(self):
        by_addr = {}
        for r in self.resources:
            if r.config is not None:
                by_addr[(r.config_module, r.rel_address)] = r

        found = set()
        todo = []

        def add_refs(module, prefix, expr):
            for ref in _walk_refs(expr):
                m = _resource_attr_ref(ref)
                if not m:
                    continue
                res, attr = m
                key = (prefix + res, attr)
                if key in found:
                    continue
                found.add(key)
                base = re.sub(r"\[[^\]]+\]$", "", res)
                tgt = by_addr.get((module, base))
                if tgt is not None:
                    todo.append(tgt)

        for r in self.resources:
            a = r.actions
            if a is None or a == ["no-op"] or r.config is None:
                continue
            add_refs(r.config_module, (r.module_addr + ".") if r.module else "", r.config)
        for o in self.outputs:
            if o.before != o.after:
                add_refs((), "", o.expression)
        done = set()
        while todo:
            t = todo.pop()
            if id(t) in done:
                continue
            done.add(id(t))
            add_refs(t.config_module, (t.module_addr + ".") if t.module else "", t.config)
        found.update(self.extra_relevant)
        return [{"resource": res, "attribute": [attr]} for res, attr in sorted(found)]

    # -- the document -------------------------------------------------------------------------
    def document(self):
        d = {"format_version": self.format_version, "terraform_version": self.terraform_version}
        if self.variables:
            d["variables"] = {k: {"value": self.variables[k]} for k in sorted(self.variables)}
        d["planned_values"] = self.planned_values()
        if self.drift and not self.legacy:
            d["resource_drift"] = self.resource_drift()
        d["resource_changes"] = self.resource_changes()
        changed_outputs = [o for o in self.outputs]
        if changed_outputs:
            oc = {}
            for o in sorted(changed_outputs, key=lambda o: o.name):
                if o.before is None:
                    actions = ["create"]
                elif o.after is None:
                    actions = ["delete"]
                elif o.before == o.after:
                    actions = ["no-op"]
                else:
                    actions = ["update"]
                c = {"actions": actions, "before": o.before, "after": o.after,
                     "after_unknown": False}
                if not self.legacy:
                    c["before_sensitive"] = o.sensitive if o.before is not None else False
                    c["after_sensitive"] = o.sensitive
                oc[o.name] = c
            d["output_changes"] = oc
        ps = self.prior_state()
        if ps is not None:
            d["prior_state"] = ps
        d["configuration"] = self.configuration()
        if not self.legacy:
            if self.want_relevant:
                ra = self.relevant_attributes()
                if ra:
                    d["relevant_attributes"] = ra
            d["timestamp"] = self.timestamp
            d["applyable"] = True
            d["complete"] = True
            d["errored"] = False
        return d


def dumps(doc):
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
