//! Terraform plans (`terraform show -json PLANFILE`): streamed, their top level read in
//! chunks by [`Scanner`], every part validated, the parts the review does not need
//! (`planned_values`, `prior_state`, ...) only skipped, and each resource change handed over as
//! raw bytes to be parsed on its own, on a second thread. Neither the file nor a parsed tree of
//! it is ever held whole.

use super::{Configuration, Deferred, Format, Input, Pieces, Wanted};
use crate::load::{self, strip_position, First, LoadError, Opened, Place, Pos};
use crate::model::{Action, Actions, Extra, Head, ResourceChange, Text, Values};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// `terraform show -json PLANFILE`.
pub(crate) struct Plan;

/// Top-level keys of a plan that no other format has. Those of the HCP Terraform redacted
/// plan and of Terraform state are among them: the plan reader says what those are.
const KEYS: &[&str] = &[
    "format_version",
    "terraform_version",
    "planned_values",
    "resource_changes",
    "resource_drift",
    "prior_state",
    "configuration",
    "output_changes",
    "relevant_attributes",
    "plan_format_version",
];

impl Format for Plan {
    fn name(&self) -> &'static str {
        "a Terraform plan (`terraform show -json PLANFILE`)"
    }

    fn sniff(&self, first: &First<'_>) -> bool {
        matches!(first, First::Bytes { object: Some(top), .. } if top.has_any(KEYS))
    }

    fn read(&self, opened: Opened<'_>, index: usize, wanted: &Wanted) -> Result<Pieces, LoadError> {
        let name = opened.name.to_string();
        let (plan, mut worked, count) = load_one(opened, index, wanted)?;
        Ok(Pieces {
            input: Input {
                name,
                format_version: plan.format_version,
                terraform_version: plan.terraform_version,
                configuration: std::mem::take(&mut worked.configuration),
                resource_changes: count,
                variables: plan.variables,
            },
            changes: worked.changes,
            drift: worked.drift,
            prior: worked.prior,
            unknowns: Vec::new(),
        })
    }
}

/// read: all of it ([`RawChange`]) or only what it does ([`HeadChange`]).
#[derive(Debug, Deserialize)]
#[serde(bound(deserialize = "C: Deserialize<'de>"))]
pub(crate) struct RawResourceChange<'a, C = RawChange<'a>> {
    /// Missing in the drift entries of some early 1.x plans: then built from the other fields.
    #[serde(borrow, default)]
    pub(crate) address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) previous_address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) module_address: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) mode: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    pub(crate) kind: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) index: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) deposed: Option<Cow<'a, str>>,
    pub(crate) change: C,
    #[serde(borrow, default)]
    pub(crate) action_reason: Option<Cow<'a, str>>,
}

impl<C> RawResourceChange<'_, C> {
    /// The instance address, built from module address, type, name and index when absent.
    pub(crate) fn address(&self) -> Cow<'_, str> {
        if let Some(a) = &self.address {
            return Cow::Borrowed(a);
        }
        let mut a = String::new();
        if let Some(m) = self.module_address.as_deref().filter(|m| !m.is_empty()) {
            a.push_str(m);
            a.push('.');
        }
        if self.mode.as_deref() == Some("data") {
            a.push_str("data.");
        }
        a.push_str(&self.kind);
        a.push('.');
        a.push_str(self.name.as_deref().unwrap_or("?"));
        if let Some(index) = self.index.filter(|i| i.get() != "null") {
            a.push_str(&format!("[{}]", index.get()));
        }
        Cow::Owned(a)
    }
}

/// What a change does, without its values: enough to decide whether its values are read.
#[derive(Debug, Deserialize)]
pub(crate) struct HeadChange<'a> {
    #[serde(borrow)]
    pub(crate) actions: Vec<Cow<'a, str>>,
    #[serde(default)]
    pub(crate) importing: Option<IgnoredAny>,
}

/// The `change` object of a resource change.
#[derive(Debug, Deserialize)]
pub(crate) struct RawChange<'a> {
    #[serde(borrow)]
    pub(crate) actions: Vec<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) before: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) after: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) after_unknown: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) before_sensitive: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) after_sensitive: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) importing: Option<&'a RawValue>,
}

/// Which list a resource change comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    /// `resource_changes`: what the change does.
    Changes,
    /// `resource_drift`: what changed outside Terraform.
    Drift,
}

