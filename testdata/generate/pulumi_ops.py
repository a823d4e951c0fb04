"""Pulumi previews of testdata/previews/ (issue 15): one preview per step op (`ops/`), the
identity of a role across its attachments (`identity/`), and what Pulumi writes that is not a
preview (`bad/`). Registered in gen.py by one line.

The previews imitate `pulumi preview --json` (Pulumi 3.x, `pkg/backend/display/json.go`): a
`PreviewDigest` (`config`, `steps`, `diagnostics`, `duration`, `changeSummary`) indented with
four spaces, whose steps hold `op`, `urn`, `provider`, `oldState`, `newState`, `diffReasons`,
`replaceReasons` and `detailedDiff` (always present, `null` when there is none). A state is a
`ResourceV3`: an old state holds the provider's `outputs` and an `id`; a new state holds the
program's `inputs` only (a preview does not call the provider's create or update), with
`__defaults` naming the inputs the provider filled (Pulumi's autonamed `name`), `parent`,
`dependencies` and `propertyDependencies`. Values known only after apply are Pulumi's unknown
sentinel. Property maps are sorted, as Go writes maps.
"""

import json

STACK = "urn:pulumi:prod::platform::"
STACK_URN = STACK + "pulumi:pulumi:Stack::platform-prod"
PROVIDER = STACK + "pulumi:providers:aws::default_6_52_0::0b6a07a4-5c4e-4c8a-9f0e-2d9f1c3b7a11"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
ACCOUNT = "111122223333"
REGION = "eu-west-1"
TRAIL_BUCKET = "acme-cloudtrail-%s" % ACCOUNT
CREATED = "2026-03-02T09:14:07.123456Z"

ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
TRAIL = "aws:cloudtrail/trail:Trail"
USER = "aws:iam/user:User"
GROUP_ATTACHMENT = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment"
USER_GROUPS = "aws:iam/userGroupMembership:UserGroupMembership"
PIPELINE = "acme:ci:Pipeline"

IAM_FULL = "arn:aws:iam::aws:policy/IAMFullAccess"
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
LOGS_READ = "arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess"


def policy(*actions):
    return json.dumps({"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": list(actions),
                                      "Resource": "*"}]}, separators=(",", ":"))


IAM_ADMIN_DOC = policy("iam:PutRolePolicy", "iam:AttachRolePolicy")
READ_DOC = policy("s3:GetObject", "s3:ListBucket")
TRUST_LAMBDA = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Action": "sts:AssumeRole", "Effect": "Allow",
     "Principal": {"Service": "lambda.amazonaws.com"}}]}, separators=(",", ":"))


def urn(token, name, parents=()):
    return STACK + "$".join(list(parents) + [token]) + "::" + name


def _sorted(props):
    return None if props is None else {k: props[k] for k in sorted(props)}


def state(token, u, *, inputs=None, outputs=None, resource_id=None, parent=STACK_URN,
          deps=None, defaults=(), custom=True):
    """A `ResourceV3` in Go's field order."""
    out = {"urn": u, "custom": custom}
    if resource_id is not None:
        out["id"] = resource_id
    out["type"] = token
    if inputs is not None:
        ins = dict(inputs)
        if custom:
            ins["__defaults"] = sorted(defaults)
        out["inputs"] = _sorted(ins)
    if outputs is not None:
        out["outputs"] = _sorted(outputs)
    out["parent"] = parent
    if deps:
        out["dependencies"] = sorted({d for ds in deps.values() for d in ds})
    if custom:
        out["provider"] = PROVIDER
    if deps is not None or inputs is not None and custom:
        pd = {k: [] for k in (inputs or {}) if k not in defaults}
        pd.update(deps or {})
        out["propertyDependencies"] = _sorted(pd)
    if resource_id is not None:
        out["created"] = CREATED
        out["modified"] = CREATED
    return out


def step(op, u, *, old=None, new=None, diff_reasons=None, replace_reasons=None, detailed=None,
         custom=True):
    out = {"op": op, "urn": u}
    if custom:
        out["provider"] = PROVIDER
    if old is not None:
        out["oldState"] = old
    if new is not None:
        out["newState"] = new
    if diff_reasons:
        out["diffReasons"] = diff_reasons
    if replace_reasons:
        out["replaceReasons"] = replace_reasons
    out["detailedDiff"] = (None if detailed is None else
                           {k: {"kind": v, "inputDiff": True} for k, v in sorted(detailed.items())})
    return out


