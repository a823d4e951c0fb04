variable "deploy_role_arn" {
  type    = string
  default = "arn:aws:iam::111122223333:role/terraform-deploy"
}

provider "aws" {
  region = "eu-west-1"
  assume_role {
    role_arn     = var.deploy_role_arn
    session_name = "terraform"
  }
}

resource "aws_iam_role" "deploy" {
  name = "terraform-deploy"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { AWS = "arn:aws:iam::111122223333:role/github-actions" }
    }]
  })
}

resource "aws_iam_role_policy" "deploy_self" {
  name = "self-service"
  role = aws_iam_role.deploy.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["iam:PutRolePolicy"], Resource = "arn:aws:iam::111122223333:role/terraform-deploy" }]
  })
}
