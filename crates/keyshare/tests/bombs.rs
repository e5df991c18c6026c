//! `open` on hostile zips: every limit is checked before anything is inflated, with an
//! error naming the archive, the entry and the limit.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::io::Write;

use pbkit_keyshare::{open, Error, MAX_ENTRIES};
use pbkit_pkcs12::Password;
use zip::write::SimpleFileOptions;

/// A zip of `entries` (name, bytes), deflated.
fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in entries {
        w.start_file(*name, options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn refused(zip: &[u8]) -> String {
    match open(zip, "All.zip", &Password::new("x")) {
        Err(e @ Error::ZipLimit { .. }) => e.to_string(),
        other => panic!("not refused for a limit: {other:?}"),
    }
}

#[test]
fn an_entry_larger_than_any_pkcs12_is_refused_before_inflating() {
    let zip = zip_of(&[("Signature_1.p12", vec![0; 5 << 20])]);
    assert!(
        zip.len() < 64 << 10,
        "the bomb is small: {} bytes",
        zip.len()
    );
    let e = refused(&zip);
    assert_eq!(
        e,
        format!(
            "All.zip: Signature_1.p12: inflates to {} bytes, more than 4 MiB (not a PKCS#12)",
            5 << 20
        )
    );
}

#[test]
fn an_entry_that_compresses_like_no_pkcs12_is_refused() {
    let e = refused(&zip_of(&[("Signature_1.p12", vec![0; 1 << 20])]));
    assert!(e.contains("a PKCS#12 does not compress"), "{e}");
}

#[test]
fn too_many_entries_are_refused() {
    let entries: Vec<(String, Vec<u8>)> = (0..=MAX_ENTRIES)
        .map(|i| (format!("{i}.p12"), vec![1]))
        .collect();
    let named: Vec<(&str, Vec<u8>)> = entries
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    let e = refused(&zip_of(&named));
    assert_eq!(e, "All.zip: 257 entries, more than the 256 a pack may hold");
}

#[test]
fn small_entries_within_the_limits_are_opened_and_reported() {
    let imported = open(
        &zip_of(&[("junk.p12", b"not a PKCS#12".to_vec())]),
        "All.zip",
        &Password::new("x"),
    )
    .unwrap();
    assert_eq!(imported.len(), 1);
    assert!(!imported[0].problems.is_empty());
}