/// What a Terraform plan says besides its resource changes and configuration.
#[derive(Debug, Default)]
pub(crate) struct PlanHead {
    pub(crate) format_version: String,
    pub(crate) terraform_version: Option<String>,
    /// The root module's variables: their values by name.
    pub(crate) variables: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A resource of the plan's `prior_state`: what it is, and its values.
#[derive(Debug, Deserialize)]
pub(crate) struct RawPriorResource<'a> {
    #[serde(borrow)]
    pub(crate) address: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) mode: Option<Cow<'a, str>>,
    #[serde(borrow, rename = "type")]
    pub(crate) kind: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) values: Option<&'a RawValue>,
    #[serde(borrow, default)]
    pub(crate) sensitive_values: Option<&'a RawValue>,
}

/// Takes one resource of the plan's `prior_state`, as raw bytes with their place.
pub(crate) type OnPrior<'f> = dyn for<'b> FnMut(Place<'b>) -> Result<(), LoadError> + 'f;

/// How deep `child_modules` of `prior_state` are followed (deeper ones are only skipped).
const PRIOR_DEPTH: usize = 64;

/// Walk a module of `prior_state` (its `resources` and `child_modules`), handing each resource
/// over. Entries that are not as Terraform writes them are skipped: the state only adds to
/// what the changes say.
fn prior_module<R: std::io::Read>(
    s: &mut load::Scanner<'_, R>,
    name: &str,
    prior: &mut OnPrior<'_>,
    depth: usize,
) -> Result<(), LoadError> {
    if depth > PRIOR_DEPTH || s.next_byte()? != Some(b'{') {
        return s.skip();
    }
    load::members_of(s, |s, key| match key {
        "resources" | "child_modules" => {
            if s.next_byte()? != Some(b'[') {
                return s.skip();
            }
            s.expect(b'[', "`[`")?;
            if s.eat(b']')? {
                return Ok(());
            }
            loop {
                if key == "child_modules" {
                    prior_module(s, name, prior, depth + 1)?;
                } else {
                    s.capture(|bytes, at| prior(Place { name, bytes, at }))?;
                }
                if s.eat(b']')? {
                    return Ok(());
                }
                s.expect(b',', "`,` or `]`")?;
            }
        }
        _ => s.skip(),
    })
    .map(|_| ())
}

/// Takes the plan's `configuration`, as raw bytes with their place.
pub(crate) type OnConfiguration<'f> = dyn FnMut(Place<'_>) -> Result<(), LoadError> + 'f;

/// Takes one resource change: what it does, and its raw bytes with their place.
pub(crate) type OnChange<'f> = dyn for<'b> FnMut(
        Section,
        Place<'b>,
        RawResourceChange<'b, HeadChange<'b>>,
    ) -> Result<(), LoadError>
    + 'f;

