"""Scenarios of testdata/providers/github/ (issue 11): GitHub (integrations/github). Registered in gen.py by one line.

Shared helpers of gen.py are imported inside the functions that use them (`gen = _gen()`):
gen.py imports this module, so a top-level import would be circular. Attribute sets follow the
provider's own resource schema (integrations/terraform-provider-github v6, `github/resource_github_*.go`):
every attribute of the schema, computed ones known on the before side and unknown (`U`) on
create.
"""

from tfplan import SAME, U, C, R, Plan, Res, hexid

GITHUB = "registry.terraform.io/integrations/github"
OWNER = "acme"


def _gen():
    import gen
    return gen


def provider():
    return {"github": {"name": "github", "full_name": GITHUB, "version_constraint": "~> 6.0",
                       "expressions": {"owner": C(OWNER)}}}


def gh(type_, name, **kw):
    return Res(type_, name, provider=GITHUB, **kw)


def ref(address, attribute):
    return [address + "." + attribute, address]


def etag(seed):
    return 'W/"%s"' % hexid("etag-" + seed, 64)


# --- attribute sets -------------------------------------------------------------------------

def repository(name, *, new=False, description="", visibility="private"):
    a = {"allow_auto_merge": False, "allow_merge_commit": True, "allow_rebase_merge": True,
         "allow_squash_merge": True, "allow_update_branch": False, "archive_on_destroy": None,
         "archived": False, "auto_init": True, "delete_branch_on_merge": True,
         "description": description, "gitignore_template": None, "has_discussions": False,
         "has_downloads": False, "has_issues": True, "has_projects": False, "has_wiki": False,
         "homepage_url": None, "ignore_vulnerability_alerts_during_read": None,
         "is_template": False, "license_template": None, "merge_commit_message": "PR_TITLE",
         "merge_commit_title": "MERGE_MESSAGE", "name": name, "pages": [],
         "security_and_analysis": [], "squash_merge_commit_message": "COMMIT_MESSAGES",
         "squash_merge_commit_title": "COMMIT_OR_PR_TITLE", "template": [], "topics": [],
         "visibility": visibility, "vulnerability_alerts": True,
         "web_commit_signoff_required": False}
    computed = {"default_branch": "main", "etag": etag(name),
                "full_name": "%s/%s" % (OWNER, name),
                "git_clone_url": "git://github.com/%s/%s.git" % (OWNER, name),
                "html_url": "https://github.com/%s/%s" % (OWNER, name),
                "http_clone_url": "https://github.com/%s/%s.git" % (OWNER, name),
                "id": name, "node_id": "R_kgDO" + hexid("node-" + name, 6),
                "primary_language": "", "private": visibility == "private",
                "repo_id": int(hexid("repo-" + name, 6), 16),
                "ssh_clone_url": "git@github.com:%s/%s.git" % (OWNER, name),
                "svn_url": "https://github.com/%s/%s" % (OWNER, name)}
    for k, v in computed.items():
        a[k] = U if new else v
    return a


def team(name, slug, team_id, *, new=False, privacy="closed"):
    a = {"create_default_maintainer": False, "description": "", "ldap_dn": None,
         "name": name, "notification_setting": "notifications_enabled",
         "parent_team_id": None, "privacy": privacy}
    computed = {"etag": etag(slug), "id": team_id, "members_count": 4,
                "node_id": "T_kwDO" + hexid("team-" + slug, 6), "parent_team_read_id": "",
                "parent_team_read_slug": "", "slug": slug}
    for k, v in computed.items():
        a[k] = U if new else v
    return a


def team_membership(team_id, username, *, role="member", new=False):
    return {"etag": U if new else etag(team_id + username),
            "id": U if new else "%s:%s" % (team_id, username),
            "role": role, "team_id": team_id, "username": username}


def team_members(team_id, members, *, new=False):
    return {"id": U if new else team_id,
            "members": [{"role": role, "username": user} for user, role in members],
            "team_id": team_id}


