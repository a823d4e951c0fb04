//! Terraform's standard functions that can be run without a plan, as `hcl-rs` functions. What
//! they cannot know (files, the network, time) fails, and the value is then unknown.

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::{Map, Value};

/// The longest list a function builds (`range`), and the longest string (`format`).
const LONGEST: usize = 1 << 12;

/// A context that knows the functions.
pub(super) fn context() -> Context<'static> {
    let mut ctx = Context::new();
    let any = || ParamType::Any;
    let variadic = |f: hcl::eval::Func| FuncDef::builder().variadic_param(any()).build(f);
    let fixed = |n: usize, f: hcl::eval::Func| FuncDef::new(f, std::iter::repeat_n(any(), n));
    let one = |f| fixed(1, f);
    let table: [(&str, FuncDef); 45] = [
        ("jsonencode", one(jsonencode)),
        ("jsondecode", one(jsondecode)),
        ("merge", variadic(merge)),
        ("concat", variadic(concat)),
        ("flatten", one(flatten)),
        ("format", variadic(format)),
        ("join", fixed(2, join)),
        ("split", fixed(2, split)),
        ("replace", fixed(3, replace)),
        ("lower", one(lower)),
        ("upper", one(upper)),
        ("title", one(title)),
        ("trimspace", one(trimspace)),
        ("trimprefix", fixed(2, trimprefix)),
        ("trimsuffix", fixed(2, trimsuffix)),
        ("startswith", fixed(2, startswith)),
        ("endswith", fixed(2, endswith)),
        ("tostring", one(tostring)),
        ("tonumber", one(tonumber)),
        ("tobool", one(tobool)),
        ("tolist", one(tolist)),
        ("toset", one(toset)),
        ("tomap", one(tomap)),
        ("length", one(length)),
        ("keys", one(keys)),
        ("values", one(values)),
        ("lookup", variadic(lookup)),
        ("element", fixed(2, element)),
        ("contains", fixed(2, contains)),
        ("distinct", one(distinct)),
        ("compact", one(compact)),
        ("sort", one(sort)),
        ("zipmap", fixed(2, zipmap)),
        ("coalesce", variadic(coalesce)),
        ("coalescelist", variadic(coalescelist)),
        ("one", one(only)),
        ("range", variadic(range)),
        ("min", variadic(min)),
        ("max", variadic(max)),
        ("try", variadic(attempt)),
        ("can", one(can)),
        ("file", variadic(unknown)),
        ("templatefile", variadic(unknown)),
        ("timestamp", variadic(unknown)),
        ("uuid", variadic(unknown)),
    ];
    for (name, def) in table {
        ctx.declare_func(name, def);
    }
    ctx
}

type Result = std::result::Result<Value, String>;

fn unknown(_: FuncArgs) -> Result {
    Err("not known without a plan".to_string())
}

/// hcl-rs evaluates every argument first: an argument that fails fails the call (the value is
/// unknown), so `try` only ever sees values, and returns the first that is not null.
fn attempt(args: FuncArgs) -> Result {
    args.iter()
        .find(|v| !v.is_null())
        .cloned()
        .ok_or_else(|| "no argument of try has a value".to_string())
}

fn can(_: FuncArgs) -> Result {
    Ok(Value::Bool(true))
}

pub(super) fn to_json(v: &Value) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

pub(super) fn from_json(v: &serde_json::Value) -> Value {
    hcl::to_value(v).unwrap_or(Value::Null)
}

fn text(v: &Value) -> std::result::Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(format!("expected a string, got `{v}`")),
    }
}

fn list(v: &Value) -> std::result::Result<&Vec<Value>, String> {
    match v {
        Value::Array(a) => Ok(a),
        _ => Err("expected a list".to_string()),
    }
}

fn index(v: &Value) -> std::result::Result<usize, String> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && *f >= 0.0)
                    .map(|f| f as u64)
            })
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| "expected a whole number".to_string()),
        Value::String(s) => s.parse().map_err(|_| "expected a whole number".to_string()),
        _ => Err("expected a whole number".to_string()),
    }
}

fn jsonencode(args: FuncArgs) -> Result {
    serde_json::to_string(&to_json(&args[0]))
        .map(Value::String)
        .map_err(|e| e.to_string())
}

fn jsondecode(args: FuncArgs) -> Result {
    let s = text(&args[0])?;
    let v: serde_json::Value = serde_json::from_str(&s).map_err(|e| e.to_string())?;
    Ok(from_json(&v))
}

