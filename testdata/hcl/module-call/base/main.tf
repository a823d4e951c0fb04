module "ops_role" {
  source  = "./modules/role"
  name    = "ops-${local.env}"
  actions = ["ec2:DescribeInstances"]
}

locals {
  env = "prod"
}

resource "aws_cloudwatch_log_group" "audit" {
  name              = "/audit/${local.env}"
  retention_in_days = 365
}
