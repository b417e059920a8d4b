//! Journal timestamps and durations, as Chaos Toolkit writes them.

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// A timestamp as Chaos Toolkit writes it: `2026-11-24T15:36:24.336077+00:00`.
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// Reads a timestamp: RFC 3339, or an ISO-8601 date-time without an offset
/// (which older Chaos Toolkit versions wrote, in UTC).
pub(super) fn parse(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|t| t.and_utc())
}

/// Seconds from `start` to `end`, to the microsecond.
pub(super) fn seconds(start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
    (end - start).num_microseconds().unwrap_or(0) as f64 / 1e6
}

/// `#[serde(with)]` for timestamps.
pub(super) mod serde {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::timestamp(*t))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse(&text).ok_or_else(|| D::Error::custom(format!("`{text}` is not an ISO-8601 timestamp")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_use_microseconds_and_an_explicit_utc_offset() {
        let t = DateTime::parse_from_rfc3339("2026-11-24T15:36:24.336077Z").unwrap().with_timezone(&Utc);
        assert_eq!(timestamp(t), "2026-11-24T15:36:24.336077+00:00");
    }

    #[test]
    fn a_timestamp_without_an_offset_reads_as_utc() {
        let t = parse("2020-01-02T03:04:05.123456").unwrap();
        assert_eq!(timestamp(t), "2020-01-02T03:04:05.123456+00:00");
    }

    #[test]
    fn a_timestamp_in_another_offset_reads_as_the_same_instant() {
        assert_eq!(timestamp(parse("2026-11-24T16:36:24.5+01:00").unwrap()), "2026-11-24T15:36:24.500000+00:00");
    }
}
