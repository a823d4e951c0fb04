//! End-to-end performance benchmark for `foureyes review` on a very large plan.
//!
//! # What it measures
//!
//! 1. **Plan generation** (not a target, just reported): a synthetic but realistic
//!    `terraform show -json` plan (format_version "1.2") with N resource changes is
//!    generated deterministically (seeded SplitMix64, no `rand`) and streamed to disk
//!    through a `BufWriter`. Roughly 35 % IAM, 25 % logging/audit and 40 % ordinary AWS
//!    resources; mostly no-op with some create/update/delete/replace; resources in
//!    nested modules, with `count` and `for_each` instance keys; `after_unknown`,
//!    `before_sensitive`/`after_sensitive`, `prior_state`, `configuration` (provider
//!    config, expressions, module calls) and `relevant_attributes` are all present.
//! 2. **Parse baseline**: `std::fs::read` + `serde_json::from_slice::<IgnoredAny>`
//!    in-process — the cheapest possible "look at every byte" of the same file.
//! 3. **Review**: the release binary, run as a child process:
//!    `foureyes review --format json --exit-zero <plan>` (stdout to a file), wall time,
//!    and its **peak RSS**.
//!
//! Each measurement is best-of-N (default 3).
//!
//! Peak RSS is the child's `VmHWM` ("high water mark" resident set — the same kernel
//! counter that `getrusage().ru_maxrss` reports), sampled from `/proc/<pid>/status`
//! every millisecond while the child runs. (`libc::wait4` would give it exactly, but
//! the crate sets `unsafe_code = "forbid"`, which also applies to benches.) VmHWM
//! never decreases, so only growth in the child's final millisecond could be missed.
//! Linux only: elsewhere peak RSS is reported as unavailable.
//!
//! # Targets
//!
//! * review time / parse-baseline time **≤ 2.0**
//! * peak RSS / plan file size **< 2.0**
//!
//! Each is reported as PASS or FAIL. The benchmark exits 0 even on FAIL unless
//! `FOUREYES_BENCH_STRICT=1`; it exits 1 if the review itself fails (exit code 2, other
//! unexpected exit code, or killed by a signal), printing the child's stderr.
//!
//! # Running
//!
//! ```text
//! cargo bench --bench review
//! FOUREYES_BENCH_RESOURCES=2000 cargo bench --bench review      # quick smoke run
//! FOUREYES_BENCH_PLAN=/tmp/big-plan.json cargo bench --bench review
//! ```
//!
//! # Environment variables
//!
//! * `FOUREYES_BENCH_RESOURCES` — number of resource changes to generate (default 50000,
//!   about 147 MB, generated in ~1.5 s; the output is byte-for-byte deterministic).
//! * `FOUREYES_BENCH_PLAN` — path of a plan to use. If the file exists it is used as is
//!   (no generation); if it does not, the generated plan is written there and kept, so
//!   the next run reuses it. Unset: generated into a temporary directory, deleted at exit.
//! * `FOUREYES_BENCH_RUNS` — repetitions per measurement, best one is reported (default 3).
//! * `FOUREYES_BENCH_STRICT` — if `1`, exit 1 when a target is missed.
//!
//! Arguments passed by `cargo bench` (such as `--bench`) are ignored.

#![recursion_limit = "256"]

mod measure;

use measure::{describe_status, run_review, ReviewRun};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs::{self, File};
use std::hint::black_box;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const DEFAULT_RESOURCES: usize = 50_000;
const DEFAULT_RUNS: usize = 3;
const TARGET_TIME_RATIO: f64 = 2.0;
const TARGET_RSS_RATIO: f64 = 2.0;
const SEED: u64 = 0x0F0E_7E5E_BE4C_2025;

// ───────────────────────────── driver ─────────────────────────────

fn main() {
    // `cargo bench` passes `--bench` (and possibly filters); none of them apply here.
    let _ignored: Vec<String> = std::env::args().skip(1).collect();
    match run() {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("\nbench error: {e}");
            std::process::exit(1);
        }
    }
}

struct Config {
    resources: usize,
    runs: usize,
    plan: Option<PathBuf>,
    strict: bool,
}

impl Config {
    fn from_env() -> Result<Config, String> {
        let resources = env_usize("FOUREYES_BENCH_RESOURCES", DEFAULT_RESOURCES)?;
        let runs = env_usize("FOUREYES_BENCH_RUNS", DEFAULT_RUNS)?.max(1);
        let plan = std::env::var_os("FOUREYES_BENCH_PLAN")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from);
        let strict = std::env::var("FOUREYES_BENCH_STRICT").is_ok_and(|v| v == "1");
        Ok(Config {
            resources: resources.max(1),
            runs,
            plan,
            strict,
        })
    }
}

fn env_usize(name: &str, default: usize) -> Result<usize, String> {
    match std::env::var(name) {
        Ok(v) if !v.trim().is_empty() => v
            .trim()
            .replace('_', "")
            .parse()
            .map_err(|_| format!("{name}={v:?} is not a non-negative integer")),
        _ => Ok(default),
    }
}

fn run() -> Result<i32, String> {
    let cfg = Config::from_env()?;
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_foureyes"));
    let tmp = tempfile::Builder::new()
        .prefix("foureyes-bench-")
        .tempdir()
        .map_err(|e| format!("cannot create temp dir: {e}"))?;

    println!("foureyes review benchmark");

    // 1. The plan: reuse, or generate.
    let (plan_path, resources, generated_in) = match &cfg.plan {
        Some(p) if p.exists() => {
            let n = count_resource_changes(p)?;
            (p.clone(), n, None)
        }
        other => {
            let path = other
                .clone()
                .unwrap_or_else(|| tmp.path().join("plan.json"));
            println!(
                "  generating {} resource changes -> {}",
                cfg.resources,
                path.display()
            );
            let t = Instant::now();
            let plan = Plan::generate(cfg.resources, SEED);
            write_plan(&plan, &path).map_err(|e| format!("writing {}: {e}", path.display()))?;
            (path, cfg.resources, Some(t.elapsed()))
        }
    };
    let file_bytes = fs::metadata(&plan_path)
        .map_err(|e| format!("{}: {e}", plan_path.display()))?
        .len();

    println!("  plan file        {}", plan_path.display());
    println!("  file size        {:.1} MB", mb(file_bytes));
    match generated_in {
        Some(d) => println!(
            "  resources        {resources} (generated in {:.2} s)",
            d.as_secs_f64()
        ),
        None => println!("  resources        {resources} (existing file, not regenerated)"),
    }
    println!("  runs             best of {}", cfg.runs);
    println!("  review binary    {}", bin.display());
    println!();

    // 2. Parse baseline.
    let mut parse_best = Duration::MAX;
    for _ in 0..cfg.runs {
        parse_best = parse_best.min(parse_baseline(&plan_path)?);
    }
    println!(
        "  parse baseline   {:>8.3} s   (fs::read + serde_json IgnoredAny)",
        parse_best.as_secs_f64()
    );

    // 3. Review, as a child process.
    let mut review_best = Duration::MAX;
    let mut peak_kib: Option<u64> = None;
    let mut last: Option<ReviewRun> = None;
    for _ in 0..cfg.runs {
        let r = match run_review(&bin, &plan_path, "json", tmp.path()) {
            Ok(r) => r,
            Err(e) => {
                println!("  review           FAILED");
                return Err(e);
            }
        };
        review_best = review_best.min(r.wall);
        peak_kib = match (peak_kib, r.peak_rss_kib) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        last = Some(r);
    }
    println!(
        "  review           {:>8.3} s   (foureyes review --format json --exit-zero)",
        review_best.as_secs_f64()
    );

    let mut all_pass = true;
    let time_ratio = review_best.as_secs_f64() / parse_best.as_secs_f64().max(1e-9);
    let pass = time_ratio <= TARGET_TIME_RATIO;
    all_pass &= pass;
    println!(
        "  review / parse   {:>8.2} x   target <= {TARGET_TIME_RATIO:.1}   {}",
        time_ratio,
        verdict(pass)
    );

    match peak_kib {
        Some(kib) => {
            let bytes = kib * 1024;
            let ratio = bytes as f64 / file_bytes.max(1) as f64;
            let pass = ratio < TARGET_RSS_RATIO;
            all_pass &= pass;
            println!("  peak RSS         {:>8.1} MB", mb(bytes));
            println!(
                "  peak / file      {:>8.2} x   target <  {TARGET_RSS_RATIO:.1}   {}",
                ratio,
                verdict(pass)
            );
        }
        None => {
            all_pass = false;
            println!("  peak RSS         unavailable (needs Linux /proc)");
        }
    }

    if let Some(r) = &last {
        println!();
        println!("  review exit code {}", describe_status(&r.status));
        println!(
            "  review output    {:.2} MB, {}",
            mb(r.stdout_bytes),
            if r.stdout_is_json {
                "valid JSON"
            } else {
                "NOT valid JSON"
            }
        );
    }
    Ok(if cfg.strict && !all_pass { 1 } else { 0 })
}

fn verdict(pass: bool) -> &'static str {
    if pass {
        "PASS"
    } else {
        "FAIL"
    }
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn count_resource_changes(path: &Path) -> Result<usize, String> {
    #[derive(Deserialize)]
    struct Changes {
        #[serde(default)]
        resource_changes: Vec<IgnoredAny>,
    }
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let c: Changes = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a plan: {e}", path.display()))?;
    Ok(c.resource_changes.len())
}

// ─────────────────────────── measurements ───────────────────────────

fn parse_baseline(path: &Path) -> Result<Duration, String> {
    let start = Instant::now();
    let bytes = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let parsed: IgnoredAny = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not valid JSON: {e}", path.display()))?;
    black_box(parsed);
    drop(bytes);
    Ok(start.elapsed())
}

// ─────────────────────────── PRNG ───────────────────────────

/// SplitMix64: tiny, fast, good enough, and stable across platforms and versions.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// Inclusive range.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn weighted<T: Copy>(&mut self, table: &[(T, u32)]) -> T {
        let total: u64 = table.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut x = self.below(total);
        for (item, w) in table {
            let w = u64::from(*w);
            if x < w {
                return *item;
            }
            x -= w;
        }
        table[table.len() - 1].0
    }

    fn chars(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n).map(|_| char::from(*self.pick(alphabet))).collect()
    }

    fn hex(&mut self, n: usize) -> String {
        self.chars(n, b"0123456789abcdef")
    }

    /// IAM unique ids: AROA…, AIDA…, ANPA… followed by 17 upper-case alphanumerics.
    fn iam_id(&mut self, prefix: &str) -> String {
        format!(
            "{prefix}{}",
            self.chars(17, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        )
    }

    fn date(&mut self) -> String {
        format!(
            "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            self.range(19, 24),
            self.range(1, 12),
            self.range(1, 28),
            self.below(24),
            self.below(60),
            self.below(60)
        )
    }
}

