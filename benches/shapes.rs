//! The shapes of plan that broke foureyes once, in every output format: time and peak memory.
//!
//! # What it measures
//!
//! Each shape is generated deterministically into a temporary directory, then
//! `foureyes review --exit-zero --format F` runs on it as a child process for every format
//! (text, json, markdown, sarif), best of `FOUREYES_SHAPES_RUNS` (default 1). For each run it
//! reports the wall time, the peak resident memory (`VmHWM`) and that memory over the size of
//! the plan.
//!
//! - `iam-N`: N changed IAM role policies (each granting `iam:PutRolePolicy`) and a deleted
//!   trail: N principals gaining privilege, one finding naming them all. The Markdown comment
//!   once took 17.6 s at 20,000 and 73.5 s at 40,000 (quadratic), and was killed at 200,000.
//!   Sizes 20,000, 40,000 and 200,000: the time per change must stay flat (linear).
//! - `multi-N`: N changes across the other providers, each a quarter of N: Google project
//!   members that an authoritative project policy (changed) takes away, Kubernetes cluster
//!   role bindings of service accounts, Azure role assignments and GitHub team memberships,
//!   beside a disabled audit sink. Sizes 20,000, 40,000 and 200,000: linear, as for `iam`.
//! - `trails-1000000`: a 126 MB plan of 1,000,000 trail deletions (it once took 2.5 GB).
//! - `long-name-100MB`: one role whose name is 100 MB (it once took 2.25 GB).
//!
//! # Targets
//!
//! - every format's time per resource change at the largest `iam` and `multi` sizes at most 2×
//!   that at the smallest (linear time);
//! - peak memory under 2× the plan for `trails` and `long-name`.
//!
//! The `iam` shapes are reported against the same memory measure, for the record: a review
//! keeps per principal more than the few hundred bytes its policy takes in the plan.
//!
//! # Running
//!
//! ```text
//! cargo bench --bench shapes
//! FOUREYES_SHAPES_SCALE=0.1 cargo bench --bench shapes    # a tenth of every size, quickly
//! FOUREYES_SHAPES_ONLY=trails cargo bench --bench shapes  # shapes whose name starts so
//! ```
//!
//! `FOUREYES_BENCH_STRICT=1` makes a missed target exit 1.

mod measure;

use measure::run_review;
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::Duration;

const FORMATS: [&str; 4] = ["text", "json", "markdown", "sarif"];
const TARGET_RSS_RATIO: f64 = 2.0;
const TARGET_LINEAR: f64 = 2.0;

fn main() {
    match run() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("\nbench error: {e}");
            std::process::exit(1);
        }
    }
}

/// Writes a generated plan.
type Writer = Box<dyn Fn(&mut dyn Write) -> io::Result<()>>;

/// A generated plan: its name, how many resource changes it has, and whether its memory is a
/// target (or only reported).
struct Shape {
    name: String,
    changes: usize,
    memory_target: bool,
    write: Writer,
}

fn shapes(scale: f64) -> Vec<Shape> {
    let n = |x: usize| ((x as f64 * scale) as usize).max(1);
    let mut out = Vec::new();
    for size in [20_000, 40_000, 200_000].map(n) {
        out.push(Shape {
            name: format!("iam-{size}"),
            changes: size + 1,
            memory_target: false,
            write: Box::new(move |w| iam(w, size)),
        });
    }
    for size in [20_000, 40_000, 200_000].map(n) {
        out.push(Shape {
            name: format!("multi-{size}"),
            changes: size + 2,
            memory_target: false,
            write: Box::new(move |w| multi(w, size)),
        });
    }
    let trails = n(1_000_000);
    out.push(Shape {
        name: format!("trails-{trails}"),
        changes: trails,
        memory_target: true,
        write: Box::new(move |w| trail_deletions(w, trails)),
    });
    let megabytes = n(100);
    out.push(Shape {
        name: format!("long-name-{megabytes}MB"),
        changes: 2,
        memory_target: true,
        write: Box::new(move |w| long_name(w, megabytes << 20)),
    });
    out
}

