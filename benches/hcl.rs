//! Reviewing two trees of `.tf` files (`--hcl-base DIR --hcl-head DIR`): time and peak memory
//! as the trees grow, to keep the reader linear.
//!
//! # What it measures
//!
//! For N of 2,000, 4,000 and 8,000 (`FOUREYES_HCL_SCALE` multiplies them), two trees of N
//! roles, each with an inline policy (`jsonencode`), a trust policy from one
//! `aws_iam_policy_document` and a log group, in files of 500 blocks: 3N resources a side. The
//! head lengthens every log group's retention and gives every 50th role `iam:PutRolePolicy`.
//! `foureyes review --format json --exit-zero` runs on the pair as a child process, best of
//! `FOUREYES_HCL_RUNS` (default 1), and the wall time per resource and the peak resident
//! memory (`VmHWM`) are reported.
//!
//! # Target
//!
//! The time per resource at the largest size at most 2× that at the smallest (linear time). A
//! scan of every resource block per resource once made 24,000 resources a side take 4.3 s
//! instead of 2.9 s.
//!
//! # Running
//!
//! ```text
//! cargo bench --bench hcl
//! FOUREYES_BENCH_STRICT=1 cargo bench --bench hcl   # a missed target exits 1
//! ```

mod measure;

use measure::run_review_with;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

const TARGET_LINEAR: f64 = 2.0;
/// Resource blocks per file (a file is at most 4 MiB).
const PER_FILE: usize = 500;

fn main() {
    match run() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("\nbench error: {e}");
            std::process::exit(1);
        }
    }
}

/// Writes one side's tree of `n` roles into `dir`.
fn tree(dir: &Path, n: usize, head: bool) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut file = String::new();
    let mut written = 0;
    let flush = |text: &mut String, index: usize| -> Result<(), String> {
        let path = dir.join(format!("roles-{index:03}.tf"));
        std::fs::write(&path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))?;
        text.clear();
        Ok(())
    };
    for i in 0..n {
        let action = if head && i % 50 == 0 {
            "iam:PutRolePolicy"
        } else {
            "s3:GetObject"
        };
        let retention = if head { 60 } else { 30 };
        let _ = write!(
            file,
            r#"
resource "aws_iam_role" "r{i}" {{
  name               = "role-{i}"
  assume_role_policy = data.aws_iam_policy_document.trust.json
}}

resource "aws_iam_role_policy" "p{i}" {{
  name = "p{i}"
  role = aws_iam_role.r{i}.id
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = ["{action}"], Resource = "*" }}]
  }})
}}

resource "aws_cloudwatch_log_group" "g{i}" {{
  name              = "/app/{i}"
  retention_in_days = {retention}
}}
"#
        );
        if (i + 1) % PER_FILE == 0 {
            flush(&mut file, written)?;
            written += 1;
        }
    }
    file.push_str(
        r#"
data "aws_iam_policy_document" "trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}
"#,
    );
    flush(&mut file, written)
}

fn run() -> Result<i32, String> {
    let scale: f64 = std::env::var("FOUREYES_HCL_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let runs: usize = std::env::var("FOUREYES_HCL_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
        .max(1);
    let strict = std::env::var_os("FOUREYES_BENCH_STRICT").is_some();
    let bin = Path::new(env!("CARGO_BIN_EXE_foureyes"));
    let dir = tempfile::Builder::new()
        .prefix("foureyes-hcl-")
        .tempdir()
        .map_err(|e| format!("a temporary directory: {e}"))?;
    println!("foureyes review --hcl-base --hcl-head on growing trees (best of {runs})");
    let mut per_resource = Vec::new();
    for n in [2_000, 4_000, 8_000].map(|x| ((x as f64 * scale) as usize).max(1)) {
        let base = dir.path().join(format!("n{n}/base"));
        let head = dir.path().join(format!("n{n}/head"));
        tree(&base, n, false)?;
        tree(&head, n, true)?;
        let mut best: Option<(Duration, Option<u64>)> = None;
        for _ in 0..runs {
            let r = run_review_with(
                bin,
                &[
                    "--hcl-base".as_ref(),
                    base.as_os_str(),
                    "--hcl-head".as_ref(),
                    head.as_os_str(),
                ],
                "json",
                dir.path(),
            )?;
            if best.is_none_or(|(w, _)| r.wall < w) {
                best = Some((r.wall, r.peak_rss_kib));
            }
        }
        let (wall, rss) = best.expect("at least one run");
        let resources = 3 * n + 1;
        let micros = wall.as_secs_f64() * 1e6 / resources as f64;
        per_resource.push(micros);
        println!(
            "  {resources:>7} resources a side  {:>7.2} s  {micros:>6.1} µs per resource  peak {}",
            wall.as_secs_f64(),
            rss.map_or("?".to_string(), |k| format!("{} MiB", k / 1024))
        );
    }
    let ratio = per_resource.last().copied().unwrap_or(0.0)
        / per_resource
            .first()
            .copied()
            .unwrap_or(1.0)
            .max(f64::MIN_POSITIVE);
    let met = ratio <= TARGET_LINEAR;
    println!(
        "  linear time: µs per resource at the largest size over the smallest: {ratio:.2} \
         (target <= {TARGET_LINEAR:.1}) {}",
        if met { "met" } else { "MISSED" }
    );
    Ok(if strict && !met { 1 } else { 0 })
}