def stack_step(op="same"):
    s = state("pulumi:pulumi:Stack", STACK_URN, custom=False, parent="")
    del s["parent"]
    return step(op, STACK_URN, old=s if op == "same" else None, new=s, custom=False)


def preview(steps, summary):
    return {"config": {"aws:region": REGION},
            "steps": [stack_step()] + steps,
            "duration": 2913000000,
            "changeSummary": dict(sorted(summary.items()))}


# --- resources ------------------------------------------------------------------------------

def role_policy_inputs(name, doc, role="ci-deployer"):
    return {"name": name, "policy": doc, "role": role}


def role_policy_outputs(name, doc, role="ci-deployer"):
    return dict(role_policy_inputs(name, doc, role), id="%s:%s" % (role, name))


def trail_inputs(enable_logging=True):
    return {"enableLogging": enable_logging, "includeGlobalServiceEvents": True,
            "isMultiRegionTrail": True, "isOrganizationTrail": True, "name": "org-trail",
            "s3BucketName": TRAIL_BUCKET}


def trail_outputs(enable_logging=True):
    return dict(trail_inputs(enable_logging),
                arn="arn:aws:cloudtrail:%s:%s:trail/org-trail" % (REGION, ACCOUNT),
                homeRegion=REGION, id="org-trail", kmsKeyId="", tags={}, tagsAll={})


TRAIL_URN = urn(TRAIL, "org")
POLICY_URN = urn(ROLE_POLICY, "ci-iam")


def trail_old(enable_logging=True):
    return state(TRAIL, TRAIL_URN, inputs=trail_inputs(enable_logging),
                 outputs=trail_outputs(enable_logging), resource_id="org-trail")


def trail_stops():
    """The organisation trail stops logging: `enableLogging` true → false."""
    return step("update", TRAIL_URN, old=trail_old(),
                new=state(TRAIL, TRAIL_URN, inputs=trail_inputs(False)),
                diff_reasons=["enableLogging"], detailed={"enableLogging": "update"})


def policy_old(doc=READ_DOC):
    return state(ROLE_POLICY, POLICY_URN, inputs=role_policy_inputs("ci-iam", doc),
                 outputs=role_policy_outputs("ci-iam", doc), resource_id="ci-deployer:ci-iam")


def policy_new(doc=IAM_ADMIN_DOC):
    return state(ROLE_POLICY, POLICY_URN, inputs=role_policy_inputs("ci-iam", doc))


def replaced(*ops, doc=IAM_ADMIN_DOC):
    """The steps of a replacement of `ci-iam` (its `name` forces it), in the order given."""
    out = []
    for op in ops:
        old = policy_old()
        new = policy_new(doc) if op != "delete-replaced" else None
        out.append(step(op, POLICY_URN, old=old, new=new,
                        replace_reasons=["name"] if op != "delete-replaced" else None,
                        detailed=({"name": "update-replace", "policy": "update"}
                                  if op != "delete-replaced" else None)))
    return out


READER_URN = urn(ROLE, "audit-reader")


def reader(op):
    """`aws.iam.Role.get("audit-reader", ...)`: a resource read, not managed."""
    outputs = {"arn": "arn:aws:iam::%s:role/audit-reader" % ACCOUNT,
               "assumeRolePolicy": TRUST_LAMBDA, "id": "audit-reader",
               "name": "audit-reader", "path": "/", "uniqueId": "AROAEXAMPLEAUDITREADER"}
    s = state(ROLE, READER_URN, inputs={}, outputs=outputs, resource_id="audit-reader")
    if op in ("discard", "discard-replaced"):
        return step(op, READER_URN, old=s)
    return step(op, READER_URN, new=s)


# --- ops/ -----------------------------------------------------------------------------------