/// N changed role policies, each granting privilege administration to its own role, and a
/// deleted trail.
fn iam(w: &mut dyn Write, n: usize) -> io::Result<()> {
    w.write_all(br#"{"format_version":"1.2","terraform_version":"1.11.0","resource_changes":["#)?;
    for i in 0..n {
        write!(
            w,
            r#"{{"address":"aws_iam_role_policy.p{i}","mode":"managed","type":"aws_iam_role_policy","name":"p{i}","change":{{"actions":["create"],"before":null,"after":{{"role":"role-{i}","policy":"{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":[\"iam:PutRolePolicy\",\"s3:GetObject\"],\"Resource\":\"*\"}}]}}"}},"after_unknown":{{"id":true}}}}}},"#
        )?;
    }
    w.write_all(br#"{"address":"aws_cloudtrail.org","mode":"managed","type":"aws_cloudtrail","name":"org","change":{"actions":["delete"],"before":{"name":"org"},"after":null}}]}"#)
}

/// N changes across Google Cloud, Kubernetes, Azure and GitHub (a quarter each), an
/// authoritative Google project policy that takes the members' roles away, and a disabled audit
/// sink.
fn multi(w: &mut dyn Write, n: usize) -> io::Result<()> {
    w.write_all(br#"{"format_version":"1.2","terraform_version":"1.11.0","resource_changes":["#)?;
    let quarter = (n / 4).max(1);
    for i in 0..quarter {
        let member = format!(
            r#"{{"condition":[],"etag":"BwX{i}","id":"acme-prod/roles/editor/user:u{i}@acme.example","member":"user:u{i}@acme.example","project":"acme-prod","role":"roles/editor"}}"#
        );
        write!(
            w,
            r#"{{"address":"google_project_iam_member.m{i}","mode":"managed","type":"google_project_iam_member","name":"m{i}","provider_name":"registry.terraform.io/hashicorp/google","change":{{"actions":["no-op"],"before":{member},"after":{member},"after_unknown":{{}}}}}},"#
        )?;
        write!(
            w,
            r#"{{"address":"kubernetes_cluster_role_binding_v1.b{i}","mode":"managed","type":"kubernetes_cluster_role_binding_v1","name":"b{i}","provider_name":"registry.terraform.io/hashicorp/kubernetes","change":{{"actions":["create"],"before":null,"after":{{"metadata":[{{"name":"b{i}","annotations":null,"labels":null}}],"role_ref":[{{"api_group":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"edit"}}],"subject":[{{"api_group":"","kind":"ServiceAccount","name":"sa{i}","namespace":"ns{i}"}}]}},"after_unknown":{{"id":true}}}}}},"#
        )?;
        write!(
            w,
            r#"{{"address":"azurerm_role_assignment.a{i}","mode":"managed","type":"azurerm_role_assignment","name":"a{i}","provider_name":"registry.terraform.io/hashicorp/azurerm","change":{{"actions":["create"],"before":null,"after":{{"condition":null,"principal_id":"00000000-0000-4000-8000-{i:012}","principal_type":"ServicePrincipal","role_definition_name":"Contributor","scope":"/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg{i}"}},"after_unknown":{{"id":true,"role_definition_id":true}}}}}},"#
        )?;
        write!(
            w,
            r#"{{"address":"github_team_membership.t{i}","mode":"managed","type":"github_team_membership","name":"t{i}","provider_name":"registry.terraform.io/integrations/github","change":{{"actions":["create"],"before":null,"after":{{"role":"member","team_id":"{team}","username":"user{i}"}},"after_unknown":{{"etag":true,"id":true}}}}}},"#,
            team = 1000 + i % 50
        )?;
    }
    w.write_all(br#"{"address":"google_project_iam_policy.project","mode":"managed","type":"google_project_iam_policy","name":"project","provider_name":"registry.terraform.io/hashicorp/google","change":{"actions":["create"],"before":null,"after":{"policy_data":"{\"bindings\":[{\"members\":[\"user:owner@acme.example\"],\"role\":\"roles/owner\"}]}","project":"acme-prod"},"after_unknown":{"etag":true,"id":true}}},"#)?;
    w.write_all(br#"{"address":"google_logging_project_sink.audit","mode":"managed","type":"google_logging_project_sink","name":"audit","provider_name":"registry.terraform.io/hashicorp/google","change":{"actions":["update"],"before":{"destination":"storage.googleapis.com/acme-audit","disabled":false,"filter":"logName:\"cloudaudit.googleapis.com\"","name":"audit","project":"acme-prod"},"after":{"destination":"storage.googleapis.com/acme-audit","disabled":true,"filter":"logName:\"cloudaudit.googleapis.com\"","name":"audit","project":"acme-prod"},"after_unknown":{}}}]}"#)
}

/// N trail deletions, about 126 bytes each.
fn trail_deletions(w: &mut dyn Write, n: usize) -> io::Result<()> {
    w.write_all(br#"{"format_version":"1.2","resource_changes":["#)?;
    for i in 0..n {
        if i > 0 {
            w.write_all(b",")?;
        }
        write!(
            w,
            r#"{{"address":"aws_cloudtrail.t{i}","type":"aws_cloudtrail","name":"t{i}","change":{{"actions":["delete"],"before":{{}},"after":null}}}}"#
        )?;
    }
    w.write_all(b"]}")
}

/// A role with a name of `bytes` bytes, and a policy that gives it `iam:*`.
fn long_name(w: &mut dyn Write, bytes: usize) -> io::Result<()> {
    let name = "r".repeat(bytes);
    write!(
        w,
        r#"{{"format_version":"1.2","resource_changes":[{{"address":"aws_iam_role.r","type":"aws_iam_role","name":"r","change":{{"actions":["create"],"before":null,"after":{{"name":"{name}","assume_role_policy":"{{\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"lambda.amazonaws.com\"}},\"Action\":\"sts:AssumeRole\"}}]}}"}},"after_unknown":{{}}}}}},{{"address":"aws_iam_role_policy.r","type":"aws_iam_role_policy","name":"r","change":{{"actions":["create"],"before":null,"after":{{"role":"{name}","policy":"{{\"Statement\":[{{\"Effect\":\"Allow\",\"Action\":\"iam:*\",\"Resource\":\"*\"}}]}}"}},"after_unknown":{{}}}}}}]}}"#
    )
}

fn env_f64(name: &str, default: f64) -> Result<f64, String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a number")),
        _ => Ok(default),
    }
}

fn run() -> Result<i32, String> {
    let scale = env_f64("FOUREYES_SHAPES_SCALE", 1.0)?;
    let runs = env_f64("FOUREYES_SHAPES_RUNS", 1.0)?.max(1.0) as usize;
    let only = std::env::var("FOUREYES_SHAPES_ONLY").unwrap_or_default();
    let strict = std::env::var("FOUREYES_BENCH_STRICT").is_ok_and(|v| v == "1");
    let bin = Path::new(env!("CARGO_BIN_EXE_foureyes"));
    let tmp = tempfile::Builder::new()
        .prefix("foureyes-shapes-")
        .tempdir()
        .map_err(|e| format!("cannot create temp dir: {e}"))?;
    println!("foureyes review on the shapes that once broke it (best of {runs}, scale {scale})");
    println!();
    println!(
        "  {:<20} {:>9} {:>9}  {:>8} {:>10} {:>9} {:>8}",
        "shape", "plan MB", "format", "time s", "µs/change", "peak MB", "peak/plan"
    );
    let mut all_pass = true;
    // Per family of sizes (`iam`, `multi`) and format: (time per change at the smallest size,
    // at the largest), and how many sizes were seen.
    let mut per_change: std::collections::BTreeMap<String, (Vec<(f64, f64)>, usize)> =
        std::collections::BTreeMap::new();
    for shape in shapes(scale) {
        if !shape.name.starts_with(&only) {
            continue;
        }
        let path = tmp.path().join(format!("{}.json", shape.name));
        let mut file =
            BufWriter::new(File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?);
        (shape.write)(&mut file).map_err(|e| format!("writing {}: {e}", path.display()))?;
        file.flush()
            .map_err(|e| format!("writing {}: {e}", path.display()))?;
        drop(file);
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        let family = ["iam-", "multi-"]
            .into_iter()
            .find(|f| shape.name.starts_with(f))
            .map(|f| f.trim_end_matches('-').to_string());
        for (f, format) in FORMATS.iter().enumerate() {
            let mut best = Duration::MAX;
            let mut peak: Option<u64> = None;
            for _ in 0..runs {
                let r = run_review(bin, &path, format, tmp.path())?;
                best = best.min(r.wall);
                peak = match (peak, r.peak_rss_kib) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
            }
            let micros = best.as_secs_f64() * 1e6 / shape.changes as f64;
            if let Some(family) = &family {
                let (times, seen) = per_change
                    .entry(family.clone())
                    .or_insert_with(|| (vec![(0.0, 0.0); FORMATS.len()], 0));
                if *seen == 0 {
                    times[f].0 = micros;
                }
                times[f].1 = micros;
            }
            let (peak_mb, ratio) = match peak {
                Some(kib) => {
                    let bytes = kib * 1024;
                    (mb(bytes), bytes as f64 / size.max(1) as f64)
                }
                None => (f64::NAN, f64::NAN),
            };
            let verdict = if shape.memory_target {
                let pass = ratio < TARGET_RSS_RATIO;
                all_pass &= pass;
                if pass {
                    "PASS"
                } else {
                    "FAIL"
                }
            } else {
                ""
            };
            println!(
                "  {:<20} {:>9.1} {:>9}  {:>8.2} {:>10.2} {:>9.1} {:>7.2}x {verdict}",
                shape.name,
                mb(size),
                format,
                best.as_secs_f64(),
                micros,
                peak_mb,
                ratio
            );
        }
        if let Some(family) = &family {
            if let Some((_, seen)) = per_change.get_mut(family) {
                *seen += 1;
            }
        }
        let _ = std::fs::remove_file(&path);
    }
    for (family, (times, seen)) in &per_change {
        if *seen < 2 {
            continue;
        }
        println!();
        println!("  linear time: µs per change at the largest {family} size over the smallest (target <= {TARGET_LINEAR:.1})");
        for (f, format) in FORMATS.iter().enumerate() {
            let (small, large) = times[f];
            let ratio = large / small.max(1e-9);
            let pass = ratio <= TARGET_LINEAR;
            all_pass &= pass;
            println!(
                "  {format:>9}  {ratio:>6.2}x   {}",
                if pass { "PASS" } else { "FAIL" }
            );
        }
    }
    Ok(if strict && !all_pass { 1 } else { 0 })
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}