def team_repository(team_id, repository, permission, *, new=False):
    return {"etag": U if new else etag(team_id + repository),
            "id": U if new else "%s:%s" % (team_id, repository),
            "permission": permission, "repository": repository, "team_id": team_id}


def collaborator(repository, username, permission, *, new=False):
    return {"id": U if new else "%s:%s" % (repository, username),
            "invitation_id": U if new else str(int(hexid(username, 6), 16)),
            "permission": permission, "permission_diff_suppression": False,
            "repository": repository, "username": username}


def membership(username, role, *, new=False):
    return {"downgrade_on_destroy": False,
            "etag": U if new else etag(OWNER + username),
            "id": U if new else "%s:%s" % (OWNER, username),
            "role": role, "username": username}


def reviews(count, *, code_owners=True, stale=True, last_push=True, bypassers=(),
            restrict_dismissals=False):
    return [{"dismiss_stale_reviews": stale, "dismissal_restrictions": [],
             "pull_request_bypassers": list(bypassers),
             "require_code_owner_reviews": code_owners,
             "require_last_push_approval": last_push,
             "required_approving_review_count": count,
             "restrict_dismissals": restrict_dismissals}]


def branch_protection(repository_id, pattern, *, new=False, enforce_admins=True,
                      review=None, checks=("ci / test",), strict=True):
    return {"allows_deletions": False, "allows_force_pushes": False,
            "enforce_admins": enforce_admins, "force_push_bypassers": [],
            "id": U if new else "BPR_kwDO" + hexid("bpr-" + repository_id + pattern, 8),
            "lock_branch": False, "pattern": pattern, "repository_id": repository_id,
            "require_conversation_resolution": True, "require_signed_commits": False,
            "required_linear_history": True,
            "required_pull_request_reviews": reviews(2) if review is None else review,
            "required_status_checks": [{"contexts": sorted(checks), "strict": strict}],
            "restrict_pushes": []}


def branch_protection_v3(repository, branch, *, new=False, enforce_admins=True, count=1):
    return {"branch": branch, "enforce_admins": enforce_admins,
            "etag": U if new else etag("v3" + repository + branch),
            "id": U if new else "%s:%s" % (repository, branch),
            "repository": repository, "require_conversation_resolution": False,
            "require_signed_commits": False,
            "required_pull_request_reviews": [{
                "bypass_pull_request_allowances": [], "dismiss_stale_reviews": True,
                "dismissal_apps": [], "dismissal_teams": [], "dismissal_users": [],
                "include_admins": False, "require_code_owner_reviews": True,
                "require_last_push_approval": False,
                "required_approving_review_count": count}],
            "required_status_checks": [{"checks": ["ci:15368"], "contexts": ["ci"],
                                        "include_admins": False, "strict": True}],
            "restrictions": []}


def ruleset_rules(count=2, checks=("ci / test",)):
    return [{"branch_name_pattern": [], "commit_author_email_pattern": [],
             "commit_message_pattern": [], "committer_email_pattern": [], "creation": False,
             "deletion": True, "file_extension_restriction": [], "file_path_restriction": [],
             "max_file_path_length": [], "max_file_size": [], "merge_queue": [],
             "non_fast_forward": True,
             "pull_request": [{"allowed_merge_methods": ["merge", "squash", "rebase"],
                               "dismiss_stale_reviews_on_push": True,
                               "require_code_owner_review": True,
                               "require_last_push_approval": True,
                               "required_approving_review_count": count,
                               "required_review_thread_resolution": True,
                               "required_reviewers": []}],
             "required_code_scanning": [], "required_deployments": [],
             "required_linear_history": True, "required_signatures": False,
             "required_status_checks": [{
                 "do_not_enforce_on_create": False,
                 "required_check": [{"context": c, "integration_id": 0} for c in checks],
                 "strict_required_status_checks_policy": True}],
             "tag_name_pattern": [], "update": False, "update_allows_fetch_and_merge": False}]


def ruleset_conditions(include=("~DEFAULT_BRANCH",)):
    return [{"ref_name": [{"exclude": [], "include": list(include)}]}]


