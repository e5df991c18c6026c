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
