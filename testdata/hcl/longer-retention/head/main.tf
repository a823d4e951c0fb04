variable "retention_days" {
  type    = number
  default = 30
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/app/payments"
  retention_in_days = var.retention_days
}
