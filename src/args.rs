//! Value parsers shared by subcommands.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

/// `--at`: a date (`2026-11-22`, midnight UTC) or an RFC 3339 timestamp.
pub fn instant(s: &str) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    Date::parse(s, format_description!("[year]-[month]-[day]"))
        .map(|d| d.midnight().assume_utc())
        .map_err(|_| {
            format!("{s:?} is not a date (2026-11-22) or RFC 3339 timestamp (2026-11-22T12:00:00Z)")
        })
}

/// Now, to the second (for reports that print the instant they judged at).
pub fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(0).unwrap_or(t)
}

/// `--min-ios`: `15`, `15.4` or `15.4.1`.
pub fn parse_version(s: &str) -> Result<String, String> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        Ok(s.to_string())
    } else {
        Err(format!("{s:?} is not an iOS version (15, 15.4 or 15.4.1)"))
    }
}

pub fn parse_var(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_timestamps() {
        assert_eq!(
            instant("2026-11-22").unwrap().unix_timestamp(),
            1_795_305_600
        );
        assert_eq!(
            instant("2026-11-22T01:00:00+01:00")
                .unwrap()
                .unix_timestamp(),
            1_795_305_600
        );
        assert!(instant("22/11/2026").unwrap_err().contains("not a date"));
    }
}