def repository_ruleset(name, repository, *, enforcement="active", bypass=(), new=False):
    return {"bypass_actors": [{"actor_id": a, "actor_type": t, "bypass_mode": m}
                              for a, t, m in bypass],
            "conditions": ruleset_conditions(), "enforcement": enforcement,
            "etag": U if new else etag("rs" + name),
            "id": U if new else str(int(hexid("rs" + name, 5), 16)),
            "name": name, "node_id": U if new else "RRS_lACq" + hexid("rs" + name, 8),
            "repository": repository, "rules": ruleset_rules(),
            "ruleset_id": U if new else int(hexid("rs" + name, 5), 16), "target": "branch"}


def organization_ruleset(name, *, enforcement="active", bypass=(), new=False):
    return {"bypass_actors": [{"actor_id": a, "actor_type": t, "bypass_mode": m}
                              for a, t, m in bypass],
            "conditions": [{"ref_name": [{"exclude": [], "include": ["~DEFAULT_BRANCH"]}],
                            "repository_id": [], "repository_name": [{
                                "exclude": [], "include": ["~ALL"], "protected": False}],
                            "repository_property": []}],
            "enforcement": enforcement, "etag": U if new else etag("ors" + name),
            "id": U if new else str(int(hexid("ors" + name, 5), 16)),
            "name": name, "node_id": U if new else "RRS_lACk" + hexid("ors" + name, 8),
            "rules": ruleset_rules(checks=("foureyes / review", "ci / test")),
            "ruleset_id": U if new else int(hexid("ors" + name, 5), 16), "target": "branch"}


def repository_file(repository, file, content, *, new=False, branch="main"):
    return {"autocreate_branch": False, "autocreate_branch_source_branch": "main",
            "autocreate_branch_source_sha": U if new else hexid("src" + file, 40),
            "branch": branch, "commit_author": None, "commit_email": None,
            "commit_message": U if new else "Managed by Terraform",
            "commit_sha": U if new else hexid("commit" + file, 40), "content": content,
            "file": file, "id": U if new else "%s/%s" % (repository, file),
            "overwrite_on_create": False, "ref": U if new else branch,
            "repository": repository, "sha": U if new else hexid("blob" + file, 40)}


def environment(repository, name, *, users=(), teams=(), prevent_self_review=True,
                protected_branches=True, new=False):
    return {"can_admins_bypass": False,
            "deployment_branch_policy": [{"custom_branch_policies": not protected_branches,
                                          "protected_branches": protected_branches}],
            "environment": name, "id": U if new else "%s:%s" % (repository, name),
            "prevent_self_review": prevent_self_review, "repository": repository,
            "reviewers": ([{"teams": sorted(teams), "users": sorted(users)}]
                          if users or teams else []),
            "wait_timer": 0}


def actions_secret(repository, name, *, new=False):
    return {"created_at": U if new else "2024-03-02 10:11:12 +0000 UTC",
            "destroy_on_drift": True, "encrypted_value": None, "plaintext_value": None,
            "remote_updated_at": U if new else "2024-03-02 10:11:12 +0000 UTC",
            "repository": repository, "secret_name": name,
            "updated_at": U if new else "2024-03-02 10:11:12 +0000 UTC"}


# --- resources -------------------------------------------------------------------------------

def repo_res(name, **kw):
    return gh("github_repository", name.replace("-", "_"), before=repository(name, **kw),
              after=SAME, config={"name": C(name), "visibility": C("private")})


def team_res(slug, team_id):
    return gh("github_team", slug.replace("-", "_"), before=team(slug, slug, team_id),
              after=SAME, config={"name": C(slug), "privacy": C("closed")})


def team_ref(slug):
    return R(*ref("github_team." + slug.replace("-", "_"), "id"))


def protection_cfg(repo):
    return {"enforce_admins": C(True), "pattern": C("main"),
            "repository_id": R(*ref("github_repository." + repo.replace("-", "_"), "node_id")),
            "required_pull_request_reviews": [{"required_approving_review_count": C(2)}],
            "required_status_checks": [{"strict": C(True)}]}