def ops():
    trail = trail_stops()
    return {
        "create": preview([
            step("create", POLICY_URN, new=policy_new()), trail],
            {"create": 1, "update": 1, "same": 1}),
        "update": preview([
            step("update", POLICY_URN, old=policy_old(), new=policy_new(),
                 diff_reasons=["policy"], detailed={"policy": "update"}), trail],
            {"update": 2, "same": 1}),
        "update-unknown": preview([
            step("update", POLICY_URN, old=policy_old(), new=policy_new(UNKNOWN),
                 diff_reasons=["policy"], detailed={"policy": "update"}), trail],
            {"update": 2, "same": 1}),
        "delete": preview([
            step("delete", POLICY_URN, old=policy_old(IAM_ADMIN_DOC)),
            step("delete", TRAIL_URN, old=trail_old())],
            {"delete": 2, "same": 1}),
        "same": preview([
            step("same", POLICY_URN, old=policy_old(IAM_ADMIN_DOC),
                 new=policy_new(IAM_ADMIN_DOC)), trail],
            {"same": 2, "update": 1}),
        "replace": preview(replaced("replace") + [trail], {"replace": 1, "update": 1, "same": 1}),
        "replace-steps": preview(
            replaced("create-replacement", "replace") + [trail]
            + replaced("delete-replaced"),
            {"replace": 1, "create-replacement": 1, "delete-replaced": 1, "update": 1,
             "same": 1}),
        "replace-halves": preview(
            replaced("delete-replaced", "create-replacement") + [trail],
            {"create-replacement": 1, "delete-replaced": 1, "update": 1, "same": 1}),
        "delete-replaced": preview(replaced("delete-replaced") + [trail],
                                   {"delete-replaced": 1, "update": 1, "same": 1}),
        "import": preview([
            step("import", POLICY_URN, new=state(
                ROLE_POLICY, POLICY_URN, inputs=role_policy_inputs("ci-iam", IAM_ADMIN_DOC),
                outputs=role_policy_outputs("ci-iam", IAM_ADMIN_DOC),
                resource_id="ci-deployer:ci-iam")), trail],
            {"import": 1, "update": 1, "same": 1}),
        "import-replacement": preview(
            [step(op, POLICY_URN, old=policy_old(),
                  new=(state(ROLE_POLICY, POLICY_URN,
                             inputs=role_policy_inputs("ci-iam", IAM_ADMIN_DOC),
                             outputs=role_policy_outputs("ci-iam", IAM_ADMIN_DOC),
                             resource_id="ci-deployer:ci-iam")
                       if op != "delete-replaced" else None),
                  replace_reasons=["policy"] if op != "delete-replaced" else None)
             for op in ("import-replacement", "replace", "delete-replaced")] + [trail],
            {"import-replacement": 1, "replace": 1, "delete-replaced": 1, "update": 1,
             "same": 1}),
        "read": preview([reader("read"), trail], {"read": 1, "update": 1, "same": 1}),
        "read-replacement": preview([reader("read-replacement"), reader("discard-replaced"),
                                     trail],
                                    {"read-replacement": 1, "discard-replaced": 1,
                                     "update": 1, "same": 1}),
        "discard": preview([reader("discard"), trail], {"discard": 1, "update": 1, "same": 1}),
        "discard-replaced": preview([reader("discard-replaced"), trail],
                                    {"discard-replaced": 1, "update": 1, "same": 1}),
        "refresh": preview([
            # `pulumi preview --refresh`: the trail was stopped outside Pulumi.
            step("refresh", TRAIL_URN, old=trail_old(True),
                 new=state(TRAIL, TRAIL_URN, inputs=trail_inputs(True),
                           outputs=trail_outputs(False), resource_id="org-trail")),
            step("create", POLICY_URN, new=policy_new())],
            {"refresh": 1, "create": 1, "same": 1}),
        "refresh-then-update": preview([
            # A refresh that found a difference is rewritten to an `update` of the same URN,
            # before the program's own step, which here keeps the trail stopped.
            step("update", TRAIL_URN, old=trail_old(True),
                 new=state(TRAIL, TRAIL_URN, inputs=trail_inputs(True),
                           outputs=trail_outputs(False), resource_id="org-trail"),
                 detailed={"enableLogging": "update"}),
            step("same", TRAIL_URN, old=trail_old(False),
                 new=state(TRAIL, TRAIL_URN, inputs=trail_inputs(False))),
            step("create", POLICY_URN, new=policy_new())],
            {"update": 1, "create": 1, "same": 2}),
        "remove-pending-replace": preview([
            step("remove-pending-replace", POLICY_URN, old=policy_old(IAM_ADMIN_DOC)), trail],
            {"remove-pending-replace": 1, "update": 1, "same": 1}),
    }


