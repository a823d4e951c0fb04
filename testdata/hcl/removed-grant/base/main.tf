resource "aws_iam_role" "batch" {
  name = "nightly-batch"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "batch.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "batch_read" {
  name = "read"
  role = aws_iam_role.batch.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy" "batch_iam" {
  name = "iam"
  role = aws_iam_role.batch.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:PassRole", "iam:PutRolePolicy"], Resource = "*" }]
  })
}

resource "aws_iam_policy" "reports" {
  name = "nightly-reports"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:GetRole", "logs:DeleteLogGroup"], Resource = "*" }]
  })
}

resource "aws_iam_role_policy_attachment" "batch_reports" {
  role       = aws_iam_role.batch.name
  policy_arn = aws_iam_policy.reports.arn
}
