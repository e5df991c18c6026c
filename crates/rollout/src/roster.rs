//! The roster: its rows, and the checks of a row's user name and address.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::{Error, RowError};

/// The rows of the roster at `roster`, for a progress count: a fast pass that parses no
/// fields, on a regular file only (a device or FIFO is refused before anything is done).
pub fn count_rows(roster: &Path) -> Result<u64, Error> {
    let file = pbkit_infile::open_regular(roster).map_err(|e| Error::Roster {
        path: roster.display().to_string(),
        detail: e.problem.to_string(),
    })?;
    let mut r = csv::Reader::from_reader(std::io::BufReader::new(file));
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    while r.read_byte_record(&mut rec).unwrap_or(false) {
        n += 1;
    }
    Ok(n)
}

/// One roster row.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    /// The user's email address (EmailAddress; the signing identity's SAN email).
    pub email: String,
    /// The user name; also the output file name.
    pub username: String,
    /// The display name (`$FULLNAME`, `$REALNAME`).
    pub display_name: String,
    /// The signing PKCS#12, relative to the roster.
    pub signing_p12: PathBuf,
    /// The encryption PKCS#12, relative to the roster.
    pub encryption_p12: PathBuf,
    /// A file holding this row's PKCS#12 password, relative to the roster.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// An environment variable holding this row's PKCS#12 password.
    #[serde(default)]
    pub password_env: Option<String>,
}

/// A CSV error without the crate's internal wording ("CSV deserialize error: record 3 …").
pub(crate) fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => format!("field {}: {}", i + 1, err.kind()),
            None => err.kind().to_string(),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8".into(),
        _ => e.to_string(),
    }
}

pub(crate) fn check_username(u: &str) -> Result<(), RowError> {
    let ok = !u.is_empty()
        && u.len() <= 128
        && !u.starts_with('.')
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(RowError::Username(u.to_string()))
    }
}

pub(crate) fn check_email(e: &str) -> Result<(), RowError> {
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e
                    .chars()
                    .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(RowError::Email(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_emails() {
        for ok in ["test.user1", "jane_doe-2", "a@b"] {
            assert!(check_username(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".hidden", "../x", "a/b", "sp ace"] {
            assert!(
                matches!(check_username(bad), Err(RowError::Username(u)) if u == bad),
                "{bad}"
            );
        }
        assert!(check_email("a.b@mail.example.mil").is_ok());
        for bad in ["nobody", "@x.mil", "a@b", "a b@c.mil", "a@.mil", "a@mil."] {
            assert!(
                matches!(check_email(bad), Err(RowError::Email(e)) if e == bad),
                "{bad}"
            );
        }
    }
}