/// Read a Terraform plan. Its configuration and resource changes are handed over as they are
/// read, one by one.
pub(crate) fn read_plan(
    opened: Opened<'_>,
    config: &mut OnConfiguration<'_>,
    each: &mut OnChange<'_>,
    prior: &mut OnPrior<'_>,
) -> Result<PlanHead, LoadError> {
    let name = opened.name;
    let invalid = |message: &str| LoadError::Invalid {
        name: name.to_string(),
        message: message.to_string(),
    };
    let mut s = opened.json()?;
    let mut plan = PlanHead::default();
    // The first error in a resource change: reported after the checks of what the document
    // is, which explain more.
    let mut element_error: Option<LoadError> = None;
    let seen = load::members(&mut s, |s, key| {
        match key {
            "format_version" | "terraform_version" => {
                let value = s.capture(|b, at| {
                    serde_json::from_slice::<String>(b).map_err(|e| {
                        Place { name, bytes: b, at }.error(&e, format!("`{key}` is not a string"))
                    })
                })?;
                if key == "format_version" {
                    plan.format_version = value;
                } else {
                    plan.terraform_version = Some(value);
                }
            }
            "resource_changes" | "resource_drift" => {
                let section = if key == "resource_changes" {
                    Section::Changes
                } else {
                    Section::Drift
                };
                s.ws()?;
                if !s.eat(b'[')? {
                    if s.eat(b'n')? {
                        return Err(s.error(format!(
                            "at `{key}`: not a Terraform plan: expected an array"
                        )));
                    }
                    return Err(s.error(format!(
                        "at `{key}`: not a Terraform plan: invalid type, expected an array \
                             (expected the output of `terraform show -json PLANFILE`)"
                    )));
                }
                if !s.eat(b']')? {
                    loop {
                        // serde_json reads each resource change where it lies in the
                        // buffer; one that is not as Terraform writes it is reported after
                        // the checks of what the document is, and skipped.
                        s.parse(|avail, at| {
                            let mut stream = serde_json::Deserializer::from_slice(avail)
                                .into_iter::<RawResourceChange<'_, HeadChange<'_>>>();
                            match stream.next() {
                                Some(Ok(raw)) => {
                                    let used = stream.byte_offset();
                                    let bytes = &avail[..used];
                                    if element_error.is_none() {
                                        if let Err(e) =
                                            each(section, Place { name, bytes, at }, raw)
                                        {
                                            element_error = Some(e);
                                        }
                                    }
                                    load::Parsed::Done((), used)
                                }
                                Some(Err(e)) if e.is_eof() => load::Parsed::NeedMore,
                                None => load::Parsed::NeedMore,
                                Some(Err(e)) if e.is_data() => {
                                    // Valid JSON, not a resource change: note it, skip it.
                                    let mut stream = serde_json::Deserializer::from_slice(avail)
                                        .into_iter::<IgnoredAny>();
                                    match stream.next() {
                                        Some(Ok(_)) => {
                                            if element_error.is_none() {
                                                element_error = Some(resource_change_error(
                                                    section,
                                                    Place {
                                                        name,
                                                        bytes: avail,
                                                        at,
                                                    },
                                                    &e,
                                                ));
                                            }
                                            load::Parsed::Done((), stream.byte_offset())
                                        }
                                        Some(Err(e)) if e.is_eof() => load::Parsed::NeedMore,
                                        _ => load::Parsed::NeedMore,
                                    }
                                }
                                Some(Err(e)) => load::Parsed::Failed(
                                    Place {
                                        name,
                                        bytes: avail,
                                        at,
                                    }
                                    .error(&e, format!("invalid JSON: {}", strip_position(&e))),
                                ),
                            }
                        })?;
                        if s.eat(b']')? {
                            break;
                        }
                        s.expect(b',', "`,` or `]`")?;
                    }
                }
            }
            "configuration" => {
                // Handed over whole, to be parsed by the caller (on another thread).
                s.capture(|bytes, at| config(Place { name, bytes, at }))?;
            }
            "variables" => {
                plan.variables = s.capture(|bytes, at| variables(Place { name, bytes, at }))?;
            }
            // `prior_state.values.root_module`: only its resources are read, one by one.
            "prior_state" if s.next_byte()? == Some(b'{') => {
                load::members_of(s, |s, key| match key {
                    "values" if s.next_byte()? == Some(b'{') => {
                        load::members_of(s, |s, key| match key {
                            "root_module" => prior_module(s, name, prior, 0),
                            _ => s.skip(),
                        })
                        .map(|_| ())
                    }
                    _ => s.skip(),
                })?;
            }
            _ => s.skip()?,
        }
        Ok(())
    })?;
    let has = |k: &str| seen.iter().any(|x| x == k);
    if has("steps") && !has("format_version") {
        // NOTE: a preview is recognised by its first keys (`steps`, `changeSummary`, `config`,
        // ...); this one began with others, for longer than formats are sniffed.
        return Err(invalid(&format!(
            "this looks like `pulumi preview --json` output, but its first {} KiB hold no key of \
             a preview: expected the output of `pulumi preview --json` or \
             `terraform show -json PLANFILE`",
            load::PREFIX >> 10
        )));
    }
    check_plan(&has, &plan.format_version).map_err(|m| invalid(&m))?;
    if let Some(e) = element_error {
        return Err(e);
    }
    Ok(plan)
}

