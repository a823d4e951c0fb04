# One approval is enough now, and administrators may bypass the protection.
resource "github_repository" "api" {
  name       = "api"
  visibility = "private"
}

resource "github_branch_protection" "api_main" {
  repository_id  = github_repository.api.node_id
  pattern        = "main"
  enforce_admins = false

  required_pull_request_reviews {
    required_approving_review_count = 1
    require_code_owner_reviews      = true
    dismiss_stale_reviews           = true
  }
}
