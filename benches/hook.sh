#!/usr/bin/env bash
# Times `foureyes hook` on a generated repository of a few hundred `.tf` files with one staged
# change: 50 stacks (envs/envN, 5 files each) each calling two of 20 modules (4 files each)
# and one module every stack calls (modules/common), 331 files in all. Three cases:
#   nothing staged   a staged README: the hook stops after `git diff --cached`;
#   one module       a staged change to modules/m3, which 6 stacks call: those 6 are reviewed;
#   shared module    a staged change to modules/common: all 50 stacks are reviewed (the whole
#                    repository read from git, parsed and reviewed).
#
#   cargo build --release && bash benches/hook.sh [path/to/foureyes]
#
# Uses hyperfine when it is installed (https://github.com/sharkdp/hyperfine), otherwise times
# ten runs with `date`. Not a test: nothing here passes or fails on a figure.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-target/release/foureyes}")
[ -x "$bin" ] || { echo "hook.sh: no binary at $bin: cargo build --release first" >&2; exit 2; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export GIT_CONFIG_NOSYSTEM=1 HOME=$dir
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_COMMON_DIR
repo=$dir/repo
git -c init.defaultBranch=main init -q "$repo"
cd "$repo"
git config user.name bench
git config user.email bench@example.com

for m in $(seq 0 19); do
  d=modules/m$m
  mkdir -p "$d"
  cat >"$d/variables.tf" <<TF
variable "name" {
  type    = string
  default = "svc$m"
}
variable "retention" {
  type    = number
  default = 90
}
TF
  cat >"$d/iam.tf" <<TF
resource "aws_iam_role" "svc" {
  name               = "\${var.name}-m$m"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
resource "aws_iam_role_policy" "svc" {
  name = "logs"
  role = aws_iam_role.svc.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["logs:PutLogEvents", "logs:CreateLogStream"], Resource = "*" }]
  })
}
TF
  cat >"$d/logging.tf" <<TF
resource "aws_cloudwatch_log_group" "svc" {
  name              = "/svc/\${var.name}-m$m"
  retention_in_days = var.retention
}
resource "aws_cloudtrail" "svc" {
  name           = "\${var.name}-m$m-trail"
  s3_bucket_name = "audit-m$m"
  enable_logging = true
}
TF
  cat >"$d/main.tf" <<TF
resource "aws_s3_bucket" "data" {
  bucket = "\${var.name}-m$m-data"
}
resource "aws_sqs_queue" "q" {
  name = "\${var.name}-m$m-queue"
}
TF
done
mkdir -p modules/common
cat >modules/common/main.tf <<TF
variable "stack" {
  type = string
}
resource "aws_cloudwatch_log_group" "audit" {
  name              = "/audit/\${var.stack}"
  retention_in_days = 365
}
TF
for e in $(seq 0 49); do
  d=envs/env$e
  mkdir -p "$d"
  a=$((e % 20)) b=$(((e + 1) % 20))
  cat >"$d/main.tf" <<TF
module "a" {
  source = "../../modules/m$a"
  name   = "env$e"
}
module "common" {
  source = "../../modules/common"
  stack  = "env$e"
}
module "b" {
  source    = "../../modules/m$b"
  name      = "env$e-b"
  retention = 365
}
TF
  cat >"$d/providers.tf" <<TF
provider "aws" {
  region = "eu-west-1"
  assume_role {
    role_arn = "arn:aws:iam::123456789012:role/deployer-env$e"
  }
}
TF
  cat >"$d/variables.tf" <<TF
variable "owner" {
  type    = string
  default = "team-$e"
}
TF
  cat >"$d/iam.tf" <<TF
resource "aws_iam_user" "ops" {
  name = "ops-env$e"
}
resource "aws_iam_user_policy" "ops" {
  name   = "read"
  user   = aws_iam_user.ops.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }] })
}
TF
  cat >"$d/terraform.tfvars" <<TF
owner = "platform-$e"
TF
done
git add -A
git commit -q -m base
echo "hook.sh: $(git ls-files | wc -l) files, $(git ls-files '*.tf' | wc -l) .tf files"

time_hook() {
  echo "hook.sh: $1"
  if command -v hyperfine >/dev/null 2>&1; then
    hyperfine --warmup 2 --ignore-failure "$bin hook"
  else
    for i in $(seq 1 10); do
      start=$(date +%s%N)
      "$bin" hook 2>/dev/null || true
      end=$(date +%s%N)
      echo "run $i: $(((end - start) / 1000000)) ms"
    done
  fi
}

echo notes >README.md
git add README.md
time_hook "nothing to review staged"
git commit -q -m readme

# One module's log group keeps logs for a week instead of 90 days.
sed -i 's/default = 90/default = 7/' modules/m3/variables.tf
git add -A
set +e
"$bin" hook
echo "hook.sh: exit $?"
set -e
time_hook "one module, 6 stacks"
git reset -q --hard

# The module every stack calls keeps its audit logs for a month.
sed -i 's/retention_in_days = 365/retention_in_days = 30/' modules/common/main.tf
git add -A
set +e
"$bin" hook
echo "hook.sh: exit $?"
set -e
time_hook "the shared module, 50 stacks"