/// Check that a document is a Terraform plan this version can read, from its keys.
fn check_plan(has: &dyn Fn(&str) -> bool, version: &str) -> Result<(), String> {
    if has("plan_format_version") {
        return Err(
            "this is an HCP Terraform redacted JSON plan (`plan_format_version`), which \
             foureyes does not read: expected the output of `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    if has("changeSummary") && !has("format_version") {
        return Err(
            "this looks like `pulumi preview --json` output without `steps`: expected \
             the output of `pulumi preview --json` or `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    if !has("format_version") {
        return Err(
            "not a Terraform plan: there is no `format_version`; expected the output of \
             `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    let major = version.split('.').next().unwrap_or("");
    // NOTE: a version that is not a number (hand-written test plans say "test_format_version")
    // is read as the current format; a known other major version is refused.
    if major.parse::<u64>().is_ok_and(|m| m > 1) {
        return Err(format!(
            "unsupported plan format_version \"{}\": foureyes reads format versions 0.x and 1.x",
            crate::escape::terminal(version)
        ));
    }
    if !has("resource_changes") && has("values") && !has("planned_values") && !has("prior_state") {
        return Err(
            "this is Terraform state (`terraform show -json` without a plan file), not a \
             plan: expected `terraform show -json PLANFILE`"
                .to_string(),
        );
    }
    Ok(())
}

/// The values of a plan's `variables` (`{"NAME": {"value": ...}}`).
// NOTE: no parser message here: it could quote a value, and values can be sensitive.
fn variables(
    place: Place<'_>,
) -> Result<std::collections::BTreeMap<String, serde_json::Value>, LoadError> {
    let map: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(place.bytes)
        .map_err(|e| place.error(&e, "`variables` is not an object of variables".to_string()))?;
    Ok(map
        .into_iter()
        .filter_map(|(k, mut v)| Some((k, v.get_mut("value")?.take())))
        .collect())
}

/// Parse a plan's `configuration`.
pub(crate) fn configuration(place: Place<'_>) -> Result<Configuration, LoadError> {
    serde_json::from_slice(place.bytes).map_err(|e| {
        place.error(
            &e,
            format!(
                "`configuration` is not as Terraform writes it: {}",
                strip_position(&e)
            ),
        )
    })
}

/// Parse one resource change, saying where and what is wrong when it is not as Terraform
/// writes it.
pub(crate) fn resource_change<'a>(
    section: Section,
    place: Place<'a>,
) -> Result<RawResourceChange<'a>, LoadError> {
    serde_json::from_slice(place.bytes).map_err(|e| resource_change_error(section, place, &e))
}

/// Say where and what is wrong in a resource change that is not as Terraform writes it.
fn resource_change_error(section: Section, place: Place<'_>, e: &serde_json::Error) -> LoadError {
    let list = match section {
        Section::Changes => "resource_changes",
        Section::Drift => "resource_drift",
    };
    let mut de = serde_json::Deserializer::from_slice(place.bytes);
    let path = match serde_path_to_error::deserialize::<_, RawResourceChange<'_>>(&mut de) {
        Err(e) if e.path().to_string() != "." => format!("{list}[].{}", e.path()),
        _ => list.to_string(),
    };
    place.error(
        e,
        format!(
            "at `{path}`: not a Terraform plan: {} (expected the output of `terraform show -json PLANFILE`)",
            strip_position(e)
        ),
    )
}

/// A resource change longer than this (in bytes) is parsed where it is read, not copied to the
/// worker: memory then holds it once.
const BIG: usize = 4 << 20;

/// A resource change whose values the review reads, on its way to the worker.
type Element = (Section, Pos, Vec<u8>);

/// Work for the second thread.
enum Work {
    Changes(Vec<Element>),
    Configuration(Pos, Vec<u8>),
}

/// What the second thread makes of its work.
#[derive(Default)]
struct Worked {
    changes: Vec<ResourceChange>,
    drift: Vec<ResourceChange>,
    prior: Vec<ResourceChange>,
    configuration: Configuration,
}

/// A plan as read: what it says of itself, its changes and drift, its configuration, and how
/// many resource changes it has.
type Loaded1 = (PlanHead, Worked, usize);

/// Load one input. This thread reads the input and keeps what it needs of most resource
/// changes (their action); the ones whose values the review reads go to a second thread,
/// which parses them while the reading goes on.
fn load_one(opened: Opened<'_>, input: usize, wanted: &Wanted) -> Result<Loaded1, LoadError> {
    let name = opened.name;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel::<Work>();
        let worker = scope.spawn(move || {
            let mut worked = Worked::default();
            let mut shared = Interner::default();
            // The first error; the rest is still drained so that the reader can finish and
            // report what it finds first (an unsupported format explains more).
            let mut error = None;
            for work in rx {
                if error.is_some() {
                    continue;
                }
                let batch = match work {
                    Work::Changes(batch) => batch,
                    Work::Configuration(at, bytes) => {
                        let place = Place {
                            name,
                            bytes: &bytes,
                            at,
                        };
                        match configuration(place) {
                            Ok(c) => worked.configuration = c,
                            Err(e) => error = Some(e),
                        }
                        continue;
                    }
                };
                for (section, at, bytes) in batch {
                    let place = Place {
                        name,
                        bytes: &bytes,
                        at,
                    };
                    match resource_change(section, place)
                        .and_then(|raw| change(&place, input, &raw, wanted, &mut shared))
                    {
                        Ok(c) if section == Section::Changes => worked.changes.push(c),
                        Ok(c) => worked.drift.push(c),
                        Err(e) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
            }
            match error {
                Some(e) => Err(e),
                None => Ok(worked),
            }
        });
        let mut changes = Vec::new();
        let mut shared = Interner::default();
        let mut drift = Vec::new();
        let mut count = 0;
        let mut batch: Vec<Element> = Vec::with_capacity(64);
        let mut stopped = false;
        let sender = tx.clone();
        let mut big_configuration = None;
        let mut prior = Vec::new();
        let mut prior_shared = Interner::default();
        let type_key = memchr::memmem::Finder::new(b"\"type\"");
        let address_key = memchr::memmem::Finder::new(b"\"address\"");
        // The addresses of the changes of types read from `prior_state`: a resource of the
        // state that is among them says nothing more (Terraform writes `resource_changes`
        // first), so only those a plan limited with `-target` leaves out are parsed.
        // NOTE: by a hash of the address, not a copy of it (a million changes would copy a
        // million addresses); a collision only skips a resource the state repeats anyway.
        let listed: std::cell::RefCell<HashSet<u64>> = Default::default();
        let hash = |address: &str| {
            use std::hash::{BuildHasher, BuildHasherDefault};
            BuildHasherDefault::<rustc_hash::FxHasher>::default().hash_one(address)
        };
        let loaded = read_plan(
            opened,
            &mut |place| {
                if place.bytes.len() > BIG {
                    // NOTE: parsed here rather than copied to the worker, as a big change is.
                    big_configuration = Some(configuration(place)?);
                    return Ok(());
                }
                // NOTE: a send fails only when the worker has stopped; the worker then has
                // the error to report.
                let _ = sender.send(Work::Configuration(place.at, place.bytes.to_vec()));
                Ok(())
            },
            &mut |section, place, raw| {
                if section == Section::Changes {
                    count += 1;
                }
                let data = raw.mode.as_deref() == Some("data");
                let key: Cow<'_, str> = if data {
                    Cow::Owned(format!("data.{}", raw.kind))
                } else {
                    Cow::Borrowed(&raw.kind)
                };
                if section == Section::Changes && !data && wanted.prior.contains_key(key.as_ref()) {
                    if let Some(address) = &raw.address {
                        listed.borrow_mut().insert(hash(address));
                    }
                }
                let noop = raw.change.actions.len() == 1 && raw.change.actions[0] == "no-op";
                let read = wanted.attributes(&key, &raw.change.actions).is_some();
                if read && place.bytes.len() > BIG {
                    // NOTE: a big change is parsed here rather than copied to the worker.
                    let c = resource_change(section, place)
                        .and_then(|raw| change(&place, input, &raw, wanted, &mut shared))?;
                    match section {
                        Section::Changes => changes.push(c),
                        Section::Drift => drift.push(c),
                    }
                    return Ok(());
                }
                if read {
                    batch.push((section, place.at, place.bytes.to_vec()));
                    if batch.len() == batch.capacity() && !stopped {
                        let full = std::mem::replace(&mut batch, Vec::with_capacity(64));
                        stopped = tx.send(Work::Changes(full)).is_err();
                    }
                    return Ok(());
                }
                // NOTE: an unchanged resource that the review does not read says nothing: it is
                // counted, not kept.
                if noop && section == Section::Changes {
                    return Ok(());
                }
                let c = head(input, &raw, &mut shared);
                match section {
                    Section::Changes => changes.push(c),
                    Section::Drift => drift.push(c),
                }
                Ok(())
            },
            &mut |place| {
                // NOTE: most of the state is of other types: its `type`, which Terraform writes
                // before the values, skips them without parsing.
                if !prior_key(&type_key, place.bytes).is_some_and(|t| wanted.prior.contains_key(t))
                {
                    return Ok(());
                }
                if prior_key(&address_key, place.bytes)
                    .is_some_and(|a| listed.borrow().contains(&hash(a)))
                {
                    return Ok(());
                }
                let Ok(raw) = serde_json::from_slice::<RawPriorResource<'_>>(place.bytes) else {
                    return Ok(());
                };
                if raw.mode.as_deref() == Some("data") {
                    return Ok(());
                }
                let Some(attributes) = wanted.prior.get(raw.kind.as_ref()) else {
                    return Ok(());
                };
                prior.push(prior_change(
                    input,
                    &place,
                    &raw,
                    attributes,
                    &mut prior_shared,
                )?);
                Ok(())
            },
        );
        if !batch.is_empty() && !stopped {
            let _ = tx.send(Work::Changes(batch));
        }
        drop(tx);
        drop(sender);
        let parsed = match worker.join() {
            Ok(parsed) => parsed,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        let loaded = loaded?;
        let mut worked = parsed?;
        if let Some(c) = big_configuration {
            worked.configuration = c;
        }
        // NOTE: the longer list takes the shorter one, so a million changes are not copied.
        if changes.len() > worked.changes.len() {
            changes.append(&mut worked.changes);
            worked.changes = changes;
        } else {
            worked.changes.append(&mut changes);
        }
        drift.append(&mut worked.drift);
        worked.drift = drift;
        worked.prior = prior;
        Ok((loaded, worked, count))
    })
}

