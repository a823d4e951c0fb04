resource "aws_iam_role" "deployer" {
  name               = "ci-deployer"
  assume_role_policy = data.aws_iam_policy_document.codebuild_trust.json
}

data "aws_iam_policy_document" "codebuild_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["codebuild.amazonaws.com"]
    }
  }
}

resource "aws_cloudtrail" "org" {
  name                  = "org-trail"
  s3_bucket_name        = "acme-audit-logs"
  is_multi_region_trail = true
  enable_logging        = false
}

resource "aws_iam_role_policy" "deployer" {
  name   = "deployer-iam"
  role   = aws_iam_role.deployer.id
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Effect": "Allow",
          "Action": ["iam:PutRolePolicy", "iam:AttachRolePolicy"],
          "Resource": "*"
        }
      ]
    }
  EOT
}
