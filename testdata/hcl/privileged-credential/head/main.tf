resource "aws_iam_user" "break_glass" {
  name = "break-glass"
  path = "/emergency/"
}

resource "aws_iam_user_policy_attachment" "break_glass_admin" {
  user       = aws_iam_user.break_glass.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_iam_access_key" "break_glass" {
  user = aws_iam_user.break_glass.name
}
