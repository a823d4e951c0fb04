resource "aws_cloudtrail" "org" {
  name           = "org-trail"
  s3_bucket_name = "acme-audit-logs"
  enable_logging = true
}