/// A string key of a resource of `prior_state` (`"type"`, `"address"`), read from its first
/// occurrence (Terraform writes `address`, `mode` and `type` before the values), without
/// parsing the rest. An escaped value is not read (`None`): the resource is then parsed.
fn prior_key<'b>(key: &memchr::memmem::Finder<'_>, bytes: &'b [u8]) -> Option<&'b str> {
    let mut from = 0;
    while let Some(at) = key.find(&bytes[from..]) {
        let after = from + at + key.needle().len();
        let rest = &bytes[after..];
        let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        if rest[colon] != b':' {
            from = after;
            continue;
        }
        let value = &rest[colon + 1..];
        let open = value.iter().position(|b| !b.is_ascii_whitespace())?;
        let value = value.get(open..)?.strip_prefix(b"\"")?;
        let close = memchr::memchr2(b'"', b'\\', value)?;
        if value[close] != b'"' {
            return None;
        }
        return std::str::from_utf8(&value[..close]).ok();
    }
    None
}

/// A resource of `prior_state`, as an unchanged resource with the attributes read of it.
fn prior_change(
    input: usize,
    place: &Place<'_>,
    raw: &RawPriorResource<'_>,
    attributes: &[String],
    shared: &mut Interner,
) -> Result<ResourceChange, LoadError> {
    let parse = |v: Option<&RawValue>| -> Result<Value, LoadError> {
        match v {
            Some(raw) => load::parse_picked(place, raw, attributes),
            None => Ok(Value::Null),
        }
    };
    let noop: [&str; 1] = ["no-op"];
    Ok(ResourceChange {
        head: Arc::new(Head {
            address: Text::from(load::bounded(&raw.address).as_ref()),
            kind: shared.text(&raw.kind),
            actions: shared.actions(&noop),
            data: false,
            importing: false,
            extra: None,
        }),
        input,
        action: Action::NoOp,
        values: Some(Box::new(Values {
            before: parse(raw.values)?,
            before_sensitive: parse(raw.sensitive_values)?,
            unchanged: true,
            ..Values::default()
        })),
        deferred: None,
    })
}