// ─────────────────────────── plan model ───────────────────────────

const TF_VERSION: &str = "1.9.8";
const PROVIDER: &str = "registry.terraform.io/hashicorp/aws";
const ACCOUNT: &str = "483920175634";
const REGION: &str = "us-east-1";
const ENV: &str = "prod";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    // IAM (~35 %)
    IamRole,
    IamRolePolicy,
    IamRolePolicyAttachment,
    IamPolicy,
    IamUser,
    IamGroupMembership,
    // logging / audit (~25 %)
    LogGroup,
    CloudTrail,
    S3BucketLogging,
    FlowLog,
    ConfigRecorder,
    // ordinary (~40 %)
    Instance,
    S3Bucket,
    Lambda,
    SecurityGroup,
    Route53Record,
    DynamoDbTable,
}

const KIND_WEIGHTS: &[(Kind, u32)] = &[
    (Kind::IamRole, 8),
    (Kind::IamRolePolicy, 7),
    (Kind::IamRolePolicyAttachment, 13),
    (Kind::IamPolicy, 2),
    (Kind::IamUser, 3),
    (Kind::IamGroupMembership, 2),
    (Kind::LogGroup, 13),
    (Kind::CloudTrail, 1),
    (Kind::S3BucketLogging, 6),
    (Kind::FlowLog, 2),
    (Kind::ConfigRecorder, 3),
    (Kind::Instance, 5),
    (Kind::S3Bucket, 6),
    (Kind::Lambda, 5),
    (Kind::SecurityGroup, 6),
    (Kind::Route53Record, 12),
    (Kind::DynamoDbTable, 6),
];

