//! Timestamps as the forges give them and the sticky comment keeps them: RFC 3339 in UTC
//! (`2026-11-22T07:50:57Z`), read from HTTP dates and compared to the second, with `chrono`.

use chrono::{DateTime, SecondsFormat, Utc};

/// An RFC 3339 timestamp in UTC; any other offset, or any other shape, is `None`.
pub(crate) fn parse(text: &str) -> Option<DateTime<Utc>> {
    let time = DateTime::parse_from_rfc3339(text).ok()?;
    // NOTE: the forges give UTC; a timestamp in another zone was not written by one.
    (time.offset().local_minus_utc() == 0).then(|| time.with_timezone(&Utc))
}

/// Whether timestamp `a` is after `b`, both RFC 3339 in UTC, to the second: fractions are
/// dropped, so `07:50:57.999Z` is not after `07:50:57Z`. A timestamp in another shape is not
/// trusted to be after anything.
pub(crate) fn after(a: &str, b: &str) -> bool {
    match (parse(a), parse(b)) {
        (Some(a), Some(b)) => a.timestamp() > b.timestamp(),
        _ => false,
    }
}

/// An HTTP date (`Sun, 22 Nov 2026 07:50:57 GMT`, as in a `Date` header) as RFC 3339 UTC.
pub(crate) fn http_date(text: &str) -> Option<String> {
    let time = DateTime::parse_from_rfc2822(text.trim()).ok()?;
    Some(format(time.with_timezone(&Utc)))
}

/// Seconds since the Unix epoch as RFC 3339 UTC.
pub(crate) fn rfc3339(secs: u64) -> String {
    let time = i64::try_from(secs)
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .unwrap_or(DateTime::UNIX_EPOCH);
    format(time)
}

/// The time on this machine, as RFC 3339 UTC: for when the forge's clock is not known.
pub(crate) fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(secs)
}

/// `2026-11-22T07:50:57Z`: whole seconds, `Z` for UTC.
fn format(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(
            http_date("Sun, 22 Nov 2026 07:50:57 GMT").as_deref(),
            Some("2026-11-22T07:50:57Z")
        );
        assert_eq!(http_date("yesterday"), None);
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_333_857), "2026-11-22T07:50:57Z");
        assert!(after("2026-11-22T07:50:58.123Z", "2026-11-22T07:50:57Z"));
        assert!(!after("2026-11-22T07:50:57.999Z", "2026-11-22T07:50:57Z"));
        assert!(!after("2026-11-22T07:50:56Z", "2026-11-22T07:50:57Z"));
        assert!(!after("2026-11-22 08:00", "2026-11-22T07:50:57Z"));
    }

    #[test]
    fn only_utc_is_a_timestamp_of_the_forge() {
        assert!(parse("2026-11-22T07:50:57Z").is_some());
        assert!(parse("2026-11-22T09:50:57+02:00").is_none());
        assert!(parse("2026-11-22T07:50:57").is_none());
        assert!(parse("").is_none());
        assert!(!after("2026-11-22T09:50:58+02:00", "2026-11-22T07:50:57Z"));
        // An HTTP date in another zone is read as the instant it names.
        assert_eq!(
            http_date("Sun, 22 Nov 2026 08:50:57 +0100").as_deref(),
            Some("2026-11-22T07:50:57Z")
        );
    }
}