def node_id(name):
    return "R_kgDO" + hexid("node-" + name, 6)


# --- scenarios --------------------------------------------------------------------------------

def protection_weakened():
    """The default branch of `api` needs one approval instead of two, and administrators may
    bypass its protection: control-tampering, with nobody gaining anything."""
    before = branch_protection(node_id("api"), "main")
    after = branch_protection(node_id("api"), "main", enforce_admins=False,
                              review=reviews(1))
    res = [
        repo_res("api"),
        gh("github_branch_protection", "api_main", before=before, after=after,
           config=protection_cfg("api")),
        # The legacy resource of another repository: only its topics of review stay (no-op).
        gh("github_branch_protection_v3", "legacy_main",
           before=branch_protection_v3("legacy", "main"), after=SAME,
           config={"branch": C("main"), "repository": C("legacy")}),
    ]
    return Plan(res, timestamp="2024-10-01T09:12:44Z", provider_config=provider())


def rulesets():
    """The repository ruleset of `api` is disabled, and the organization ruleset that requires
    foureyes lets a new team bypass it."""
    res = [
        repo_res("api"),
        gh("github_repository_ruleset", "api_main",
           before=repository_ruleset("main-protection", "api"),
           after=repository_ruleset("main-protection", "api", enforcement="disabled"),
           config={"enforcement": C("disabled"), "name": C("main-protection"),
                   "repository": R(*ref("github_repository.api", "name")),
                   "target": C("branch")}),
        gh("github_organization_ruleset", "default_branches",
           before=organization_ruleset("default-branches",
                                       bypass=[(1, "OrganizationAdmin", "always")]),
           after=organization_ruleset("default-branches",
                                      bypass=[(1, "OrganizationAdmin", "always"),
                                              (4000002, "Team", "always")]),
           config={"enforcement": C("active"), "name": C("default-branches"),
                   "target": C("branch")}),
    ]
    return Plan(res, timestamp="2024-10-01T09:40:02Z", provider_config=provider())


CODEOWNERS_BEFORE = "* @acme/platform\n/infra/ @acme/security\n"
CODEOWNERS_AFTER = "* @acme/platform\n"


def codeowners():
    """CODEOWNERS of `infra` no longer asks the security team to review `/infra/`; the README
    changes too, which is not a control."""
    res = [
        repo_res("infra"),
        gh("github_repository_file", "codeowners",
           before=repository_file("infra", ".github/CODEOWNERS", CODEOWNERS_BEFORE),
           after=repository_file("infra", ".github/CODEOWNERS", CODEOWNERS_AFTER),
           config={"content": C(CODEOWNERS_AFTER), "file": C(".github/CODEOWNERS"),
                   "repository": R(*ref("github_repository.infra", "name"))}),
        gh("github_repository_file", "readme",
           before=repository_file("infra", "README.md", "# infra\n"),
           after=repository_file("infra", "README.md", "# infra\n\nOwned by platform.\n"),
           config={"content": C("# infra\n\nOwned by platform.\n"), "file": C("README.md"),
                   "repository": R(*ref("github_repository.infra", "name"))}),
    ]
    return Plan(res, timestamp="2024-10-02T14:03:19Z", provider_config=provider())


def admin_while_weakened():
    """A contractor is made admin of `payments` while its protection stops requiring the
    foureyes check and code owners' review: the new admin could merge unreviewed work."""
    before = branch_protection(node_id("payments"), "main",
                               checks=("ci / test", "foureyes / review"))
    after = branch_protection(node_id("payments"), "main", checks=("ci / test",),
                              review=reviews(2, code_owners=False))
    res = [
        repo_res("payments"),
        gh("github_branch_protection", "payments_main", before=before, after=after,
           config=protection_cfg("payments")),
        gh("github_repository_collaborator", "contractor", before=None,
           after=collaborator("payments", "dev-contractor", "admin", new=True),
           config={"permission": C("admin"),
                   "repository": R(*ref("github_repository.payments", "name")),
                   "username": C("dev-contractor")}),
    ]
    return Plan(res, timestamp="2024-10-03T08:21:50Z", provider_config=provider())


