resource "aws_cloudtrail" "org" {
  name           = "org-trail"
  s3_bucket_name = "acme-audit-logs"
  enable_logging = true
}

resource "aws_cloudwatch_log_group" "checkout" {
  name              = "/ecs/checkout"
  retention_in_days = 30
}

resource "aws_iam_role" "checkout_execution" {
  name = "checkout-execution"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
    }]
  })
}

data "aws_iam_policy_document" "checkout_logs" {
  statement {
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.checkout.arn}:*"]
  }
}

resource "aws_iam_role_policy" "checkout_logs" {
  name   = "logs"
  role   = aws_iam_role.checkout_execution.id
  policy = data.aws_iam_policy_document.checkout_logs.json
}
