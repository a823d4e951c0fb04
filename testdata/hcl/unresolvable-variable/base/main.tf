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
