resource "aws_iam_role" "ops" {
  name               = "ops-automation"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

data "aws_iam_policy_document" "ops" {
  statement {
    sid       = "ManageRoles"
    actions   = ["iam:AttachRolePolicy", "iam:PutRolePolicy"]
    resources = ["arn:aws:iam::111122223333:role/*"]
  }
  statement {
    sid       = "ManageTrails"
    actions   = ["cloudtrail:StopLogging", "cloudtrail:DeleteTrail"]
    resources = ["*"]
  }
}

resource "aws_iam_policy" "ops" {
  name   = "ops-automation"
  policy = data.aws_iam_policy_document.ops.json
}

resource "aws_iam_role_policy_attachment" "ops" {
  role       = aws_iam_role.ops.name
  policy_arn = aws_iam_policy.ops.arn
}