PLATFORM_ID = "4000001"
REVIEWERS_ID = "4000003"


def team_membership_changes():
    """Team `platform` is admin of `infra` (unchanged). alice joins it (gains admin on infra
    through the team), bob leaves it (loses it); frank becomes an organization owner."""
    res = [
        repo_res("infra"),
        team_res("platform", PLATFORM_ID),
        gh("github_team_repository", "platform_infra",
           before=team_repository(PLATFORM_ID, "infra", "admin"), after=SAME,
           config={"permission": C("admin"),
                   "repository": R(*ref("github_repository.infra", "name")),
                   "team_id": team_ref("platform")}),
        gh("github_team_membership", "platform_alice", before=None,
           after=team_membership(PLATFORM_ID, "alice", new=True),
           config={"role": C("member"), "team_id": team_ref("platform"),
                   "username": C("alice")}),
        gh("github_team_membership", "platform_bob",
           before=team_membership(PLATFORM_ID, "bob"), after=None,
           reason="delete_because_no_resource_config"),
        gh("github_membership", "frank", before=membership("frank", "member"),
           after=membership("frank", "admin"),
           config={"role": C("admin"), "username": C("frank")}),
    ]
    return Plan(res, timestamp="2024-10-04T11:45:03Z", provider_config=provider())


def team_members_authoritative():
    """`github_team_members` manages team `reviewers` as a whole: carol is dropped from its
    list, dave added; erin, added by her own `github_team_membership`, is not in the list, so
    applying it removes her too. The team may push to `api` (unchanged)."""
    res = [
        repo_res("api"),
        team_res("reviewers", REVIEWERS_ID),
        gh("github_team_repository", "reviewers_api",
           before=team_repository(REVIEWERS_ID, "api", "push"), after=SAME,
           config={"permission": C("push"),
                   "repository": R(*ref("github_repository.api", "name")),
                   "team_id": team_ref("reviewers")}),
        gh("github_team_members", "reviewers",
           before=team_members(REVIEWERS_ID, [("carol", "member"), ("grace", "maintainer")]),
           after=team_members(REVIEWERS_ID, [("dave", "member"), ("grace", "maintainer")]),
           config={"members": [{"role": C("member"), "username": C("dave")},
                               {"role": C("maintainer"), "username": C("grace")}],
                   "team_id": team_ref("reviewers")}),
        gh("github_team_membership", "reviewers_erin",
           before=team_membership(REVIEWERS_ID, "erin"), after=SAME,
           config={"role": C("member"), "team_id": team_ref("reviewers"),
                   "username": C("erin")}),
    ]
    return Plan(res, timestamp="2024-10-04T12:02:40Z", provider_config=provider())


def environment_reviewers_removed():
    """Deployments to `production` of `payments` no longer wait for a reviewer, and whoever
    triggers one may approve it."""
    before = environment("payments", "production", users=[1001], teams=[4000004])
    after = environment("payments", "production", prevent_self_review=False)
    res = [
        repo_res("payments"),
        gh("github_repository_environment", "production", before=before, after=after,
           config={"environment": C("production"), "prevent_self_review": C(False),
                   "repository": R(*ref("github_repository.payments", "name"))}),
        # A staging environment gains a reviewer: stricter, not a finding.
        gh("github_repository_environment", "staging",
           before=environment("payments", "staging"),
           after=environment("payments", "staging", users=[1001]),
           config={"environment": C("staging"),
                   "repository": R(*ref("github_repository.payments", "name")),
                   "reviewers": [{"users": C([1001])}]}),
    ]
    return Plan(res, timestamp="2024-10-05T16:30:12Z", provider_config=provider())


