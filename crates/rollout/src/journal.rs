//! The record of finished users, so that a resume skips them in microseconds.
//!
//! One line per finished user, `done USERNAME DIGEST`, where the digest covers the user's
//! roster row and the size and time of each of its input files. Lines are appended in
//! batches ([`pbkit_outfile::Journal`]): a batch's files are flushed and renamed into
//! place, then its lines written and flushed. A kill loses at most the batch in flight;
//! those users are simply done again. A torn or foreign line is ignored.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use sha2::Digest as _;

/// The journal's file name in the output folder.
pub const JOURNAL_FILE: &str = "rollout.journal";

/// Users committed together: one flush of their files and one of the journal.
pub(crate) const BATCH: usize = 16;

/// The longest a finished user waits to be committed: however often a run is killed, a
/// resume that lives this long moves forward.
pub(crate) const BATCH_TIME: std::time::Duration = std::time::Duration::from_millis(200);

/// What identifies a row's work: 16 bytes of SHA-256.
pub type RowDigest = [u8; 16];

/// The digest of a row: its fields, and the length and modification time of each input
/// file (a PKCS#12 replaced under the same name makes the row new again).
pub fn row_digest<'a>(fields: impl IntoIterator<Item = &'a [u8]>, inputs: &[&Path]) -> RowDigest {
    let mut hash = sha2::Sha256::new();
    for field in fields {
        hash.update((field.len() as u64).to_le_bytes());
        hash.update(field);
    }
    for input in inputs {
        let (len, modified) = fs::metadata(input)
            .map(|m| {
                let nanos = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos());
                (m.len(), nanos)
            })
            .unwrap_or_default();
        hash.update(len.to_le_bytes());
        hash.update(modified.to_le_bytes());
    }
    let mut digest = [0; 16];
    digest.copy_from_slice(&hash.finalize()[..16]);
    digest
}

/// The finished users a journal records, by username. Lines that are torn (no final
/// newline), malformed or not UTF-8 are ignored; a later line for a user wins.
pub fn parse(bytes: &[u8]) -> HashMap<String, RowDigest> {
    let mut done = HashMap::new();
    let complete = match bytes.iter().rposition(|&b| b == b'\n') {
        Some(end) => &bytes[..end],
        None => return done,
    };
    for line in complete.split(|&b| b == b'\n') {
        let Ok(line) = std::str::from_utf8(line) else {
            continue;
        };
        let mut words = line.split(' ');
        let (Some("done"), Some(user), Some(hex), None) =
            (words.next(), words.next(), words.next(), words.next())
        else {
            continue;
        };
        if let (false, Some(digest)) = (user.is_empty(), from_hex(hex)) {
            done.insert(user.to_string(), digest);
        }
    }
    done
}

fn from_hex(hex: &str) -> Option<RowDigest> {
    if hex.len() != 32 || !hex.is_ascii() {
        return None;
    }
    let mut out = [0; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// A finished user's line, without its newline: `done USERNAME DIGEST`.
pub fn line(username: &str, digest: &RowDigest) -> Vec<u8> {
    format!("done {username} {}", pbkit_pki::hex::upper(digest)).into_bytes()
}

/// The journal's largest size: a line a user, about 80 bytes, so a million users fit.
pub(crate) const LIMIT: u64 = 256 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn torn_and_foreign_lines_are_ignored() {
        let d = "00112233445566778899AABBCCDDEEFF";
        let text = format!(
            "done user1 {d}\ngarbage\ndone  {d}\ndone user2 {d} extra\ndone user3 XYZ\ndone user4 {d}"
        );
        let done = parse(text.as_bytes());
        assert_eq!(done.len(), 1, "{done:?}");
        assert_eq!(done["user1"][15], 0xFF);
        assert!(parse(b"").is_empty());
        assert!(parse(&[0xff, b'\n']).is_empty());
    }

    #[test]
    fn a_row_is_new_again_when_a_field_or_an_input_changes() {
        let d = tempfile::tempdir().unwrap();
        let p12 = d.path().join("a.p12");
        fs::write(&p12, b"one").unwrap();
        let a = row_digest([b"a".as_slice(), b"b"], &[&p12]);
        assert_eq!(a, row_digest([b"a".as_slice(), b"b"], &[&p12]));
        assert_ne!(a, row_digest([b"ab".as_slice(), b""], &[&p12]));
        fs::write(&p12, b"four").unwrap();
        assert_ne!(a, row_digest([b"a".as_slice(), b"b"], &[&p12]));
    }
}
