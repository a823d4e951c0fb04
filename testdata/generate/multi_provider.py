"""Scenarios of testdata/providers/multi/ (issue 11): one change that touches several providers,
as one author or one pipeline often does. Registered in gen.py by one line.
"""

from tfplan import C, E, R, Plan, Res
import aws


def _gen():
    import gen
    return gen


def _providers():
    """The configuration of both providers, as one root module declares them."""
    import google_provider
    out = dict(_gen().provider())
    out.update(google_provider.provider())
    return out


def gcp_grant_aws_trail_stopped():
    """A Google service account gains roles/resourcemanager.projectIamAdmin while, in the same
    change, the AWS organisation trail stops logging: `privilege-and-evidence` across
    providers (whoever applies the change could grant on one cloud and hide on the other)."""
    import google_provider as g
    gen = _gen()
    trail = aws.cloudtrail("org-trail", gen.TRAIL_BUCKET, tags=gen.TRAIL_TAGS)
    res = [
        g.sa_res("platform-ci"),
        g.member_res("platform_ci_iam_admin", "roles/resourcemanager.projectIamAdmin",
                     g.sa_member("platform-ci"),
                     member_cfg=R("google_service_account.platform_ci.member",
                                  "google_service_account.platform_ci")),
    ]
    res += gen.trail_stack(trail_before=trail, trail_after=dict(trail, enable_logging=False),
                           trail_config=gen.trail_cfg(enable_logging=False))
    return Plan(res, timestamp="2025-03-11T08:02:44Z", provider_config=_providers())


def ordinary_on_both():
    """Ordinary work on both clouds at once: an AWS service role with the Lambda basic
    execution policy and its log group, and a Google service account reading its own bucket
    with a new log bucket: nothing needs approval."""
    import google_provider as g
    gen = _gen()
    res = [
        Res("aws_iam_role", "thumbnails", before=None,
            after=aws.iam_role("thumbnails", aws.trust_service("lambda.amazonaws.com"),
                               description="Execution role of thumbnails", new=True),
            config={"assume_role_policy": E(),
                    "description": C("Execution role of thumbnails"),
                    "name": C("thumbnails")}),
        gen.role_attachment("thumbnails_basic", "thumbnails", aws.LAMBDA_BASIC, new=True,
                            role_cfg=R("aws_iam_role.thumbnails.name", "aws_iam_role.thumbnails")),
        Res("aws_cloudwatch_log_group", "thumbnails", before=None,
            after=aws.log_group("/aws/lambda/thumbnails", 30, new=True),
            config={"name": C("/aws/lambda/thumbnails"), "retention_in_days": C(30)}),
    ]
    res += g.precision_new_service().resources
    return Plan(res, timestamp="2025-03-11T08:10:19Z", provider_config=_providers())


SCENARIOS = {
    "providers/multi/gcp-grant-aws-trail-stopped.json": gcp_grant_aws_trail_stopped,
    "providers/multi/ordinary-on-both.json": ordinary_on_both,
}
