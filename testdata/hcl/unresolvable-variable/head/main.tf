variable "team" {
  type    = string
  default = "data"
}

resource "aws_iam_role" "team" {
  name = "${var.team}-analyst"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::111122223333:root" }
    }]
  })
}

variable "extra_policy" {
  type        = string
  description = "Set per environment by the pipeline."
}

resource "aws_iam_role_policy" "extra" {
  name   = "extra"
  role   = aws_iam_role.team.id
  policy = var.extra_policy
}
