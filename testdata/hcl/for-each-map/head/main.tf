locals {
  people = {
    alice = ["s3:GetObject", "s3:ListBucket"]
    bob   = ["dynamodb:GetItem"]
    carol = ["iam:AttachUserPolicy", "logs:DeleteLogGroup", "cloudtrail:StopLogging"]
  }
}

resource "aws_iam_user" "people" {
  for_each = local.people
  name     = each.key
}

resource "aws_iam_user_policy" "people" {
  for_each = local.people
  name     = "${each.key}-access"
  user     = aws_iam_user.people[each.key].name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = each.value, Resource = "*" }]
  })
}