# --- identity/ ------------------------------------------------------------------------------

PIPELINE_URN = urn(PIPELINE, "ci")


def nested(token, name):
    return urn(token, name, [PIPELINE])


def pipeline_step():
    """The component the role and its policies belong to: no cloud resource of its own."""
    return step("create", PIPELINE_URN,
                new=state(PIPELINE, PIPELINE_URN, custom=False), custom=False)


def deployer(name_known=True, attachments=(IAM_FULL, S3_READ, LOGS_READ), parent=True,
             role_step=True):
    """A role `deployer` with managed policies and an inline policy, created by the
    `acme:ci:Pipeline` component; the attachments and the inline policy name the role by its
    `name`, known only after apply, and say so in `propertyDependencies`."""
    make = nested if parent else urn
    role_urn = make(ROLE, "deployer")
    par = PIPELINE_URN if parent else STACK_URN
    steps = [pipeline_step()] if parent else []
    if name_known:
        inputs = {"assumeRolePolicy": TRUST_LAMBDA, "forceDetachPolicies": False,
                  "maxSessionDuration": 3600, "name": "deployer-5f2c1e9", "path": "/"}
        defaults = ("forceDetachPolicies", "maxSessionDuration", "name", "path")
        deps = {}
    else:
        # The name comes from another resource's output: unknown during the preview.
        inputs = {"assumeRolePolicy": TRUST_LAMBDA, "forceDetachPolicies": False,
                  "maxSessionDuration": 3600, "name": UNKNOWN, "path": "/"}
        defaults = ("forceDetachPolicies", "maxSessionDuration", "path")
        deps = {"name": [STACK + "random:index/randomPet:RandomPet::suffix"]}
    if role_step:
        steps.append(step("create", role_urn, new=state(
            ROLE, role_urn, inputs=inputs, defaults=defaults, deps=deps, parent=par)))
    for i, arn in enumerate(attachments):
        name = "deployer-%d" % i
        a_urn = make(ATTACHMENT, name)
        steps.append(step("create", a_urn, new=state(
            ATTACHMENT, a_urn, inputs={"policyArn": arn, "role": UNKNOWN},
            deps={"role": [role_urn]}, parent=par)))
    p_urn = make(ROLE_POLICY, "deployer-iam")
    steps.append(step("create", p_urn, new=state(
        ROLE_POLICY, p_urn, inputs={"name": "deployer-iam", "policy": IAM_ADMIN_DOC,
                                    "role": UNKNOWN},
        deps={"role": [role_urn]}, parent=par)))
    steps.append(trail_stops())
    creates = len(steps) - 1
    return preview(steps, {"create": creates, "update": 1, "same": 1})


def literal_and_membership():
    """An attachment naming `ci-deployer` by its literal name, and a new user whose group
    membership names it by its (autonamed) `name`, known only after apply; the group holds
    AdministratorAccess. The trail stops logging."""
    user_urn = urn(USER, "alice")
    membership_urn = urn(USER_GROUPS, "alice-groups")
    group_attachment_urn = urn(GROUP_ATTACHMENT, "admins-admin")
    attachment_urn = urn(ATTACHMENT, "ci-deployer-iam")
    steps = [
        step("create", attachment_urn, new=state(
            ATTACHMENT, attachment_urn, inputs={"policyArn": IAM_FULL, "role": "ci-deployer"})),
        step("create", user_urn, new=state(
            USER, user_urn, inputs={"forceDestroy": False, "name": "alice-9d3e2f1", "path": "/"},
            defaults=("forceDestroy", "name", "path"))),
        step("create", membership_urn, new=state(
            USER_GROUPS, membership_urn, inputs={"groups": ["admins"], "user": UNKNOWN},
            deps={"user": [user_urn]})),
        step("create", group_attachment_urn, new=state(
            GROUP_ATTACHMENT, group_attachment_urn,
            inputs={"group": "admins", "policyArn": ADMIN})),
        trail_stops(),
    ]
    return preview(steps, {"create": 4, "update": 1, "same": 1})


