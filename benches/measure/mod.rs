//! Measuring a review as a whole process: its wall time and its peak resident memory.
//! Shared by the benchmarks.

#![allow(dead_code)] // each benchmark uses its own part of this module

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

pub struct ReviewRun {
    pub wall: Duration,
    pub peak_rss_kib: Option<u64>,
    pub status: ExitStatus,
    pub stdout_bytes: u64,
    pub stdout_is_json: bool,
}

/// Runs `foureyes review --format FORMAT --exit-zero <plan>` once; fails with the child's
/// stderr if it exits with 2 (or anything but 0/1) or is killed.
pub fn run_review(bin: &Path, plan: &Path, format: &str, dir: &Path) -> Result<ReviewRun, String> {
    run_review_with(bin, &[plan.as_os_str()], format, dir)
}

/// Runs `foureyes review --format FORMAT --exit-zero ARGS...` once (a plan, or
/// `--hcl-base DIR --hcl-head DIR`), as [`run_review`] does.
pub fn run_review_with(
    bin: &Path,
    inputs: &[&std::ffi::OsStr],
    format: &str,
    dir: &Path,
) -> Result<ReviewRun, String> {
    let shown = inputs
        .iter()
        .map(|a| a.to_string_lossy())
        .collect::<Vec<_>>()
        .join(" ");
    let out_path = dir.join("review.stdout");
    let err_path = dir.join("review.stderr");
    let stdout = File::create(&out_path).map_err(|e| format!("{}: {e}", out_path.display()))?;
    let stderr = File::create(&err_path).map_err(|e| format!("{}: {e}", err_path.display()))?;

    let start = Instant::now();
    let mut child = Command::new(bin)
        .args(["review", "--format", format, "--exit-zero"])
        .args(inputs)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let sampler = RssSampler::start(child.id(), bin);
    let status = child
        .wait()
        .map_err(|e| format!("waiting for foureyes: {e}"))?;
    let wall = start.elapsed();
    let peak_rss_kib = sampler.finish();

    let ok = matches!(status.code(), Some(0) | Some(1));
    if !ok {
        let stderr_text = fs::read(&err_path).unwrap_or_default();
        let stderr_text = String::from_utf8_lossy(&stderr_text);
        let tail: String = {
            let s = stderr_text.trim_end();
            let cut = s.len().saturating_sub(8000);
            let cut = (cut..=s.len())
                .find(|&i| s.is_char_boundary(i))
                .unwrap_or(s.len());
            s[cut..].to_string()
        };
        return Err(format!(
            "`foureyes review --format {format} --exit-zero {}` {}\n--- stderr ---\n{}\n--------------",
            shown,
            describe_status(&status),
            if tail.is_empty() { "(empty)" } else { &tail }
        ));
    }
    if status.code() == Some(1) {
        eprintln!("  note: foureyes exited 1 despite --exit-zero");
    }
    let stdout_bytes = fs::metadata(&out_path).map(|m| m.len()).unwrap_or(0);
    let stdout_is_json = format == "json"
        && fs::read(&out_path)
            .ok()
            .is_some_and(|b| serde_json::from_slice::<serde::de::IgnoredAny>(&b).is_ok());
    Ok(ReviewRun {
        wall,
        peak_rss_kib,
        status,
        stdout_bytes,
        stdout_is_json,
    })
}

pub fn describe_status(status: &ExitStatus) -> String {
    if let Some(code) = status.code() {
        let meaning = match code {
            0 => "pass",
            1 => "approval required",
            2 => "error",
            _ => "unexpected",
        };
        return format!("exited with code {code} ({meaning})");
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            let name = match sig {
                9 => " (SIGKILL — out of memory?)",
                11 => " (SIGSEGV)",
                6 => " (SIGABRT)",
                15 => " (SIGTERM)",
                _ => "",
            };
            return format!("was killed by signal {sig}{name}");
        }
    }
    format!("ended abnormally ({status})")
}

/// Samples the child's peak resident set size (`VmHWM`, KiB) from `/proc/<pid>/status`
/// every millisecond on a background thread.
struct RssSampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    handle: Option<thread::JoinHandle<()>>,
}

impl RssSampler {
    fn start(pid: u32, bin: &Path) -> RssSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        // /proc/<pid>/status "Name:" is the executable's basename truncated to 15 bytes.
        // Until it matches, the pid still runs the (pre-exec) copy of this process.
        let mut comm = bin
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        comm.truncate(15);
        let handle = if cfg!(target_os = "linux") {
            let (stop, peak) = (Arc::clone(&stop), Arc::clone(&peak));
            Some(thread::spawn(move || {
                let path = format!("/proc/{pid}/status");
                loop {
                    let done = stop.load(Ordering::Acquire);
                    if let Some(kib) = read_vm_hwm(&path, &comm) {
                        peak.fetch_max(kib, Ordering::AcqRel);
                    }
                    if done {
                        break;
                    }
                    thread::sleep(Duration::from_millis(1));
                }
            }))
        } else {
            None
        };
        RssSampler { stop, peak, handle }
    }

    fn finish(mut self) -> Option<u64> {
        self.stop.store(true, Ordering::Release);
        let handle = self.handle.take()?;
        let _ = handle.join();
        Some(self.peak.load(Ordering::Acquire)).filter(|&k| k > 0)
    }
}

fn read_vm_hwm(path: &str, comm: &str) -> Option<u64> {
    let status = fs::read_to_string(path).ok()?;
    let mut name_ok = false;
    let mut hwm = None;
    for line in status.lines() {
        if let Some(name) = line.strip_prefix("Name:") {
            name_ok = name.trim() == comm;
        } else if let Some(v) = line.strip_prefix("VmHWM:") {
            hwm = v.trim().trim_end_matches("kB").trim().parse().ok();
        }
    }
    hwm.filter(|_| name_ok)
}