def ordinary_work():
    """A new repository `web` with branch protection, a ruleset, CODEOWNERS, a team that may push
    and an Actions secret; an existing protection asks for more approvals and a new required
    check; the legacy protection asks for two approvals. Nothing is weakened and nobody gains
    approval control: no finding."""
    web_protection = branch_protection(node_id("web"), "main", new=True,
                                       checks=("ci / test", "foureyes / review"))
    res = [
        gh("github_repository", "web", before=None, after=repository("web", new=True),
           config={"name": C("web"), "visibility": C("private")}),
        gh("github_branch_protection", "web_main", before=None, after=web_protection,
           config=dict(protection_cfg("web"),
                       repository_id=R(*ref("github_repository.web", "node_id")))),
        gh("github_repository_ruleset", "web_main", before=None,
           after=repository_ruleset("web-main", "web", new=True),
           config={"enforcement": C("active"), "name": C("web-main"),
                   "repository": R(*ref("github_repository.web", "name")),
                   "target": C("branch")}),
        gh("github_repository_file", "web_codeowners", before=None,
           after=repository_file("web", "CODEOWNERS", "* @acme/frontend\n", new=True),
           config={"content": C("* @acme/frontend\n"), "file": C("CODEOWNERS"),
                   "repository": R(*ref("github_repository.web", "name"))}),
        team_res("frontend", "4000005"),
        gh("github_team_repository", "frontend_web", before=None,
           after=team_repository("4000005", "web", "push", new=True),
           config={"permission": C("push"),
                   "repository": R(*ref("github_repository.web", "name")),
                   "team_id": team_ref("frontend")}),
        gh("github_actions_secret", "web_deploy_token", before=None,
           after=actions_secret("web", "DEPLOY_TOKEN", new=True),
           config={"repository": R(*ref("github_repository.web", "name")),
                   "secret_name": C("DEPLOY_TOKEN")},
           sensitive=["encrypted_value", "plaintext_value"]),
        repo_res("api"),
        gh("github_branch_protection", "api_main",
           before=branch_protection(node_id("api"), "main", review=reviews(1)),
           after=branch_protection(node_id("api"), "main", review=reviews(2),
                                   checks=("ci / lint", "ci / test")),
           config=protection_cfg("api")),
        gh("github_branch_protection_v3", "legacy_main",
           before=branch_protection_v3("legacy", "main"),
           after=branch_protection_v3("legacy", "main", count=2),
           config={"branch": C("main"), "repository": C("legacy"),
                   "required_pull_request_reviews": [
                       {"required_approving_review_count": C(2)}]}),
    ]
    return Plan(res, timestamp="2024-10-06T10:00:00Z", provider_config=provider())


def sensitive_collaborator():
    """An admin collaborator whose login comes from a sensitive variable: the user goes by the
    collaborator's address, and the login (CANARY-7f3a-…) never shows."""
    res = [
        repo_res("vault"),
        gh("github_repository_collaborator", "breakglass", before=None,
           after=collaborator("vault", "CANARY-7f3a-gh-breakglass", "admin", new=True),
           config={"permission": C("admin"),
                   "repository": R(*ref("github_repository.vault", "name")),
                   "username": R("var.breakglass_login")},
           sensitive=["username"]),
    ]
    return Plan(res, timestamp="2024-10-07T07:07:07Z", provider_config=provider(),
                variables={"breakglass_login": "CANARY-7f3a-gh-breakglass"},
                variable_decls={"breakglass_login": {"sensitive": True}})


SCENARIOS = {
    "providers/github/protection-weakened.json": protection_weakened,
    "providers/github/rulesets.json": rulesets,
    "providers/github/codeowners.json": codeowners,
    "providers/github/admin-while-weakened.json": admin_while_weakened,
    "providers/github/team-membership.json": team_membership_changes,
    "providers/github/team-members-authoritative.json": team_members_authoritative,
    "providers/github/environment-reviewers-removed.json": environment_reviewers_removed,
    "providers/github/ordinary-work.json": ordinary_work,
    "providers/github/sensitive/collaborator.json": sensitive_collaborator,
}