fn merge(args: FuncArgs) -> Result {
    let mut out = Map::new();
    for a in args.iter() {
        match a {
            Value::Object(m) => out.extend(m.iter().map(|(k, v)| (k.clone(), v.clone()))),
            Value::Null => {}
            _ => return Err("expected maps".to_string()),
        }
    }
    Ok(Value::Object(out))
}

fn concat(args: FuncArgs) -> Result {
    let mut out = Vec::new();
    for a in args.iter() {
        out.extend(list(a)?.iter().cloned());
    }
    Ok(Value::Array(out))
}

fn flatten(args: FuncArgs) -> Result {
    fn walk(v: &[Value], out: &mut Vec<Value>, depth: usize) -> std::result::Result<(), String> {
        if depth > 32 {
            return Err("nested too deep".to_string());
        }
        for item in v {
            match item {
                Value::Array(inner) => walk(inner, out, depth + 1)?,
                other => out.push(other.clone()),
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(list(&args[0])?, &mut out, 0)?;
    Ok(Value::Array(out))
}

fn format(args: FuncArgs) -> Result {
    let Some((spec, rest)) = args.split_first() else {
        return Err("format needs a specification".to_string());
    };
    let spec = text(spec)?;
    let mut rest = rest.iter();
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('%') => out.push('%'),
            Some('s' | 'd' | 'v') => {
                let arg = rest.next().ok_or("too few arguments")?;
                match arg {
                    Value::String(_) | Value::Number(_) | Value::Bool(_) => {
                        out.push_str(&text(arg)?)
                    }
                    other => {
                        out.push_str(&serde_json::to_string(&to_json(other)).unwrap_or_default())
                    }
                }
            }
            Some('q') => {
                let arg = rest.next().ok_or("too few arguments")?;
                out.push_str(&serde_json::to_string(&text(arg)?).unwrap_or_default());
            }
            _ => return Err("a format verb foureyes does not evaluate".to_string()),
        }
        if out.len() > LONGEST * 64 {
            return Err("too long".to_string());
        }
    }
    Ok(Value::String(out))
}

fn join(args: FuncArgs) -> Result {
    let sep = text(&args[0])?;
    let parts = list(&args[1])?
        .iter()
        .map(text)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Value::String(parts.join(&sep)))
}

fn split(args: FuncArgs) -> Result {
    let sep = text(&args[0])?;
    let s = text(&args[1])?;
    if sep.is_empty() {
        return Err("an empty separator".to_string());
    }
    Ok(Value::Array(
        s.split(sep.as_str())
            .map(|p| Value::from(p.to_string()))
            .collect(),
    ))
}

fn replace(args: FuncArgs) -> Result {
    let (s, from, to) = (text(&args[0])?, text(&args[1])?, text(&args[2])?);
    if from.starts_with('/') && from.ends_with('/') && from.len() > 1 {
        return Err("regular expressions are not evaluated".to_string());
    }
    if from.is_empty() {
        return Ok(Value::String(s));
    }
    Ok(Value::String(s.replace(&from, &to)))
}

fn string_fn(args: &FuncArgs, f: impl Fn(&str) -> String) -> Result {
    Ok(Value::String(f(&text(&args[0])?)))
}

fn lower(args: FuncArgs) -> Result {
    string_fn(&args, str::to_lowercase)
}

fn upper(args: FuncArgs) -> Result {
    string_fn(&args, str::to_uppercase)
}

fn title(args: FuncArgs) -> Result {
    string_fn(&args, |s| {
        let mut out = String::with_capacity(s.len());
        let mut start = true;
        for c in s.chars() {
            if start {
                out.extend(c.to_uppercase());
            } else {
                out.push(c);
            }
            start = !c.is_alphanumeric();
        }
        out
    })
}

fn trimspace(args: FuncArgs) -> Result {
    string_fn(&args, |s| s.trim().to_string())
}

fn trimprefix(args: FuncArgs) -> Result {
    let (s, p) = (text(&args[0])?, text(&args[1])?);
    Ok(Value::String(
        s.strip_prefix(p.as_str()).unwrap_or(&s).to_string(),
    ))
}

fn trimsuffix(args: FuncArgs) -> Result {
    let (s, p) = (text(&args[0])?, text(&args[1])?);
    Ok(Value::String(
        s.strip_suffix(p.as_str()).unwrap_or(&s).to_string(),
    ))
}

fn startswith(args: FuncArgs) -> Result {
    Ok(Value::Bool(text(&args[0])?.starts_with(&text(&args[1])?)))
}

