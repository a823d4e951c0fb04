locals {
  trusted = "arn:aws:iam::111122223333:root"
}

resource "aws_iam_role" "shared" {
  name = "shared-iam-admin"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = local.trusted }
    }]
  })
}

resource "aws_iam_role_policy_attachment" "shared_iam" {
  role       = aws_iam_role.shared.name
  policy_arn = "arn:aws:iam::aws:policy/IAMFullAccess"
}
