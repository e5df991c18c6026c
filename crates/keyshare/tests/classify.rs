//! `classify_files` on the real Purebred-era fixtures and DoD CA certificates: the password
//! is asked once, and only when a PKCS#12 comes up.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::path::PathBuf;

use pbkit_keyshare::{classify_files, CertType, Error};
use pbkit_pkcs12::Password;

fn fixture(rel: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures")).join(rel)
}

#[test]
fn certificates_alone_need_no_password() {
    let rows = classify_files(
        &[fixture("fpki/dod-email-ca-59.pem")],
        || -> Result<Password, Error> { panic!("asked for a password for a certificate") },
    )
    .unwrap();
    assert_eq!(rows.len(), 1);
    // Only keyUsage bits 0-2 count (the contract's table): this CA's digitalSignature
    // alone makes it "device", as the reference provider would call it.
    assert_eq!(rows[0].classification.cert_type, CertType::Device);
    assert_eq!(
        rows[0].classification.rule,
        "digitalSignature only, no SAN email or UPN"
    );
    assert!(
        rows[0].subject.contains("DOD EMAIL CA-59"),
        "{}",
        rows[0].subject
    );
}

#[test]
fn a_folder_of_pkcs12_files_asks_the_password_once() {
    let mut asked = 0;
    let rows = classify_files(&[fixture("purebred-skp")], || -> Result<Password, Error> {
        asked += 1;
        Ok(Password::new("password"))
    })
    .unwrap();
    assert_eq!(asked, 1);
    assert_eq!(rows.len(), 8);
    let count = |t| {
        rows.iter()
            .filter(|r| r.classification.cert_type == t)
            .count()
    };
    assert_eq!(
        (count(CertType::Signature), count(CertType::Encryption)),
        (4, 4)
    );
    // Each row names its file and reads as one line.
    assert!(rows.iter().all(|r| r.input.ends_with(".p12")));
    assert!(rows.iter().all(|r| !r.to_string().contains('\n')));
}

#[test]
fn a_wrong_password_names_the_file() {
    let e = classify_files(&[fixture("purebred-skp")], || -> Result<Password, Error> {
        Ok(Password::new("wrong"))
    })
    .unwrap_err();
    match e {
        Error::Input { path, .. } => assert!(path.ends_with(".p12"), "{path}"),
        other => panic!("{other:?}"),
    }
}