fn endswith(args: FuncArgs) -> Result {
    Ok(Value::Bool(text(&args[0])?.ends_with(&text(&args[1])?)))
}

fn tostring(args: FuncArgs) -> Result {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v => text(v).map(Value::String),
    }
}

fn tonumber(args: FuncArgs) -> Result {
    match &args[0] {
        Value::Number(_) | Value::Null => Ok(args[0].clone()),
        Value::String(s) => s
            .parse::<i64>()
            .map(Value::from)
            .or_else(|_| s.parse::<f64>().map(Value::from))
            .map_err(|_| "not a number".to_string()),
        _ => Err("not a number".to_string()),
    }
}

fn tobool(args: FuncArgs) -> Result {
    match &args[0] {
        Value::Bool(_) | Value::Null => Ok(args[0].clone()),
        Value::String(s) if s == "true" => Ok(Value::Bool(true)),
        Value::String(s) if s == "false" => Ok(Value::Bool(false)),
        _ => Err("not a bool".to_string()),
    }
}

fn tolist(args: FuncArgs) -> Result {
    list(&args[0]).map(|l| Value::Array(l.clone()))
}

fn toset(args: FuncArgs) -> Result {
    let mut out: Vec<Value> = Vec::new();
    for v in list(&args[0])? {
        // NOTE: Terraform's sets of strings are sorted; numbers become strings as well.
        let v = match v {
            Value::Number(_) | Value::Bool(_) => Value::String(text(v)?),
            other => other.clone(),
        };
        if !out.contains(&v) {
            out.push(v);
        }
    }
    if out.iter().all(Value::is_string) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    Ok(Value::Array(out))
}

fn tomap(args: FuncArgs) -> Result {
    match &args[0] {
        Value::Object(_) => Ok(args[0].clone()),
        _ => Err("expected a map".to_string()),
    }
}

fn length(args: FuncArgs) -> Result {
    let n = match &args[0] {
        Value::Array(a) => a.len(),
        Value::Object(m) => m.len(),
        Value::String(s) => s.chars().count(),
        _ => return Err("expected a collection or a string".to_string()),
    };
    Ok(Value::from(n as u64))
}

fn keys(args: FuncArgs) -> Result {
    match &args[0] {
        Value::Object(m) => {
            let mut k: Vec<&String> = m.keys().collect();
            k.sort();
            Ok(Value::Array(
                k.into_iter().map(|k| Value::String(k.clone())).collect(),
            ))
        }
        _ => Err("expected a map".to_string()),
    }
}

fn values(args: FuncArgs) -> Result {
    match &args[0] {
        Value::Object(m) => {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            Ok(Value::Array(
                entries.into_iter().map(|(_, v)| v.clone()).collect(),
            ))
        }
        _ => Err("expected a map".to_string()),
    }
}

fn lookup(args: FuncArgs) -> Result {
    let (Some(Value::Object(m)), Some(key)) = (args.first(), args.get(1)) else {
        return Err("expected a map and a key".to_string());
    };
    match (m.get(&text(key)?), args.get(2)) {
        (Some(v), _) => Ok(v.clone()),
        (None, Some(default)) => Ok(default.clone()),
        (None, None) => Err("no such key".to_string()),
    }
}

fn element(args: FuncArgs) -> Result {
    let l = list(&args[0])?;
    if l.is_empty() {
        return Err("an empty list".to_string());
    }
    Ok(l[index(&args[1])? % l.len()].clone())
}

fn contains(args: FuncArgs) -> Result {
    Ok(Value::Bool(list(&args[0])?.contains(&args[1])))
}

fn distinct(args: FuncArgs) -> Result {
    let mut out: Vec<Value> = Vec::new();
    for v in list(&args[0])? {
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    Ok(Value::Array(out))
}

fn compact(args: FuncArgs) -> Result {
    Ok(Value::Array(
        list(&args[0])?
            .iter()
            .filter(|v| !v.is_null() && v.as_str() != Some(""))
            .cloned()
            .collect(),
    ))
}

fn sort(args: FuncArgs) -> Result {
    let mut l = list(&args[0])?
        .iter()
        .map(text)
        .collect::<std::result::Result<Vec<_>, _>>()?;
    l.sort();
    Ok(Value::Array(l.into_iter().map(Value::String).collect()))
}

fn zipmap(args: FuncArgs) -> Result {
    let (k, v) = (list(&args[0])?, list(&args[1])?);
    if k.len() != v.len() {
        return Err("lists of different lengths".to_string());
    }
    let mut out = Map::new();
    for (k, v) in k.iter().zip(v) {
        out.insert(text(k)?, v.clone());
    }
    Ok(Value::Object(out))
}

fn coalesce(args: FuncArgs) -> Result {
    args.iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "no non-null argument".to_string())
}