def identity():
    return {
        "role-attachments": deployer(),
        "role-unknown-name": deployer(name_known=False),
        # `pulumi preview --target` of the attachments: the role's step is not shown.
        "role-not-shown": deployer(parent=False, role_step=False),
        "literal-and-membership": literal_and_membership(),
    }


# --- bad/ -----------------------------------------------------------------------------------

def bad():
    failed = {"config": {"aws:region": REGION},
              "diagnostics": [
                  {"urn": STACK_URN,
                   "message": "    error: Running program '/home/ci/platform' failed with an "
                              "unhandled exception:\n    TypeError: Cannot read properties of "
                              "undefined (reading 'arn')\n",
                   "severity": "error"}],
              "duration": 1402000000,
              "changeSummary": {}}
    partial = {"config": failed["config"], "steps": [stack_step(), trail_stops()],
               "diagnostics": failed["diagnostics"], "duration": 1402000000,
               "changeSummary": {"update": 1}}
    export = {"version": 3, "deployment": {
        "manifest": {"time": CREATED, "magic": "0" * 64, "version": "v3.130.0"},
        "secrets_providers": {"type": "service", "state": {"project": "platform",
                                                           "stack": "prod"}},
        "resources": [trail_old()]}}
    events = [
        {"sequence": 0, "timestamp": 1772442847,
         "preludeEvent": {"config": {"aws:region": REGION}}},
        {"sequence": 1, "timestamp": 1772442849, "resourcePreEvent": {"metadata": {
            "op": "update", "urn": TRAIL_URN, "type": TRAIL,
            "old": {"type": TRAIL, "urn": TRAIL_URN, "id": "org-trail", "parent": STACK_URN,
                    "inputs": trail_inputs(), "outputs": trail_outputs(), "provider": PROVIDER},
            "new": {"type": TRAIL, "urn": TRAIL_URN, "id": "", "parent": STACK_URN,
                    "inputs": trail_inputs(False), "outputs": None, "provider": PROVIDER},
            "diffs": ["enableLogging"],
            "detailedDiff": {"enableLogging": {"diffKind": "update", "inputDiff": True}},
            "provider": PROVIDER}, "planning": True}},
        {"sequence": 2, "timestamp": 1772442850,
         "summaryEvent": {"maybeCorrupt": False, "durationSeconds": 3,
                          "resourceChanges": {"update": 1, "same": 1}, "PolicyPacks": {}}},
    ]
    text = ("Previewing update (prod)\n\n"
            "View in Browser (Ctrl+O): https://app.pulumi.com/acme/platform/prod/previews/"
            "5d0e3c1a-7a5e-4d7b-9a8e-1f2b3c4d5e6f\n\n"
            "     Type                        Name           Plan       Info\n"
            "     pulumi:pulumi:Stack         platform-prod\n"
            " ~   \u2514\u2500 aws:cloudtrail:Trail     org            update     [diff: ~enableLogging]\n\n"
            "Resources:\n    ~ 1 to update\n    1 unchanged\n\n")
    error = "error: no stack named 'prod' found\n"
    return {
        "failed.json": (json.dumps(failed, indent=4) + "\n").encode("utf-8"),
        "failed-partial.json": (json.dumps(partial, indent=4) + "\n").encode("utf-8"),
        "stack-export.json": (json.dumps(export, indent=4) + "\n").encode("utf-8"),
        "event-log.json": "".join(json.dumps(e, separators=(",", ":")) + "\n"
                                  for e in events).encode("utf-8"),
        "preview.txt": text.encode("utf-8"),
        "error.txt": error.encode("utf-8"),
    }


def render():
    """Every file this module writes, by its path under testdata/."""
    out = {}
    for name, doc in ops().items():
        out["previews/ops/%s.json" % name] = (json.dumps(doc, indent=4) + "\n").encode("utf-8")
    for name, doc in identity().items():
        out["previews/identity/%s.json" % name] = (
            json.dumps(doc, indent=4) + "\n").encode("utf-8")
    for name, data in bad().items():
        out["previews/bad/" + name] = data
    return out