/// A resource change whose values the review does not read: what it does, to whom.
fn head(
    input: usize,
    raw: &RawResourceChange<'_, HeadChange<'_>>,
    shared: &mut Interner,
) -> ResourceChange {
    base(
        input,
        raw,
        &raw.change.actions,
        raw.change.importing.is_some(),
        shared,
    )
}

/// The texts many changes repeat (types, lists of actions, module addresses), held once.
#[derive(Default)]
pub(crate) struct Interner {
    texts: HashMap<Box<str>, Text>,
    /// By the actions, each after its length, so that no two lists share a key.
    actions: HashMap<String, Actions>,
    key: String,
}

impl Interner {
    pub(crate) fn text(&mut self, s: &str) -> Text {
        if let Some(t) = self.texts.get(s) {
            return t.clone();
        }
        let t: Text = s.into();
        self.texts.insert(s.into(), t.clone());
        t
    }

    pub(crate) fn actions<S: AsRef<str>>(&mut self, list: &[S]) -> Actions {
        self.key.clear();
        for a in list {
            let a = a.as_ref();
            self.key.push_str(&a.len().to_string());
            self.key.push(':');
            self.key.push_str(a);
        }
        if let Some(a) = self.actions.get(&self.key) {
            return a.clone();
        }
        let a: Actions = list.iter().map(|a| self.text(a.as_ref())).collect();
        self.actions.insert(self.key.clone(), a.clone());
        a
    }
}