fn coalescelist(args: FuncArgs) -> Result {
    args.iter()
        .find(|v| matches!(v, Value::Array(a) if !a.is_empty()))
        .cloned()
        .ok_or_else(|| "no non-empty list".to_string())
}

fn only(args: FuncArgs) -> Result {
    let l = list(&args[0])?;
    match l.as_slice() {
        [] => Ok(Value::Null),
        [v] => Ok(v.clone()),
        _ => Err("more than one element".to_string()),
    }
}

fn number(v: &Value) -> std::result::Result<f64, String> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| "not a number".to_string()),
        _ => Err("expected a number".to_string()),
    }
}

fn range(args: FuncArgs) -> Result {
    let n: Vec<f64> = args
        .iter()
        .map(number)
        .collect::<std::result::Result<_, _>>()?;
    let (start, end, step) = match n.as_slice() {
        [end] => (0.0, *end, 1.0),
        [start, end] => (*start, *end, if end >= start { 1.0 } else { -1.0 }),
        [start, end, step] => (*start, *end, *step),
        _ => return Err("range takes one to three numbers".to_string()),
    };
    if step == 0.0 || !start.is_finite() || !end.is_finite() || !step.is_finite() {
        return Err("an endless range".to_string());
    }
    let count = ((end - start) / step).ceil();
    if !(0.0..=LONGEST as f64).contains(&count) {
        return Err("a range longer than foureyes evaluates".to_string());
    }
    Ok(Value::Array(
        (0..count as usize)
            .map(|i| {
                let x = start + step * i as f64;
                if x.fract() == 0.0 {
                    Value::from(x as i64)
                } else {
                    Value::from(x)
                }
            })
            .collect(),
    ))
}

fn extreme(args: &FuncArgs, pick: fn(f64, f64) -> f64) -> Result {
    let n: Vec<f64> = args
        .iter()
        .map(number)
        .collect::<std::result::Result<_, _>>()?;
    let first = *n.first().ok_or("no numbers")?;
    let x = n.into_iter().fold(first, pick);
    Ok(if x.fract() == 0.0 {
        Value::from(x as i64)
    } else {
        Value::from(x)
    })
}

fn min(args: FuncArgs) -> Result {
    extreme(&args, f64::min)
}

fn max(args: FuncArgs) -> Result {
    extreme(&args, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    fn eval(text: &str) -> std::result::Result<Value, String> {
        let body: hcl::Body = format!("x = {text}\n")
            .parse()
            .map_err(|e| format!("{e}"))?;
        let Some(hcl::Structure::Attribute(a)) = body.0.first() else {
            return Err("no attribute".to_string());
        };
        a.expr.evaluate(&context()).map_err(|e| e.to_string())
    }

    #[test]
    fn standard_functions_evaluate() {
        assert_eq!(
            eval(r#"jsonencode({b = ["s3:*"], a = 1})"#),
            Ok(Value::from(r#"{"a":1,"b":["s3:*"]}"#))
        );
        assert_eq!(
            eval(r#"merge({a = 1}, {b = 2})"#).map(|v| to_json(&v)),
            Ok(serde_json::json!({"a": 1, "b": 2}))
        );
        assert_eq!(eval(r#"format("%s-%d", "a", 3)"#), Ok(Value::from("a-3")));
        assert_eq!(
            eval(r#"join(",", split("-", "a-b"))"#),
            Ok(Value::from("a,b"))
        );
        assert_eq!(
            eval(r#"length(toset(["b", "a", "b"]))"#),
            Ok(Value::from(2u64))
        );
        assert_eq!(eval(r#"lookup({a = "x"}, "b", "d")"#), Ok(Value::from("d")));
        assert_eq!(eval(r#"try(null, "y")"#), Ok(Value::from("y")));
        assert_eq!(
            eval(r#"flatten([["a"], ["b", ["c"]]])"#).map(|v| to_json(&v)),
            Ok(serde_json::json!(["a", "b", "c"]))
        );
        assert!(eval(r#"file("x.json")"#).is_err());
        assert!(
            eval(r#"try(var.nope, "d")"#).is_err(),
            "an unknown argument makes try unknown"
        );
        assert!(eval("range(100000000)").is_err());
        assert!(eval("cidrsubnet(\"10.0.0.0/8\", 8, 1)").is_err());
    }
}