impl Kind {
    fn type_name(self) -> &'static str {
        match self {
            Kind::IamRole => "aws_iam_role",
            Kind::IamRolePolicy => "aws_iam_role_policy",
            Kind::IamRolePolicyAttachment => "aws_iam_role_policy_attachment",
            Kind::IamPolicy => "aws_iam_policy",
            Kind::IamUser => "aws_iam_user",
            Kind::IamGroupMembership => "aws_iam_group_membership",
            Kind::LogGroup => "aws_cloudwatch_log_group",
            Kind::CloudTrail => "aws_cloudtrail",
            Kind::S3BucketLogging => "aws_s3_bucket_logging",
            Kind::FlowLog => "aws_flow_log",
            Kind::ConfigRecorder => "aws_config_configuration_recorder",
            Kind::Instance => "aws_instance",
            Kind::S3Bucket => "aws_s3_bucket",
            Kind::Lambda => "aws_lambda_function",
            Kind::SecurityGroup => "aws_security_group",
            Kind::Route53Record => "aws_route53_record",
            Kind::DynamoDbTable => "aws_dynamodb_table",
        }
    }

    fn schema_version(self) -> u64 {
        match self {
            Kind::Instance | Kind::SecurityGroup | Kind::DynamoDbTable | Kind::FlowLog => 1,
            Kind::Route53Record => 2,
            _ => 0,
        }
    }

    /// Attributes only known after apply: absent from `after` and `true` in
    /// `after_unknown` when the resource is created (or re-created).
    fn computed(self) -> &'static [&'static str] {
        match self {
            Kind::IamRole => &[
                "arn",
                "create_date",
                "id",
                "managed_policy_arns",
                "tags_all",
                "unique_id",
            ],
            Kind::IamRolePolicy => &["id"],
            Kind::IamRolePolicyAttachment => &["id"],
            Kind::IamPolicy => &["arn", "attachment_count", "id", "policy_id", "tags_all"],
            Kind::IamUser => &["arn", "id", "tags_all", "unique_id"],
            Kind::IamGroupMembership => &["id"],
            Kind::LogGroup => &["arn", "id", "tags_all"],
            Kind::CloudTrail => &["arn", "home_region", "id", "tags_all"],
            Kind::S3BucketLogging => &["id"],
            Kind::FlowLog => &["arn", "id", "log_group_name", "tags_all"],
            Kind::ConfigRecorder => &["id"],
            Kind::Instance => &[
                "arn",
                "id",
                "instance_state",
                "private_ip",
                "public_ip",
                "tags_all",
            ],
            Kind::S3Bucket => &[
                "arn",
                "bucket_regional_domain_name",
                "id",
                "region",
                "tags_all",
            ],
            Kind::Lambda => &["arn", "id", "last_modified", "tags_all", "version"],
            Kind::SecurityGroup => &["arn", "id", "owner_id", "tags_all"],
            Kind::Route53Record => &["fqdn", "id"],
            Kind::DynamoDbTable => &["arn", "id", "stream_arn", "tags_all"],
        }
    }

    /// Attributes that become unknown on an in-place update.
    fn update_unknown(self) -> &'static [&'static str] {
        match self {
            Kind::Lambda => &["last_modified", "version"],
            _ => &[],
        }
    }

    /// The attribute whose change forces replacement (used for `replace_paths`).
    fn force_new(self) -> &'static str {
        match self {
            Kind::IamRolePolicyAttachment => "policy_arn",
            Kind::IamRolePolicy => "role",
            Kind::IamGroupMembership => "group",
            Kind::S3BucketLogging | Kind::S3Bucket => "bucket",
            Kind::FlowLog => "traffic_type",
            Kind::Instance => "ami",
            Kind::Lambda => "function_name",
            _ => "name",
        }
    }

    fn updatable(self) -> bool {
        !matches!(self, Kind::IamRolePolicyAttachment)
    }

    fn block_words(self) -> &'static [&'static str] {
        match self {
            Kind::IamRole => &[
                "exec", "task", "deploy", "reader", "ci", "app", "worker", "etl", "api",
            ],
            Kind::IamRolePolicy => &[
                "inline",
                "access",
                "data_access",
                "s3_rw",
                "queue",
                "kms_use",
            ],
            Kind::IamRolePolicyAttachment => {
                &["managed", "readonly", "basic_exec", "ssm", "vpc_access"]
            }
            Kind::IamPolicy => &["boundary", "shared", "deploy", "read_all", "ops"],
            Kind::IamUser => &["human", "svc_user", "breakglass", "legacy"],
            Kind::IamGroupMembership => &["admins", "developers", "auditors", "oncall"],
            Kind::LogGroup => &[
                "app_logs",
                "lambda_logs",
                "access_logs",
                "audit_logs",
                "ecs",
            ],
            Kind::CloudTrail => &["org_trail", "trail", "data_events"],
            Kind::S3BucketLogging => &["access_logging", "logging"],
            Kind::FlowLog => &["vpc_flow", "flow_logs"],
            Kind::ConfigRecorder => &["recorder", "config"],
            Kind::Instance => &["bastion", "web", "app", "batch", "worker"],
            Kind::S3Bucket => &["assets", "data", "artifacts", "uploads", "backups"],
            Kind::Lambda => &["handler", "processor", "authorizer", "cron", "webhook"],
            Kind::SecurityGroup => &["web_sg", "db_sg", "app_sg", "lb_sg", "egress_only"],
            Kind::Route53Record => &["api_dns", "www", "internal", "alias"],
            Kind::DynamoDbTable => &["sessions", "orders", "events", "locks"],
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Action {
    NoOp,
    Create,
    Update,
    Delete,
    /// `["delete","create"]`
    Replace,
    /// `["create","delete"]` (create_before_destroy)
    ReplaceCbd,
}

const ACTION_WEIGHTS: &[(Action, u32)] = &[
    (Action::NoOp, 830),
    (Action::Update, 70),
    (Action::Create, 55),
    (Action::Delete, 25),
    (Action::Replace, 15),
    (Action::ReplaceCbd, 5),
];

impl Action {
    fn json(self) -> &'static str {
        match self {
            Action::NoOp => r#"["no-op"]"#,
            Action::Create => r#"["create"]"#,
            Action::Update => r#"["update"]"#,
            Action::Delete => r#"["delete"]"#,
            Action::Replace => r#"["delete","create"]"#,
            Action::ReplaceCbd => r#"["create","delete"]"#,
        }
    }
    fn has_before(self) -> bool {
        self != Action::Create
    }
    fn has_after(self) -> bool {
        self != Action::Delete
    }
}

#[derive(Clone, Debug)]
enum Key {
    None,
    Count(u32),
    Each(String),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Repetition {
    Single,
    Count,
    ForEach,
}

struct Module {
    /// "" for root, "module.svc_17", "module.svc_17.module.audit"
    address: String,
    /// call name in the parent: "svc_17", "audit"
    call: String,
    parent: Option<usize>,
    /// used in cloud-side names: "core", "orders17"
    slug: String,
    source: &'static str,
}

struct Instance {
    key: Key,
    action: Action,
    seed: u64,
}

struct Block {
    module: usize,
    kind: Kind,
    name: String,
    repetition: Repetition,
    instances: Vec<Instance>,
    seed: u64,
}

/// The role a policy/attachment/lambda in the same module refers to.
struct RoleRef {
    block_name: String,
    /// full address of the referenced instance, e.g. `module.svc_3.aws_iam_role.this["ci"]`
    instance_address: String,
    /// relative config reference, e.g. `aws_iam_role.this["ci"]`
    reference: String,
    role_name: String,
}

struct Plan {
    modules: Vec<Module>,
    /// sorted by (module, type, name); `module_blocks[m]` indexes into this
    blocks: Vec<Block>,
    module_blocks: Vec<Vec<usize>>,
    module_roles: Vec<Option<RoleRef>>,
}

const SERVICE_WORDS: &[&str] = &[
    "orders", "billing", "ingest", "search", "auth", "payments", "reports", "catalog", "notify",
    "ledger", "media", "profile", "checkout", "pricing", "etl", "gateway",
];
const EACH_KEYS: &[&str] = &[
    "admin",
    "api",
    "audit",
    "batch",
    "blue",
    "ci",
    "etl",
    "green",
    "ops",
    "reader",
    "worker",
    "writer",
    "analytics",
    "backup",
    "canary",
    "eu",
    "us",
];
const TEAMS: &[&str] = &[
    "platform", "payments", "data", "identity", "growth", "sre", "security",
];

impl Plan {
    fn generate(n: usize, seed: u64) -> Plan {
        let mut rng = Rng::new(seed);

        // Modules: root, module.svc_K, and for every 4th service a nested audit module.
        let n_services = (n / 300).max(2);
        let mut modules = vec![Module {
            address: String::new(),
            call: String::new(),
            parent: None,
            slug: "core".into(),
            source: "",
        }];
        for k in 0..n_services {
            let word = SERVICE_WORDS[k % SERVICE_WORDS.len()];
            modules.push(Module {
                address: format!("module.svc_{k}"),
                call: format!("svc_{k}"),
                parent: Some(0),
                slug: format!("{word}{k}"),
                source: "./modules/service",
            });
            if k % 4 == 0 {
                modules.push(Module {
                    address: format!("module.svc_{k}.module.audit"),
                    call: "audit".into(),
                    parent: None, // fixed after sorting
                    slug: format!("{word}{k}-audit"),
                    source: "../audit",
                });
            }
        }
        // Sort by address (root "" first) and re-link parents.
        modules.sort_by(|a, b| a.address.cmp(&b.address));
        let index_of = |addr: &str, ms: &[Module]| ms.iter().position(|m| m.address == addr);
        let parents: Vec<Option<usize>> = modules
            .iter()
            .map(|m| {
                if m.address.is_empty() {
                    None
                } else if let Some((parent, _)) = m.address.rsplit_once(".module.") {
                    index_of(parent, &modules)
                } else {
                    Some(0)
                }
            })
            .collect();
        for (m, p) in modules.iter_mut().zip(parents) {
            m.parent = p;
        }

        // Blocks until we have n instances.
        let mut blocks: Vec<Block> = Vec::new();
        let mut total = 0usize;
        let mut counter = 0u32;
        let mut has_this: BTreeSet<(usize, &'static str)> = BTreeSet::new();
        while total < n {
            let kind = rng.weighted(KIND_WEIGHTS);
            let module = if rng.percent(30) {
                0
            } else {
                1 + rng.below((modules.len() - 1) as u64) as usize
            };
            let repetition = match rng.below(100) {
                0..=51 => Repetition::Single,
                52..=81 => Repetition::ForEach,
                _ => Repetition::Count,
            };
            let want = match repetition {
                Repetition::Single => 1,
                Repetition::ForEach => rng.range(2, 6) as usize,
                Repetition::Count => rng.range(2, 5) as usize,
            }
            .min(n - total);
            let name = if module != 0 && has_this.insert((module, kind.type_name())) {
                "this".to_string()
            } else {
                counter += 1;
                format!("{}_{counter}", rng.pick(kind.block_words()))
            };
            let keys: Vec<Key> = match repetition {
                Repetition::Single => vec![Key::None],
                Repetition::Count => (0..want as u32).map(Key::Count).collect(),
                Repetition::ForEach => {
                    let mut ks: BTreeSet<&str> = BTreeSet::new();
                    while ks.len() < want {
                        ks.insert(*rng.pick(EACH_KEYS));
                    }
                    ks.into_iter().map(|k| Key::Each(k.to_string())).collect()
                }
            };
            let instances = keys
                .into_iter()
                .map(|key| {
                    let mut action = rng.weighted(ACTION_WEIGHTS);
                    if action == Action::Update && !kind.updatable() {
                        action = Action::Replace;
                    }
                    Instance {
                        key,
                        action,
                        seed: rng.next_u64(),
                    }
                })
                .collect::<Vec<_>>();
            total += instances.len();
            blocks.push(Block {
                module,
                kind,
                name,
                repetition,
                instances,
                seed: rng.next_u64(),
            });
        }
        blocks.sort_by(|a, b| {
            (a.module, a.kind.type_name(), &a.name).cmp(&(b.module, b.kind.type_name(), &b.name))
        });

        let mut module_blocks = vec![Vec::new(); modules.len()];
        for (i, b) in blocks.iter().enumerate() {
            module_blocks[b.module].push(i);
        }

        let mut plan = Plan {
            modules,
            blocks,
            module_blocks,
            module_roles: Vec::new(),
        };
        plan.module_roles = (0..plan.modules.len())
            .map(|m| {
                let bi = *plan.module_blocks[m]
                    .iter()
                    .find(|&&bi| plan.blocks[bi].kind == Kind::IamRole)?;
                let block = &plan.blocks[bi];
                let inst = &block.instances[0];
                let local = format!("aws_iam_role.{}", block.name);
                Some(RoleRef {
                    block_name: block.name.clone(),
                    instance_address: plan.address(block, inst),
                    reference: format!("{local}{}", key_suffix(&inst.key)),
                    role_name: plan.cloud_name(block, inst),
                })
            })
            .collect();
        plan
    }

    fn module_prefix(&self, module: usize) -> String {
        let a = &self.modules[module].address;
        if a.is_empty() {
            String::new()
        } else {
            format!("{a}.")
        }
    }

    fn address(&self, block: &Block, inst: &Instance) -> String {
        format!(
            "{}{}.{}{}",
            self.module_prefix(block.module),
            block.kind.type_name(),
            block.name,
            key_suffix(&inst.key)
        )
    }

    /// The cloud-side name of an instance, e.g. `orders17-exec-12-ci`.
    fn cloud_name(&self, block: &Block, inst: &Instance) -> String {
        let mut s = self.modules[block.module].slug.clone();
        if block.name != "this" {
            s.push('-');
            s.push_str(&block.name.replace('_', "-"));
        }
        match &inst.key {
            Key::None => {}
            Key::Count(i) => {
                let _ = write!(s, "-{i}");
            }
            Key::Each(k) => {
                let _ = write!(s, "-{k}");
            }
        }
        s
    }
}

fn key_suffix(key: &Key) -> String {
    match key {
        Key::None => String::new(),
        Key::Count(i) => format!("[{i}]"),
        Key::Each(k) => format!("[{}]", js(k)),
    }
}

/// JSON-encode a string (quotes + escapes).
fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

// ─────────────────────────── attribute values ───────────────────────────

/// Everything an attribute builder needs to know about one instance.
struct Ctx {
    name: String,
    slug: String,
    role_name: String,
    role_arn: String,
    tags: Value,
    tags_all: Value,
}

impl Ctx {
    fn new(plan: &Plan, block: &Block, inst: &Instance) -> Ctx {
        let name = plan.cloud_name(block, inst);
        let module = &plan.modules[block.module];
        let role_name = match &plan.module_roles[block.module] {
            Some(r) => r.role_name.clone(),
            None => format!("shared-{}-role", SERVICE_WORDS[(block.seed % 16) as usize]),
        };
        let role_arn = format!("arn:aws:iam::{ACCOUNT}:role/{role_name}");
        // Tags are a per-block decision (same keys for every instance of a block).
        let mut br = Rng::new(block.seed);
        let mut tags = Map::new();
        if br.percent(20) {
            tags.insert("Service".into(), Value::String(module.slug.clone()));
            tags.insert("Team".into(), Value::String((*br.pick(TEAMS)).into()));
            if br.percent(20) {
                tags.insert(
                    "CostCenter".into(),
                    Value::String(format!("cc-{}", br.range(1000, 9999))),
                );
            }
        }
        let tags_all = tags.clone();
        Ctx {
            name,
            slug: module.slug.clone(),
            role_name,
            role_arn,
            tags: if tags.is_empty() {
                Value::Null
            } else {
                Value::Object(tags)
            },
            tags_all: Value::Object(tags_all),
        }
    }

    fn tags(&self) -> Value {
        self.tags.clone()
    }

    fn tags_all(&self) -> Value {
        self.tags_all.clone()
    }
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// All attribute values of an instance as they are in state (i.e. fully known).
fn build_values(kind: Kind, c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    match kind {
        Kind::IamRole => iam_role(c, r),
        Kind::IamRolePolicy => iam_role_policy(c, r),
        Kind::IamRolePolicyAttachment => iam_role_policy_attachment(c, r),
        Kind::IamPolicy => iam_policy(c, r),
        Kind::IamUser => iam_user(c, r),
        Kind::IamGroupMembership => iam_group_membership(c, r),
        Kind::LogGroup => log_group(c, r),
        Kind::CloudTrail => cloudtrail(c, r),
        Kind::S3BucketLogging => s3_bucket_logging(c, r),
        Kind::FlowLog => flow_log(c, r),
        Kind::ConfigRecorder => config_recorder(c, r),
        Kind::Instance => instance(c, r),
        Kind::S3Bucket => s3_bucket(c, r),
        Kind::Lambda => lambda(c, r),
        Kind::SecurityGroup => security_group(c, r),
        Kind::Route53Record => route53_record(c, r),
        Kind::DynamoDbTable => dynamodb_table(c, r),
    }
}

// ── IAM policy documents ──

#[derive(Serialize)]
struct PolicyDoc {
    #[serde(rename = "Version")]
    version: &'static str,
    #[serde(rename = "Statement")]
    statement: Vec<Statement>,
}

#[derive(Serialize)]
struct Statement {
    #[serde(rename = "Sid", skip_serializing_if = "Option::is_none")]
    sid: Option<String>,
    #[serde(rename = "Effect")]
    effect: &'static str,
    #[serde(rename = "Principal", skip_serializing_if = "Option::is_none")]
    principal: Option<Value>,
    #[serde(rename = "Action")]
    action: Value,
    #[serde(rename = "Resource", skip_serializing_if = "Option::is_none")]
    resource: Option<Value>,
    #[serde(rename = "Condition", skip_serializing_if = "Option::is_none")]
    condition: Option<Value>,
}

/// (service, actions with weights, service weight). A few privilege-escalation and
/// audit-tampering actions appear with low weight, as they do in real estates.
/// A weighted list of actions.
type Actions = &'static [(&'static str, u32)];

const SERVICES: &[(&str, Actions, u32)] = &[
    (
        "s3",
        &[
            ("GetObject", 30),
            ("PutObject", 20),
            ("ListBucket", 20),
            ("DeleteObject", 6),
            ("GetBucketLocation", 8),
            ("GetObjectVersion", 4),
            ("PutBucketPolicy", 1),
            ("*", 2),
        ],
        22,
    ),
    (
        "dynamodb",
        &[
            ("GetItem", 15),
            ("PutItem", 12),
            ("Query", 15),
            ("UpdateItem", 10),
            ("DeleteItem", 5),
            ("BatchGetItem", 5),
            ("BatchWriteItem", 5),
            ("Scan", 5),
            ("DescribeTable", 4),
            ("*", 1),
        ],
        12,
    ),
    (
        "sqs",
        &[
            ("SendMessage", 10),
            ("ReceiveMessage", 10),
            ("DeleteMessage", 10),
            ("GetQueueAttributes", 8),
            ("ChangeMessageVisibility", 3),
        ],
        8,
    ),
    (
        "sns",
        &[("Publish", 10), ("Subscribe", 2), ("GetTopicAttributes", 3)],
        4,
    ),
    (
        "kms",
        &[
            ("Decrypt", 15),
            ("Encrypt", 6),
            ("GenerateDataKey", 10),
            ("DescribeKey", 5),
            ("ScheduleKeyDeletion", 1),
        ],
        8,
    ),
    (
        "logs",
        &[
            ("CreateLogGroup", 10),
            ("CreateLogStream", 15),
            ("PutLogEvents", 15),
            ("DescribeLogStreams", 5),
            ("DeleteLogGroup", 1),
            ("PutRetentionPolicy", 1),
            ("DeleteRetentionPolicy", 1),
        ],
        12,
    ),
    (
        "ec2",
        &[
            ("DescribeInstances", 8),
            ("DescribeSubnets", 5),
            ("DescribeSecurityGroups", 5),
            ("CreateNetworkInterface", 5),
            ("DeleteNetworkInterface", 4),
            ("DescribeVpcs", 4),
        ],
        6,
    ),
    (
        "ssm",
        &[
            ("GetParameter", 10),
            ("GetParameters", 6),
            ("GetParametersByPath", 6),
        ],
        6,
    ),
    (
        "secretsmanager",
        &[("GetSecretValue", 10), ("DescribeSecret", 4)],
        5,
    ),
    (
        "lambda",
        &[
            ("InvokeFunction", 8),
            ("GetFunction", 3),
            ("UpdateFunctionCode", 1),
        ],
        4,
    ),
    (
        "xray",
        &[("PutTraceSegments", 5), ("PutTelemetryRecords", 5)],
        3,
    ),
    (
        "cloudwatch",
        &[("PutMetricData", 8), ("GetMetricData", 3)],
        3,
    ),
    (
        "ecr",
        &[
            ("GetAuthorizationToken", 5),
            ("BatchGetImage", 5),
            ("GetDownloadUrlForLayer", 5),
        ],
        3,
    ),
    ("sts", &[("AssumeRole", 4), ("GetCallerIdentity", 2)], 2),
    (
        "iam",
        &[
            ("PassRole", 8),
            ("GetRole", 6),
            ("ListRoles", 4),
            ("CreateRole", 1),
            ("AttachRolePolicy", 1),
            ("PutRolePolicy", 1),
            ("CreatePolicyVersion", 1),
            ("UpdateAssumeRolePolicy", 1),
            ("CreateAccessKey", 1),
        ],
        3,
    ),
    (
        "cloudtrail",
        &[
            ("LookupEvents", 4),
            ("StopLogging", 1),
            ("DeleteTrail", 1),
            ("UpdateTrail", 1),
        ],
        1,
    ),
    (
        "config",
        &[
            ("DescribeConfigurationRecorders", 3),
            ("StopConfigurationRecorder", 1),
            ("DeleteConfigurationRecorder", 1),
        ],
        1,
    ),
];

fn statement_resource(service: &str, c: &Ctx, r: &mut Rng) -> Value {
    match service {
        "s3" if r.percent(50) => json!([
            format!("arn:aws:s3:::{}", c.name),
            format!("arn:aws:s3:::{}/*", c.name)
        ]),
        "s3" => json!(format!("arn:aws:s3:::{}/*", c.name)),
        "dynamodb" => json!(format!(
            "arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{}",
            c.name
        )),
        "sqs" => json!(format!("arn:aws:sqs:{REGION}:{ACCOUNT}:{}-queue", c.name)),
        "sns" => json!(format!("arn:aws:sns:{REGION}:{ACCOUNT}:{}-events", c.slug)),
        "kms" => json!(format!(
            "arn:aws:kms:{REGION}:{ACCOUNT}:key/{}-{}-{}-{}-{}",
            r.hex(8),
            r.hex(4),
            r.hex(4),
            r.hex(4),
            r.hex(12)
        )),
        "logs" => json!(format!(
            "arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{}:*",
            c.name
        )),
        "ssm" => json!(format!(
            "arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{ENV}/{}/*",
            c.slug
        )),
        "secretsmanager" => json!(format!(
            "arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{ENV}/{}/*",
            c.slug
        )),
        "lambda" => json!(format!(
            "arn:aws:lambda:{REGION}:{ACCOUNT}:function:{ENV}-{}-*",
            c.slug
        )),
        "iam" if r.percent(50) => json!(format!("arn:aws:iam::{ACCOUNT}:role/{ENV}-{}-*", c.slug)),
        "sts" => json!(format!(
            "arn:aws:iam::{}:role/{}",
            r.range(100_000_000_000, 999_999_999_999),
            "cross-account-read"
        )),
        _ => json!("*"),
    }
}

/// A permissions policy with `min..=max` actions spread over a few statements.
fn policy_document(c: &Ctx, r: &mut Rng, min: u64, max: u64) -> String {
    // Skewed towards the small end, as in real estates: most policies are short.
    let u = r.below(1 << 20) as f64 / f64::from(1u32 << 20);
    let extra = ((u * u * u * (max - min + 1) as f64) as u64).min(max - min);
    let target = (min + extra) as usize;
    let service_table: Vec<(usize, u32)> =
        SERVICES.iter().enumerate().map(|(i, s)| (i, s.2)).collect();
    let mut statements = Vec::new();
    let mut total = 0;
    while total < target {
        let (service, actions, _) = SERVICES[r.weighted(&service_table)];
        let want = (r.range(1, 8) as usize)
            .min(target - total)
            .min(actions.len());
        let mut chosen: BTreeSet<&str> = BTreeSet::new();
        let mut tries = 0;
        while chosen.len() < want && tries < 40 {
            chosen.insert(r.weighted(actions));
            tries += 1;
        }
        total += chosen.len();
        let list: Vec<String> = chosen.iter().map(|a| format!("{service}:{a}")).collect();
        let action = if list.len() == 1 && r.percent(50) {
            json!(list[0])
        } else {
            json!(list)
        };
        let condition = match r.below(10) {
            0 => Some(json!({"Bool": {"aws:SecureTransport": "true"}})),
            1 => Some(json!({"StringEquals": {"aws:RequestedRegion": REGION}})),
            _ => None,
        };
        statements.push(Statement {
            sid: r
                .percent(30)
                .then(|| format!("{}{}", capitalize(service), statements.len() + 1)),
            effect: if r.percent(6) { "Deny" } else { "Allow" },
            principal: None,
            action,
            resource: Some(statement_resource(service, c, r)),
            condition,
        });
    }
    render_policy(
        PolicyDoc {
            version: "2012-10-17",
            statement: statements,
        },
        r,
    )
}

/// Some like `data.aws_iam_policy_document` (pretty, Version first), most like
/// `jsonencode()` (compact, keys sorted).
fn render_policy(doc: PolicyDoc, r: &mut Rng) -> String {
    if r.percent(10) {
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    } else {
        serde_json::to_value(&doc)
            .map(|v| v.to_string())
            .unwrap_or_default()
    }
}

fn capitalize(s: &str) -> String {
    let mut cs = s.chars();
    match cs.next() {
        Some(f) => f.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

fn assume_role_policy(r: &mut Rng) -> String {
    let n = if r.percent(80) { 1 } else { 2 };
    let statements = (0..n)
        .map(|_| match r.below(10) {
            0..=5 => Statement {
                sid: None,
                effect: "Allow",
                principal: Some(json!({"Service": r.pick(&[
                    "lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com",
                    "states.amazonaws.com", "events.amazonaws.com", "glue.amazonaws.com",
                    "config.amazonaws.com", "vpc-flow-logs.amazonaws.com",
                ])})),
                action: json!("sts:AssumeRole"),
                resource: None,
                condition: None,
            },
            6..=7 => Statement {
                sid: None,
                effect: "Allow",
                principal: Some(json!({"AWS": if r.percent(50) {
                    format!("arn:aws:iam::{}:root", r.range(100_000_000_000, 999_999_999_999))
                } else {
                    format!("arn:aws:iam::{ACCOUNT}:role/{ENV}-ci-deployer")
                }})),
                action: json!("sts:AssumeRole"),
                resource: None,
                condition: r.percent(50).then(|| json!({"StringEquals": {"sts:ExternalId": r.hex(16)}})),
            },
            _ => Statement {
                sid: Some("GithubActions".into()),
                effect: "Allow",
                principal: Some(json!({"Federated": format!(
                    "arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
                )})),
                action: json!("sts:AssumeRoleWithWebIdentity"),
                resource: None,
                condition: Some(json!({
                    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
                    "StringLike": {"token.actions.githubusercontent.com:sub": format!("repo:acme/{}:*", r.pick(SERVICE_WORDS))}
                })),
            },
        })
        .collect();
    render_policy(
        PolicyDoc {
            version: "2012-10-17",
            statement: statements,
        },
        r,
    )
}

const MANAGED_POLICIES: &[(&str, u32)] = &[
    ("arn:aws:iam::aws:policy/ReadOnlyAccess", 10),
    (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        25,
    ),
    (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
        10,
    ),
    ("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", 12),
    ("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy", 8),
    ("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", 8),
    ("arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess", 5),
    (
        "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
        8,
    ),
    ("arn:aws:iam::aws:policy/service-role/AWS_ConfigRole", 3),
    ("arn:aws:iam::aws:policy/AWSCloudTrail_ReadOnlyAccess", 2),
    ("arn:aws:iam::aws:policy/PowerUserAccess", 1),
    ("arn:aws:iam::aws:policy/IAMFullAccess", 1),
    ("arn:aws:iam::aws:policy/AdministratorAccess", 1),
];

fn managed_policy_arn(c: &Ctx, r: &mut Rng) -> String {
    if r.percent(20) {
        format!(
            "arn:aws:iam::{ACCOUNT}:policy/{ENV}-{}-{}",
            c.slug,
            r.pick(&["boundary", "shared-read", "deploy", "ops"])
        )
    } else {
        r.weighted(MANAGED_POLICIES).to_string()
    }
}

// ── IAM resources ──

fn iam_role(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let path = if r.percent(80) { "/" } else { "/service-role/" };
    let inline = if r.percent(10) {
        json!([{ "name": format!("{}-inline", c.name), "policy": policy_document(c, r, 2, 8) }])
    } else {
        json!([])
    };
    let mut managed: Vec<String> = (0..r.below(3)).map(|_| managed_policy_arn(c, r)).collect();
    managed.sort();
    managed.dedup();
    obj(json!({
        "arn": format!("arn:aws:iam::{ACCOUNT}:role{path}{}", c.name),
        "assume_role_policy": assume_role_policy(r),
        "create_date": r.date(),
        "id": c.name,
        "inline_policy": inline,
        "managed_policy_arns": managed,
        "max_session_duration": if r.percent(85) { 3600 } else { 43200 },
        "name": c.name,
        "path": path,
        "permissions_boundary": if r.percent(15) {
            Value::String(format!("arn:aws:iam::{ACCOUNT}:policy/{ENV}-permissions-boundary"))
        } else { Value::Null },
        "tags": c.tags(),
        "tags_all": c.tags_all(),
        "unique_id": r.iam_id("AROA"),
    }))
}

fn iam_role_policy(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let name = format!("{}-policy", c.name);
    obj(json!({
        "id": format!("{}:{name}", c.role_name),
        "name": name,
        "policy": policy_document(c, r, 5, 30),
        "role": c.role_name,
    }))
}

fn iam_role_policy_attachment(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    obj(json!({
        "id": format!("{}-{}{:014}", c.role_name, r.range(201_901, 202_412), r.below(100_000_000_000_000)),
        "policy_arn": managed_policy_arn(c, r),
        "role": c.role_name,
    }))
}

fn iam_policy(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let arn = format!("arn:aws:iam::{ACCOUNT}:policy/{}", c.name);
    obj(json!({
        "arn": arn,
        "attachment_count": r.range(0, 4),
        "id": arn,
        "name": c.name,
        "path": "/",
        "policy": policy_document(c, r, 5, 30),
        "policy_id": r.iam_id("ANPA"),
        "tags": c.tags(),
        "tags_all": c.tags_all(),
    }))
}

const FIRST: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "oscar", "peggy", "trent", "victor", "wendy",
];
const LAST: &[&str] = &[
    "smith", "jones", "garcia", "miller", "davis", "lopez", "wilson", "moore", "taylor", "lee",
    "clark", "young",
];

fn user_name(r: &mut Rng) -> String {
    format!("{}.{}{}", r.pick(FIRST), r.pick(LAST), r.below(100))
}

fn iam_user(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let name = if r.percent(60) {
        user_name(r)
    } else {
        format!("{}-svc", c.name)
    };
    obj(json!({
        "arn": format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
        "force_destroy": false,
        "id": name,
        "name": name,
        "path": if r.percent(50) { "/" } else { "/humans/" },
        "permissions_boundary": if r.percent(30) {
            Value::String(format!("arn:aws:iam::{ACCOUNT}:policy/{ENV}-permissions-boundary"))
        } else { Value::Null },
        "tags": c.tags(),
        "tags_all": c.tags_all(),
        "unique_id": r.iam_id("AIDA"),
    }))
}

fn iam_group_membership(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let mut users: Vec<String> = (0..r.range(2, 12)).map(|_| user_name(r)).collect();
    users.sort();
    users.dedup();
    let name = format!("{}-membership", c.name);
    obj(json!({
        "group": format!("{ENV}-{}", r.pick(&["admins", "developers", "auditors", "oncall", "readonly", "billing"])),
        "id": name,
        "name": name,
        "users": users,
    }))
}

// ── logging / audit ──

const RETENTIONS: &[u64] = &[1, 3, 7, 14, 30, 90, 180, 365, 400, 731, 0];

fn kms_arn(r: &mut Rng) -> String {
    format!(
        "arn:aws:kms:{REGION}:{ACCOUNT}:key/{}-{}-{}-{}-{}",
        r.hex(8),
        r.hex(4),
        r.hex(4),
        r.hex(4),
        r.hex(12)
    )
}

fn log_group(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let name = match r.below(4) {
        0 => format!("/aws/lambda/{}", c.name),
        1 => format!("/ecs/{}", c.name),
        2 => format!("/aws/vpc/flow/{}", c.name),
        _ => format!("/{ENV}/{}/application", c.name),
    };
    obj(json!({
        "arn": format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"),
        "id": name,
        "kms_key_id": if r.percent(40) { kms_arn(r) } else { String::new() },
        "name": name,
        "retention_in_days": r.pick(RETENTIONS),
        "tags": c.tags(),
        "tags_all": c.tags_all(),
    }))
}

fn cloudtrail(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let name = format!("{}-trail", c.name);
    let bucket = format!("{ENV}-cloudtrail-{ACCOUNT}");
    obj(json!({
        "arn": format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"),
        "cloud_watch_logs_group_arn": format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/cloudtrail/{name}:*"),
        "cloud_watch_logs_role_arn": c.role_arn,
        "enable_log_file_validation": true,
        "enable_logging": true,
        "event_selector": [{
            "data_resource": [{"type": "AWS::S3::Object", "values": [format!("arn:aws:s3:::{ENV}-{}-data/", c.slug)]}],
            "exclude_management_event_sources": [],
            "include_management_events": true,
            "read_write_type": "All",
        }],
        "home_region": REGION,
        "id": format!("arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/{name}"),
        "include_global_service_events": true,
        "is_multi_region_trail": r.percent(70),
        "is_organization_trail": r.percent(20),
        "kms_key_id": kms_arn(r),
        "name": name,
        "s3_bucket_name": bucket,
        "s3_key_prefix": c.slug,
        "tags": c.tags(),
        "tags_all": c.tags_all(),
    }))
}

fn s3_bucket_logging(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let bucket = format!("{}-{ACCOUNT}", c.name);
    obj(json!({
        "bucket": bucket,
        "expected_bucket_owner": "",
        "id": bucket,
        "target_bucket": format!("{ENV}-access-logs-{ACCOUNT}"),
        "target_grant": [],
        "target_object_key_format": if r.percent(30) {
            json!([{"partitioned_prefix": [{"partition_date_source": "EventTime"}], "simple_prefix": []}])
        } else { json!([]) },
        "target_prefix": format!("s3/{bucket}/"),
    }))
}

fn flow_log(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let id = format!("fl-{}", r.hex(17));
    let to_s3 = r.percent(40);
    obj(json!({
        "arn": format!("arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/{id}"),
        "destination_options": if to_s3 {
            json!([{"file_format": "parquet", "hive_compatible_partitions": false, "per_hour_partition": true}])
        } else { json!([]) },
        "iam_role_arn": if to_s3 { String::new() } else { c.role_arn.clone() },
        "id": id,
        "log_destination": if to_s3 {
            format!("arn:aws:s3:::{ENV}-flow-logs-{ACCOUNT}/{}", c.slug)
        } else {
            format!("arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/vpc/flow/{}", c.name)
        },
        "log_destination_type": if to_s3 { "s3" } else { "cloud-watch-logs" },
        "log_format": if r.percent(30) {
            "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
        } else { "" },
        "log_group_name": "",
        "max_aggregation_interval": if r.percent(50) { 60 } else { 600 },
        "tags": c.tags(),
        "tags_all": c.tags_all(),
        "traffic_type": if r.percent(80) { "ALL" } else { "REJECT" },
        "vpc_id": format!("vpc-{}", r.hex(17)),
    }))
}

fn config_recorder(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let name = format!("{}-recorder", c.name);
    obj(json!({
        "id": name,
        "name": name,
        "recording_group": [{
            "all_supported": true,
            "exclusion_by_resource_types": [],
            "include_global_resource_types": r.percent(80),
            "recording_strategy": [{"use_only": "ALL_SUPPORTED_RESOURCE_TYPES"}],
            "resource_types": [],
        }],
        "recording_mode": [{"recording_frequency": if r.percent(80) { "CONTINUOUS" } else { "DAILY" }, "recording_mode_override": []}],
        "role_arn": if r.percent(50) {
            format!("arn:aws:iam::{ACCOUNT}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig")
        } else { c.role_arn.clone() },
    }))
}

// ── ordinary resources ──

fn instance(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let id = format!("i-{}", r.hex(17));
    let ip = format!("10.{}.{}.{}", r.below(256), r.below(256), r.range(4, 254));
    let public = r.percent(20);
    let public_ip = format!(
        "{}.{}.{}.{}",
        r.range(3, 54),
        r.below(256),
        r.below(256),
        r.range(1, 254)
    );
    obj(json!({
        "ami": format!("ami-{}", r.hex(17)),
        "arn": format!("arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{id}"),
        "disable_api_termination": r.percent(30),
        "iam_instance_profile": if r.percent(70) { format!("{}-profile", c.name) } else { String::new() },
        "id": id,
        "instance_state": "running",
        "instance_type": r.pick(&["t3.micro", "t3.medium", "m6i.large", "m6i.xlarge", "c6i.2xlarge", "r6g.large"]),
        "metadata_options": [{
            "http_endpoint": "enabled",
            "http_put_response_hop_limit": if r.percent(70) { 1 } else { 2 },
            "http_tokens": if r.percent(80) { "required" } else { "optional" },
        }],
        "private_ip": ip,
        "public_ip": if public { public_ip } else { String::new() },
        "root_block_device": [{
            "delete_on_termination": true,
            "encrypted": r.percent(85),
            "volume_size": r.pick(&[8, 20, 50, 100]),
            "volume_type": "gp3",
        }],
        "subnet_id": format!("subnet-{}", r.hex(17)),
        "tags": c.tags(),
        "tags_all": c.tags_all(),
        "vpc_security_group_ids": [format!("sg-{}", r.hex(17))],
    }))
}

fn s3_bucket(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let bucket = format!("{}-{ACCOUNT}", c.name);
    obj(json!({
        "arn": format!("arn:aws:s3:::{bucket}"),
        "bucket": bucket,
        "bucket_regional_domain_name": format!("{bucket}.s3.{REGION}.amazonaws.com"),
        "force_destroy": r.percent(10),
        "id": bucket,
        "policy": "",
        "region": REGION,
        "tags": c.tags(),
        "tags_all": c.tags_all(),
        "versioning": [{"enabled": r.percent(60), "mfa_delete": false}],
    }))
}

fn lambda(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let arn = format!("arn:aws:lambda:{REGION}:{ACCOUNT}:function:{}", c.name);
    let mut vars = Map::new();
    vars.insert(
        "LOG_LEVEL".into(),
        json!(r.pick(&["INFO", "DEBUG", "WARN"])),
    );
    vars.insert("SERVICE".into(), json!(c.slug));
    let vpc = r.percent(20);
    obj(json!({
        "arn": arn,
        "environment": [{"variables": vars}],
        "function_name": c.name,
        "handler": r.pick(&["index.handler", "main.handler", "bootstrap", "app.lambda_handler"]),
        "id": c.name,
        "last_modified": r.date().replace('Z', ".000+0000"),
        "memory_size": r.pick(&[128, 256, 512, 1024, 2048]),
        "role": c.role_arn,
        "runtime": r.pick(&["python3.12", "nodejs20.x", "provided.al2023", "java21"]),
        "s3_key": format!("{}/{}.zip", c.slug, r.hex(12)),
        "source_code_hash": format!("{}=", r.chars(43, b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")),
        "tags": c.tags(),
        "tags_all": c.tags_all(),
        "timeout": r.pick(&[3, 10, 30, 60, 300, 900]),
        "version": "$LATEST",
        "vpc_config": if vpc {
            json!([{"ipv6_allowed_for_dual_stack": false, "security_group_ids": [format!("sg-{}", r.hex(17))], "subnet_ids": [format!("subnet-{}", r.hex(17)), format!("subnet-{}", r.hex(17))], "vpc_id": format!("vpc-{}", r.hex(17))}])
        } else { json!([]) },
    }))
}

fn sg_rule(r: &mut Rng, open_world: bool) -> Value {
    let port = *r.pick(&[22u64, 80, 443, 3306, 5432, 6379, 8080, 9090]);
    json!({
        "cidr_blocks": if open_world { vec!["0.0.0.0/0".to_string()] } else { vec![format!("10.{}.0.0/16", r.below(256))] },
        "description": "",
        "from_port": port,
        "ipv6_cidr_blocks": [],
        "prefix_list_ids": [],
        "protocol": "tcp",
        "security_groups": [],
        "self": false,
        "to_port": port,
    })
}

fn security_group(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let id = format!("sg-{}", r.hex(17));
    let ingress: Vec<Value> = (0..r.range(0, 2))
        .map(|_| {
            let open = r.percent(8);
            sg_rule(r, open)
        })
        .collect();
    obj(json!({
        "arn": format!("arn:aws:ec2:{REGION}:{ACCOUNT}:security-group/{id}"),
        "description": "Managed by Terraform",
        "egress": if r.percent(50) { json!([]) } else { json!([{
            "cidr_blocks": ["0.0.0.0/0"], "description": "", "from_port": 0, "ipv6_cidr_blocks": [],
            "prefix_list_ids": [], "protocol": "-1", "security_groups": [], "self": false, "to_port": 0,
        }]) },
        "id": id,
        "ingress": ingress,
        "name": c.name,
        "owner_id": ACCOUNT,
        "tags": c.tags(),
        "tags_all": c.tags_all(),
        "vpc_id": format!("vpc-{}", r.hex(17)),
    }))
}

fn route53_record(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let zone = format!("Z{}", r.chars(13, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
    let alias = r.percent(50);
    let rtype = if alias {
        "A"
    } else {
        *r.pick(&["CNAME", "A", "TXT"])
    };
    let fqdn = format!("{}.{ENV}.acme.example.com", c.name);
    obj(json!({
        "alias": if alias {
            json!([{"evaluate_target_health": true, "name": format!("internal-{}-{}.{REGION}.elb.amazonaws.com", c.slug, r.range(100_000_000, 999_999_999)), "zone_id": "Z35SXDOTRQ7X7K"}])
        } else { json!([]) },
        "fqdn": fqdn,
        "id": format!("{zone}_{fqdn}_{rtype}"),
        "multivalue_answer_routing_policy": false,
        "name": fqdn,
        "records": if alias { json!([]) } else { json!([format!("{}.{ENV}.acme.example.com", r.pick(SERVICE_WORDS))]) },
        "ttl": if alias { 0 } else { 300 },
        "type": rtype,
        "zone_id": zone,
    }))
}

fn dynamodb_table(c: &Ctx, r: &mut Rng) -> Map<String, Value> {
    let arn = format!("arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{}", c.name);
    let on_demand = r.percent(70);
    let stream = r.percent(30);
    obj(json!({
        "arn": arn,
        "attribute": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
        "billing_mode": if on_demand { "PAY_PER_REQUEST" } else { "PROVISIONED" },
        "hash_key": "pk",
        "id": c.name,
        "name": c.name,
        "point_in_time_recovery": [{"enabled": r.percent(60)}],
        "range_key": "sk",
        "read_capacity": if on_demand { 0 } else { 5 },
        "stream_arn": if stream { format!("{arn}/stream/{}", r.date().trim_end_matches('Z')) } else { String::new() },
        "stream_enabled": stream,
        "tags": c.tags(),
        "tags_all": c.tags_all(),
        "write_capacity": if on_demand { 0 } else { 5 },
    }))
}

// ── changes ──

fn set(m: &mut Map<String, Value>, k: &str, v: Value) {
    m.insert(k.to_string(), v);
}

/// An in-place update of `values`, typical for the kind.
fn mutate(kind: Kind, c: &Ctx, v: &mut Map<String, Value>, r: &mut Rng) {
    let retag = |v: &mut Map<String, Value>, r: &mut Rng| {
        let team = Value::String((*r.pick(TEAMS)).into());
        for k in ["tags", "tags_all"] {
            match v.get_mut(k) {
                Some(Value::Object(t)) => {
                    t.insert("Team".into(), team.clone());
                }
                Some(slot) => *slot = json!({"Team": team.clone()}),
                None => {}
            }
        }
    };
    let p = r.below(100);
    match kind {
        Kind::IamRole if p < 45 => set(v, "assume_role_policy", json!(assume_role_policy(r))),
        Kind::IamRole if p < 65 => set(v, "max_session_duration", json!(43200)),
        Kind::IamRole if p < 80 => {
            set(
                v,
                "inline_policy",
                json!([{ "name": format!("{}-inline", c.name), "policy": policy_document(c, r, 3, 12) }]),
            );
        }
        Kind::IamRolePolicy | Kind::IamPolicy => {
            set(v, "policy", json!(policy_document(c, r, 6, 30)))
        }
        Kind::IamUser if p < 50 => set(v, "permissions_boundary", Value::Null),
        Kind::IamGroupMembership => {
            let mut users: Vec<Value> = v
                .get("users")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            if p < 70 || users.len() < 2 {
                users.push(json!(user_name(r)));
            } else {
                users.pop();
            }
            set(v, "users", Value::Array(users));
        }
        Kind::LogGroup if p < 75 => set(v, "retention_in_days", json!(r.pick(RETENTIONS))),
        Kind::LogGroup if p < 85 => set(v, "kms_key_id", json!("")),
        Kind::CloudTrail if p < 35 => set(v, "enable_logging", json!(false)),
        Kind::CloudTrail if p < 55 => set(v, "event_selector", json!([])),
        Kind::CloudTrail if p < 70 => set(v, "include_global_service_events", json!(false)),
        Kind::CloudTrail if p < 80 => set(v, "is_multi_region_trail", json!(false)),
        Kind::S3BucketLogging if p < 60 => {
            set(v, "target_prefix", json!(format!("moved/{}/", c.name)))
        }
        Kind::S3BucketLogging => set(
            v,
            "target_bucket",
            json!(format!("{ENV}-scratch-{ACCOUNT}")),
        ),
        Kind::ConfigRecorder if p < 60 => set(
            v,
            "recording_group",
            json!([{
                "all_supported": false,
                "exclusion_by_resource_types": [],
                "include_global_resource_types": false,
                "recording_strategy": [{"use_only": "INCLUSION_BY_RESOURCE_TYPES"}],
                "resource_types": ["AWS::EC2::Instance", "AWS::S3::Bucket"],
            }]),
        ),
        Kind::ConfigRecorder => set(v, "role_arn", json!(c.role_arn)),
        Kind::Instance if p < 50 => set(
            v,
            "instance_type",
            json!(r.pick(&["m6i.2xlarge", "c6i.4xlarge", "t3.large"])),
        ),
        Kind::S3Bucket if p < 30 => set(v, "force_destroy", json!(true)),
        Kind::Lambda if p < 80 => {
            set(
                v,
                "source_code_hash",
                json!(format!(
                    "{}=",
                    r.chars(
                        43,
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                    )
                )),
            );
            set(v, "s3_key", json!(format!("{}/{}.zip", c.slug, r.hex(12))));
        }
        Kind::SecurityGroup if p < 70 => {
            let mut ingress = v
                .get("ingress")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let open = r.percent(30);
            ingress.push(sg_rule(r, open));
            set(v, "ingress", Value::Array(ingress));
        }
        Kind::Route53Record if p < 60 => set(v, "ttl", json!(60)),
        Kind::DynamoDbTable if p < 50 => {
            set(v, "point_in_time_recovery", json!([{"enabled": true}]))
        }
        _ => retag(v, r),
    }
}

/// A change to the kind's force-new attribute (for replacements).
fn force_new_change(kind: Kind, c: &Ctx, v: &mut Map<String, Value>, r: &mut Rng) {
    let attr = kind.force_new();
    let new = match kind {
        Kind::IamRolePolicyAttachment => json!(r.weighted(MANAGED_POLICIES)),
        Kind::Instance => json!(format!("ami-{}", r.hex(17))),
        Kind::FlowLog => json!(if v.get(attr).and_then(Value::as_str) == Some("ALL") {
            "REJECT"
        } else {
            "ALL"
        }),
        Kind::IamRolePolicy => json!(format!("{ENV}-{}-replacement-role", c.slug)),
        _ => match v.get(attr).and_then(Value::as_str) {
            Some(s) => json!(format!("{s}-v2")),
            None => json!(format!("{}-v2", c.name)),
        },
    };
    v.insert(attr.to_string(), new);
}

/// Terraform's "sensitive/unknown as bool" shape: containers keep their structure, leaves
/// become `false`, and `false` entries are dropped from objects.
fn skeleton(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter_map(|(k, v)| {
                    let s = skeleton(v);
                    (s != Value::Bool(false)).then(|| (k.clone(), s))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(skeleton).collect()),
        _ => Value::Bool(false),
    }
}

/// The before/after view of one instance, regenerated deterministically from its seed.
struct States {
    before: Option<Value>,
    after: Option<Value>,
    after_unknown: Value,
    before_sensitive: Value,
    after_sensitive: Value,
    replace_path: Option<&'static str>,
}

fn instance_states(plan: &Plan, block: &Block, inst: &Instance) -> States {
    let kind = block.kind;
    let ctx = Ctx::new(plan, block, inst);
    let base = build_values(kind, &ctx, &mut Rng::new(inst.seed));
    let mut change_rng = Rng::new(inst.seed ^ 0xC4A7_6E00_D1FF_5EED);
    let strip = |mut after: Map<String, Value>, unknown: &[&str]| -> (Value, Value) {
        for k in unknown {
            after.remove(*k);
        }
        let after = Value::Object(after);
        let mut au = if unknown.is_empty() {
            json!({})
        } else {
            skeleton(&after)
        };
        if let Value::Object(m) = &mut au {
            for k in unknown {
                m.insert((*k).to_string(), Value::Bool(true));
            }
        }
        (after, au)
    };
    let (before, after, after_unknown, replace_path) = match inst.action {
        Action::NoOp => {
            let v = Value::Object(base);
            (Some(v.clone()), Some(v), json!({}), None)
        }
        Action::Update => {
            let mut after = base.clone();
            mutate(kind, &ctx, &mut after, &mut change_rng);
            let (after, au) = strip(after, kind.update_unknown());
            (Some(Value::Object(base)), Some(after), au, None)
        }
        Action::Create => {
            let (after, au) = strip(base, kind.computed());
            (None, Some(after), au, None)
        }
        Action::Delete => (Some(Value::Object(base)), None, json!({}), None),
        Action::Replace | Action::ReplaceCbd => {
            let mut after = base.clone();
            force_new_change(kind, &ctx, &mut after, &mut change_rng);
            let (after, au) = strip(after, kind.computed());
            (
                Some(Value::Object(base)),
                Some(after),
                au,
                Some(kind.force_new()),
            )
        }
    };
    let sensitive = |v: &Option<Value>| match v {
        None => Value::Bool(false),
        Some(v) => {
            let mut s = skeleton(v);
            // Some lambdas take secrets through a sensitive variable.
            if kind == Kind::Lambda && block.seed % 5 == 0 {
                if let Value::Object(m) = &mut s {
                    m.insert("environment".into(), json!([{"variables": true}]));
                }
            }
            s
        }
    };
    States {
        before_sensitive: sensitive(&before),
        after_sensitive: sensitive(&after),
        before,
        after,
        after_unknown,
        replace_path,
    }
}

// ─────────────────────────── writer ───────────────────────────

/// Comma bookkeeping for hand-written JSON arrays/objects.
struct Seq(bool);

impl Seq {
    fn new() -> Seq {
        Seq(true)
    }
    fn next(&mut self, w: &mut impl Write) -> io::Result<()> {
        if self.0 {
            self.0 = false;
            Ok(())
        } else {
            w.write_all(b",")
        }
    }
}

fn put<W: Write, T: Serialize + ?Sized>(w: &mut W, v: &T) -> io::Result<()> {
    serde_json::to_writer(&mut *w, v).map_err(io::Error::from)
}

/// Streams the whole plan to `path`.
fn write_plan(plan: &Plan, path: &Path) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    write!(
        w,
        r#"{{"format_version":"1.2","terraform_version":"{TF_VERSION}","#
    )?;
    write!(
        w,
        r#""variables":{{"deploy_role_arn":{{"value":"arn:aws:iam::{ACCOUNT}:role/terraform-deploy"}},"environment":{{"value":"{ENV}"}},"region":{{"value":"{REGION}"}}}},"#
    )?;

    w.write_all(br#""planned_values":{"outputs":"#)?;
    write_outputs_values(&mut w)?;
    w.write_all(br#","root_module":"#)?;
    write_module_values(&mut w, plan, 0, Side::Planned)?;
    w.write_all(b"},")?;

    w.write_all(br#""resource_changes":["#)?;
    write_resource_changes(&mut w, plan)?;
    w.write_all(b"],")?;

    write!(
        w,
        r#""output_changes":{{"account_id":{{"actions":["no-op"],"before":"{ACCOUNT}","after":"{ACCOUNT}","after_unknown":false,"before_sensitive":false,"after_sensitive":false}},"environment":{{"actions":["no-op"],"before":"{ENV}","after":"{ENV}","after_unknown":false,"before_sensitive":false,"after_sensitive":false}}}},"#
    )?;

    write!(
        w,
        r#""prior_state":{{"format_version":"1.0","terraform_version":"{TF_VERSION}","values":{{"outputs":"#
    )?;
    write_outputs_values(&mut w)?;
    w.write_all(br#","root_module":"#)?;
    write_module_values(&mut w, plan, 0, Side::Prior)?;
    w.write_all(b"}},")?;

    w.write_all(br#""configuration":"#)?;
    write_configuration(&mut w, plan)?;
    w.write_all(b",")?;

    w.write_all(br#""relevant_attributes":"#)?;
    write_relevant_attributes(&mut w, plan)?;

    w.write_all(
        br#","timestamp":"2025-06-03T14:22:05Z","applyable":true,"complete":true,"errored":false}"#,
    )?;
    w.write_all(b"\n")?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()
}

fn write_outputs_values(w: &mut impl Write) -> io::Result<()> {
    write!(
        w,
        r#"{{"account_id":{{"sensitive":false,"type":"string","value":"{ACCOUNT}"}},"environment":{{"sensitive":false,"type":"string","value":"{ENV}"}}}}"#
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Prior,
    Planned,
}

/// `{"resources":[...],"address":"module.x","child_modules":[...]}` for planned_values or
/// prior_state; recursive over child modules.
fn write_module_values(
    w: &mut impl Write,
    plan: &Plan,
    module: usize,
    side: Side,
) -> io::Result<()> {
    w.write_all(br#"{"resources":["#)?;
    let mut seq = Seq::new();
    let prefix = plan.module_prefix(module);
    for &bi in &plan.module_blocks[module] {
        let block = &plan.blocks[bi];
        for inst in &block.instances {
            let present = match side {
                Side::Prior => inst.action.has_before(),
                Side::Planned => inst.action.has_after(),
            };
            if !present {
                continue;
            }
            let st = instance_states(plan, block, inst);
            let (values, sensitive) = match side {
                Side::Prior => (st.before, st.before_sensitive),
                Side::Planned => (st.after, st.after_sensitive),
            };
            seq.next(w)?;
            write_resource_header(w, plan, block, inst)?;
            write!(
                w,
                r#","schema_version":{},"values":"#,
                block.kind.schema_version()
            )?;
            put(w, &values.unwrap_or(Value::Null))?;
            w.write_all(br#","sensitive_values":"#)?;
            put(w, &sensitive)?;
            if side == Side::Prior
                && needs_role(block.kind)
                && plan.module_roles[block.module].is_some()
            {
                if let Some(role) = &plan.module_roles[block.module] {
                    w.write_all(br#","depends_on":["#)?;
                    put(w, &format!("{prefix}aws_iam_role.{}", role.block_name))?;
                    w.write_all(b"]")?;
                }
            }
            w.write_all(b"}")?;
        }
    }
    // Every module reads the caller identity.
    seq.next(w)?;
    write!(
        w,
        r#"{{"address":"{prefix}data.aws_caller_identity.current","mode":"data","type":"aws_caller_identity","name":"current","provider_name":"{PROVIDER}","schema_version":0,"values":{{"account_id":"{ACCOUNT}","arn":"arn:aws:sts::{ACCOUNT}:assumed-role/terraform-deploy/terraform","id":"{ACCOUNT}","user_id":"AROAXC4EXAMPLE7DEPLOY:terraform"}},"sensitive_values":{{}}}}"#
    )?;
    w.write_all(b"]")?;
    if module != 0 {
        w.write_all(br#","address":"#)?;
        put(w, &plan.modules[module].address)?;
    }
    let children: Vec<usize> = (0..plan.modules.len())
        .filter(|&m| plan.modules[m].parent == Some(module))
        .collect();
    if !children.is_empty() {
        w.write_all(br#","child_modules":["#)?;
        let mut seq = Seq::new();
        for child in children {
            seq.next(w)?;
            write_module_values(w, plan, child, side)?;
        }
        w.write_all(b"]")?;
    }
    w.write_all(b"}")
}

/// `"address":…,"mode":"managed","type":…,"name":…[,"index":…],"provider_name":…` with
/// the opening brace.
fn write_resource_header(
    w: &mut impl Write,
    plan: &Plan,
    block: &Block,
    inst: &Instance,
) -> io::Result<()> {
    w.write_all(br#"{"address":"#)?;
    put(w, &plan.address(block, inst))?;
    write!(
        w,
        r#","mode":"managed","type":"{}","name":"#,
        block.kind.type_name()
    )?;
    put(w, &block.name)?;
    match &inst.key {
        Key::None => {}
        Key::Count(i) => write!(w, r#","index":{i}"#)?,
        Key::Each(k) => {
            w.write_all(br#","index":"#)?;
            put(w, k)?;
        }
    }
    write!(w, r#","provider_name":"{PROVIDER}""#)
}

fn write_resource_changes(w: &mut impl Write, plan: &Plan) -> io::Result<()> {
    let mut seq = Seq::new();
    for block in &plan.blocks {
        let module_address = &plan.modules[block.module].address;
        for inst in &block.instances {
            let st = instance_states(plan, block, inst);
            seq.next(w)?;
            w.write_all(br#"{"address":"#)?;
            put(w, &plan.address(block, inst))?;
            if !module_address.is_empty() {
                w.write_all(br#","module_address":"#)?;
                put(w, module_address)?;
            }
            write!(
                w,
                r#","mode":"managed","type":"{}","name":"#,
                block.kind.type_name()
            )?;
            put(w, &block.name)?;
            match &inst.key {
                Key::None => {}
                Key::Count(i) => write!(w, r#","index":{i}"#)?,
                Key::Each(k) => {
                    w.write_all(br#","index":"#)?;
                    put(w, k)?;
                }
            }
            write!(
                w,
                r#","provider_name":"{PROVIDER}","change":{{"actions":{},"before":"#,
                inst.action.json()
            )?;
            put(w, &st.before.unwrap_or(Value::Null))?;
            w.write_all(br#","after":"#)?;
            put(w, &st.after.unwrap_or(Value::Null))?;
            w.write_all(br#","after_unknown":"#)?;
            put(w, &st.after_unknown)?;
            w.write_all(br#","before_sensitive":"#)?;
            put(w, &st.before_sensitive)?;
            w.write_all(br#","after_sensitive":"#)?;
            put(w, &st.after_sensitive)?;
            if let Some(p) = st.replace_path {
                write!(w, r#","replace_paths":[["{p}"]]"#)?;
            }
            w.write_all(b"}")?;
            let reason = match (inst.action, block.repetition) {
                (Action::Replace | Action::ReplaceCbd, _) => Some("replace_because_cannot_update"),
                (Action::Delete, Repetition::Single) => Some("delete_because_no_resource_config"),
                (Action::Delete, Repetition::Count) => Some("delete_because_count_index"),
                (Action::Delete, Repetition::ForEach) => Some("delete_because_each_key"),
                _ => None,
            };
            if let Some(reason) = reason {
                write!(w, r#","action_reason":"{reason}""#)?;
            }
            w.write_all(b"}")?;
        }
    }
    Ok(())
}

// ── configuration ──

fn needs_role(kind: Kind) -> bool {
    matches!(kind, Kind::IamRolePolicy | Kind::IamRolePolicyAttachment)
}

/// How a configured attribute is written in `configuration.*.expressions`.
enum Src {
    /// `constant_value` taken from the first instance's values
    Const,
    /// the resource name: constant for single resources, `each.key`/`count.index` otherwise
    Name,
    /// fixed references; `{n}` is replaced by the block name
    Refs(&'static [&'static str]),
    /// reference to the module's role (`.name`, `.arn`, …) or a constant if there is none
    Role(&'static str),
}

fn configured(kind: Kind) -> &'static [(&'static str, Src)] {
    use Src::*;
    match kind {
        Kind::IamRole => &[
            (
                "assume_role_policy",
                Refs(&[
                    "data.aws_iam_policy_document.{n}_assume.json",
                    "data.aws_iam_policy_document.{n}_assume",
                ]),
            ),
            ("max_session_duration", Const),
            ("name", Name),
            ("path", Const),
            (
                "permissions_boundary",
                Refs(&["var.permissions_boundary_arn"]),
            ),
            ("tags", Refs(&["local.tags"])),
        ],
        Kind::IamRolePolicy => &[
            ("name", Name),
            (
                "policy",
                Refs(&[
                    "data.aws_iam_policy_document.{n}.json",
                    "data.aws_iam_policy_document.{n}",
                ]),
            ),
            ("role", Role("id")),
        ],
        Kind::IamRolePolicyAttachment => &[("policy_arn", Const), ("role", Role("name"))],
        Kind::IamPolicy => &[
            ("name", Name),
            ("path", Const),
            (
                "policy",
                Refs(&[
                    "data.aws_iam_policy_document.{n}.json",
                    "data.aws_iam_policy_document.{n}",
                ]),
            ),
            ("tags", Refs(&["local.tags"])),
        ],
        Kind::IamUser => &[
            ("force_destroy", Const),
            ("name", Name),
            ("path", Const),
            ("tags", Refs(&["local.tags"])),
        ],
        Kind::IamGroupMembership => &[
            ("group", Const),
            ("name", Name),
            ("users", Refs(&["var.{n}_users"])),
        ],
        Kind::LogGroup => &[
            ("kms_key_id", Refs(&["var.log_kms_key_arn"])),
            ("name", Name),
            ("retention_in_days", Const),
            ("tags", Refs(&["local.tags"])),
        ],
        Kind::CloudTrail => &[
            ("cloud_watch_logs_role_arn", Role("arn")),
            ("enable_log_file_validation", Const),
            ("enable_logging", Const),
            ("include_global_service_events", Const),
            ("is_multi_region_trail", Const),
            ("kms_key_id", Refs(&["var.trail_kms_key_arn"])),
            ("name", Name),
            ("s3_bucket_name", Const),
        ],
        Kind::S3BucketLogging => &[
            (
                "bucket",
                Refs(&["aws_s3_bucket.{n}.id", "aws_s3_bucket.{n}"]),
            ),
            ("target_bucket", Refs(&["var.access_log_bucket"])),
            ("target_prefix", Const),
        ],
        Kind::FlowLog => &[
            ("iam_role_arn", Role("arn")),
            (
                "log_destination",
                Refs(&[
                    "aws_cloudwatch_log_group.flow.arn",
                    "aws_cloudwatch_log_group.flow",
                ]),
            ),
            ("traffic_type", Const),
            ("vpc_id", Refs(&["var.vpc_id"])),
        ],
        Kind::ConfigRecorder => &[("name", Name), ("role_arn", Role("arn"))],
        Kind::Instance => &[
            (
                "ami",
                Refs(&["data.aws_ami.al2023.id", "data.aws_ami.al2023"]),
            ),
            ("instance_type", Const),
            ("subnet_id", Refs(&["var.subnet_ids"])),
            ("tags", Refs(&["local.tags"])),
            (
                "vpc_security_group_ids",
                Refs(&["aws_security_group.this.id", "aws_security_group.this"]),
            ),
        ],
        Kind::S3Bucket => &[
            ("bucket", Name),
            ("force_destroy", Const),
            ("tags", Refs(&["local.tags"])),
        ],
        Kind::Lambda => &[
            ("function_name", Name),
            ("handler", Const),
            ("memory_size", Const),
            ("role", Role("arn")),
            ("runtime", Const),
            ("timeout", Const),
        ],
        Kind::SecurityGroup => &[
            ("description", Const),
            ("name", Name),
            ("vpc_id", Refs(&["var.vpc_id"])),
        ],
        Kind::Route53Record => &[
            ("name", Name),
            ("type", Const),
            ("zone_id", Refs(&["var.zone_id"])),
        ],
        Kind::DynamoDbTable => &[
            ("billing_mode", Const),
            ("hash_key", Const),
            ("name", Name),
            ("range_key", Const),
        ],
    }
}

/// One `configuration.*.resources[]` entry.
fn config_block(plan: &Plan, block: &Block) -> Option<Value> {
    // A resource block whose instances are all being deleted is gone from the config.
    let inst = block.instances.iter().find(|i| i.action.has_after())?;
    let st = instance_states(plan, block, inst);
    let sample = st.after.unwrap_or(Value::Null);
    let role = &plan.module_roles[block.module];
    let mut exprs = Map::new();
    for (attr, src) in configured(block.kind) {
        let e = match src {
            Src::Const => {
                json!({"constant_value": sample.get(*attr).cloned().unwrap_or(Value::Null)})
            }
            Src::Name => match block.repetition {
                Repetition::Single => {
                    json!({"constant_value": sample.get(*attr).cloned().unwrap_or(Value::Null)})
                }
                Repetition::ForEach => json!({"references": ["var.name", "each.key"]}),
                Repetition::Count => json!({"references": ["var.name", "count.index"]}),
            },
            Src::Refs(refs) => {
                let refs: Vec<String> =
                    refs.iter().map(|r| r.replace("{n}", &block.name)).collect();
                json!({ "references": refs })
            }
            Src::Role(field) => match role {
                Some(rr) => {
                    let mut refs = vec![format!("{}.{field}", rr.reference), rr.reference.clone()];
                    let base = format!("aws_iam_role.{}", rr.block_name);
                    if rr.reference != base {
                        refs.push(base);
                    }
                    json!({ "references": refs })
                }
                None => {
                    json!({"constant_value": sample.get(*attr).cloned().unwrap_or(Value::Null)})
                }
            },
        };
        exprs.insert((*attr).to_string(), e);
    }
    let mut m = Map::new();
    m.insert(
        "address".into(),
        json!(format!("{}.{}", block.kind.type_name(), block.name)),
    );
    m.insert("mode".into(), json!("managed"));
    m.insert("type".into(), json!(block.kind.type_name()));
    m.insert("name".into(), json!(block.name));
    m.insert("provider_config_key".into(), json!("aws"));
    m.insert("expressions".into(), Value::Object(exprs));
    m.insert("schema_version".into(), json!(block.kind.schema_version()));
    match block.repetition {
        Repetition::Single => {}
        Repetition::Count => {
            m.insert(
                "count_expression".into(),
                json!({"constant_value": block.instances.len()}),
            );
        }
        Repetition::ForEach => {
            m.insert(
                "for_each_expression".into(),
                json!({"references": [format!("local.{}_instances", block.name)]}),
            );
        }
    }
    if needs_role(block.kind) {
        if let Some(rr) = role {
            m.insert(
                "depends_on".into(),
                json!([format!("aws_iam_role.{}", rr.block_name)]),
            );
        }
    }
    Some(Value::Object(m))
}

fn write_configuration(w: &mut impl Write, plan: &Plan) -> io::Result<()> {
    write!(
        w,
        r#"{{"provider_config":{{"aws":{{"name":"aws","full_name":"{PROVIDER}","version_constraint":"~> 5.70","expressions":{{"assume_role":[{{"role_arn":{{"references":["var.deploy_role_arn"]}},"session_name":{{"constant_value":"terraform"}}}}],"region":{{"references":["var.region"]}}}}}}}},"root_module":"#
    )?;
    write_module_config(w, plan, 0)?;
    w.write_all(b"}")
}

fn write_module_config(w: &mut impl Write, plan: &Plan, module: usize) -> io::Result<()> {
    w.write_all(b"{")?;
    if module == 0 {
        w.write_all(br#""outputs":{"account_id":{"expression":{"references":["data.aws_caller_identity.current.account_id","data.aws_caller_identity.current"]}},"environment":{"expression":{"references":["var.environment"]}}},"#)?;
    }
    w.write_all(br#""resources":["#)?;
    let mut seq = Seq::new();
    for &bi in &plan.module_blocks[module] {
        if let Some(v) = config_block(plan, &plan.blocks[bi]) {
            seq.next(w)?;
            put(w, &v)?;
        }
    }
    seq.next(w)?;
    w.write_all(br#"{"address":"data.aws_caller_identity.current","mode":"data","type":"aws_caller_identity","name":"current","provider_config_key":"aws","schema_version":0}"#)?;
    w.write_all(b"]")?;

    let children: Vec<usize> = (0..plan.modules.len())
        .filter(|&m| plan.modules[m].parent == Some(module))
        .collect();
    if !children.is_empty() {
        w.write_all(br#","module_calls":{"#)?;
        let mut seq = Seq::new();
        for child in children {
            let m = &plan.modules[child];
            seq.next(w)?;
            put(w, &m.call)?;
            write!(w, r#":{{"source":"{}","expressions":"#, m.source)?;
            let exprs = if m.call == "audit" {
                json!({"log_retention_days": {"constant_value": 365}, "name": {"references": ["var.name"]}})
            } else {
                json!({"environment": {"references": ["var.environment"]}, "name": {"constant_value": m.slug}})
            };
            put(w, &exprs)?;
            w.write_all(br#","module":"#)?;
            write_module_config(w, plan, child)?;
            w.write_all(b"}")?;
        }
        w.write_all(b"}")?;
    }
    if module == 0 {
        write!(
            w,
            r#","variables":{{"deploy_role_arn":{{"description":"Role assumed by Terraform"}},"environment":{{"default":"{ENV}","description":"Deployment environment"}},"region":{{"default":"{REGION}"}}}}"#
        )?;
    } else {
        w.write_all(br#","variables":{"environment":{},"name":{"description":"Service name"}}"#)?;
    }
    w.write_all(b"}")
}

fn write_relevant_attributes(w: &mut impl Write, plan: &Plan) -> io::Result<()> {
    let mut set: BTreeSet<(String, &'static str)> = BTreeSet::new();
    for block in &plan.blocks {
        if !block.instances.iter().any(|i| i.action.has_after()) {
            continue;
        }
        let Some(role) = &plan.module_roles[block.module] else {
            continue;
        };
        for (_, src) in configured(block.kind) {
            if let Src::Role(field) = src {
                set.insert((role.instance_address.clone(), field));
            }
        }
    }
    w.write_all(b"[")?;
    let mut seq = Seq::new();
    for (resource, attr) in set {
        seq.next(w)?;
        w.write_all(br#"{"resource":"#)?;
        put(w, &resource)?;
        write!(w, r#","attribute":["{attr}"]}}"#)?;
    }
    w.write_all(b"]")
}