/// The parts of a resource change that do not depend on its values.
fn base<C>(
    input: usize,
    raw: &RawResourceChange<'_, C>,
    actions: &[Cow<'_, str>],
    importing: bool,
    shared: &mut Interner,
) -> ResourceChange {
    let address = raw.address();
    let address = match load::bounded(&address) {
        Cow::Borrowed(_) => address,
        Cow::Owned(short) => Cow::Owned(short),
    };
    let data = raw.mode.as_deref() == Some("data") || address.starts_with("data.");
    ResourceChange {
        head: Arc::new(Head {
            address: Text::from(address.as_ref()),
            kind: shared.text(&raw.kind),
            actions: shared.actions(actions),
            data,
            importing,
            extra: Extra {
                previous_address: raw.previous_address.as_deref().map(Text::from),
                module_address: raw.module_address.as_deref().map(|m| shared.text(m)),
                deposed: raw.deposed.as_deref().map(Text::from),
                action_reason: raw.action_reason.as_deref().map(|r| shared.text(r)),
            }
            .boxed(),
        }),
        input,
        action: Action::from_terraform(actions),
        values: None,
        deferred: None,
    }
}

/// A resource change read whole: its values are parsed as far as the review needs them.
fn change(
    place: &Place<'_>,
    input: usize,
    raw: &RawResourceChange<'_, RawChange<'_>>,
    wants_values: &Wanted,
    shared: &mut Interner,
) -> Result<ResourceChange, LoadError> {
    let mut c = base(
        input,
        raw,
        &raw.change.actions,
        raw.change.importing.is_some(),
        shared,
    );
    let action = c.action;
    let key = if c.data {
        format!("data.{}", raw.kind)
    } else {
        raw.kind.to_string()
    };
    let attributes = wants_values.attributes(&key, &raw.change.actions);
    let values = match attributes {
        Some(attributes) => {
            let parse = |v: Option<&RawValue>| -> Result<Value, LoadError> {
                match v {
                    Some(raw) => load::parse_picked(place, raw, attributes),
                    None => Ok(Value::Null),
                }
            };
            if action == Action::NoOp {
                // Unchanged: `after` is `before`; read it once.
                let before = parse(raw.change.before)?;
                let before_sensitive = parse(raw.change.before_sensitive)?;
                Some(Box::new(Values {
                    before,
                    before_sensitive,
                    unchanged: true,
                    ..Values::default()
                }))
            } else if action == Action::Delete {
                // A deletion says nothing after it; one whose read attributes are all absent
                // says nothing at all (a million deleted trails are not kept for none).
                let before = parse(raw.change.before)?;
                let said = match &before {
                    Value::Object(map) => map.values().any(|v| !v.is_null()),
                    Value::Null => false,
                    _ => true,
                };
                if said {
                    Some(Box::new(Values {
                        before,
                        after: parse(raw.change.after)?,
                        after_unknown: parse(raw.change.after_unknown)?,
                        before_sensitive: parse(raw.change.before_sensitive)?,
                        after_sensitive: parse(raw.change.after_sensitive)?,
                        unchanged: false,
                    }))
                } else {
                    None
                }
            } else {
                Some(Box::new(Values {
                    before: parse(raw.change.before)?,
                    after: parse(raw.change.after)?,
                    after_unknown: parse(raw.change.after_unknown)?,
                    before_sensitive: parse(raw.change.before_sensitive)?,
                    after_sensitive: parse(raw.change.after_sensitive)?,
                    unchanged: false,
                }))
            }
        }
        None => None,
    };
    let deferred = (action == Action::NoOp
        && values.is_some()
        && wants_values.completed.contains(key.as_str()))
    .then(|| Deferred {
        before: raw.change.before.map(RawValue::to_owned),
        before_sensitive: raw.change.before_sensitive.map(RawValue::to_owned),
        at: raw.change.before.map(|v| {
            let offset = (v.get().as_ptr() as usize).saturating_sub(place.bytes.as_ptr() as usize);
            let (line, column) = load::line_column(place.bytes, offset);
            place.at.offset(line, column)
        }),
    });
    c.values = values;
    c.deferred = deferred.map(Box::new);
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::Source;

    fn load_all(text: &[u8]) -> Result<(PlanHead, usize), LoadError> {
        let source = Source::from_bytes("plan.json", text.to_vec());
        let mut n = 0;
        let plan = read_plan(
            source.open()?,
            &mut |p| configuration(p).map(|_| ()),
            &mut |_, _, _| {
                n += 1;
                Ok(())
            },
            &mut |_| Ok(()),
        )?;
        Ok((plan, n))
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let mut text = b"{\"format_version\":\"1.2\",\"resource_changes\":[{\"address\":\"a\",\"type\":\"t\",\"change\":{\"actions\":[\"create\"],\"after\":".to_vec();
        text.extend(std::iter::repeat_n(b'[', 200_000));
        let err = load_all(&text).expect_err("deep nesting must fail");
        assert!(err.to_string().starts_with("plan.json:1:"), "{err}");
    }

    #[test]
    fn a_state_file_is_not_a_plan() {
        let err =
            load_all(br#"{"format_version":"1.0","values":{}}"#).expect_err("state is not a plan");
        assert!(err.to_string().contains("Terraform state"), "{err}");
    }

    #[test]
    fn resource_changes_are_handed_over_one_by_one() {
        let text = br#"{"format_version":"1.2","planned_values":{"x":[1,2,{"y":null}]},
"resource_changes":[{"address":"a.b","type":"a","change":{"actions":["no-op"]}},
{"address":"a.c","type":"a","change":{"actions":["create"]}}],"configuration":{}}"#;
        let (plan, n) = load_all(text).expect("loads");
        assert_eq!(n, 2);
        assert_eq!(plan.format_version, "1.2");
    }

    #[test]
    fn a_bad_resource_change_is_reported_in_place() {
        let text = b"{\"format_version\":\"1.2\",\n\"resource_changes\":[\n  {\"address\":\"a.b\",\"change\":{\"actions\":[]}}]}";
        let err = load_all(text).expect_err("no type").to_string();
        assert!(err.starts_with("plan.json:3:"), "{err}");
        assert!(err.contains("missing field `type`"), "{err}");
        assert!(err.contains("resource_changes"), "{err}");
    }

    /// Whether the plan reader recognises an input from its first bytes.
    fn sniffed(text: &[u8]) -> bool {
        let source = Source::from_bytes("in.json", text.to_vec());
        let opened = source.open().expect("opens");
        Plan.sniff(&opened.first())
    }

    #[test]
    fn a_plan_is_recognised_by_any_of_its_keys() {
        assert!(sniffed(br#"{"format_version": "1.2"}"#));
        assert!(sniffed(
            br#"{"terraform_version": "1.9.5", "format_version": "1.2"}"#
        ));
        assert!(sniffed(br#"{"resource_changes": []}"#));
        // The redacted plan of HCP Terraform and state: the plan reader says what they are.
        assert!(sniffed(br#"{"plan_format_version": "1.1"}"#));
        // A plan whose first bytes hold only `planned_values`.
        let mut text = br#"{"planned_values": {"pad": ""#.to_vec();
        text.extend(std::iter::repeat_n(b'x', load::PREFIX));
        text.extend(br#""}, "format_version": "1.2", "resource_changes": []}"#);
        assert!(sniffed(&text));
        for other in [
            &br#"{"steps": [], "config": {}}"#[..],
            br#"{"name": "x", "version": 3}"#,
            b"[1, 2]",
            b"",
        ] {
            assert!(!sniffed(other), "{}", String::from_utf8_lossy(other));
        }
    }

    #[test]
    fn a_plan_after_keys_of_no_format_is_still_read() {
        let mut text = br#"{"pad": ""#.to_vec();
        text.extend(std::iter::repeat_n(b'x', load::PREFIX));
        text.extend(br#"", "format_version": "1.2", "resource_changes": []}"#);
        assert!(!sniffed(&text));
        let (plan, n) = load_all(&text).expect("the fallback reads it");
        assert_eq!((plan.format_version.as_str(), n), ("1.2", 0));
    }
}
