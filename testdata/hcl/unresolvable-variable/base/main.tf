variable "team" {
  type    = string
  default = "logs"
}

resource "aws_iam_role" "janitor" {
  name = "${var.team}-janitor"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "lambda.amazonaws.com" }
    }]
  })
}

resource "aws_iam_role_policy" "cleanup" {
  name = "cleanup"
  role = aws_iam_role.janitor.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:DeleteLogGroup"], Resource = "*" }]
  })
}
