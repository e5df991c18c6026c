//! Interop with the pure-Rust `p12` crate (legacy algorithms only): an independent reader
//! of the DER pbkit writes in the ios-legacy suite.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

mod common;

use common::*;

#[test]
fn the_p12_crate_reads_pbkits_ios_legacy_output() {
    let (file, pw) = written("ios-legacy");
    let der = std::fs::read(&file).unwrap();
    let password = password_of(&pw);
    let pfx = p12::PFX::parse(&der).expect("p12 crate parses pbkit's DER");
    assert!(pfx.verify_mac(&password), "MAC");
    let keys = pfx.key_bags(&password).expect("key bags");
    assert_eq!(keys.len(), 1);
    let certs = pfx.cert_x509_bags(&password).expect("certificate bags");
    assert_eq!(certs.len(), 2);
    let leaf = openssl::x509::X509::from_pem(
        &std::fs::read(generated_pki().join("server/mdm-server.pem")).unwrap(),
    )
    .unwrap();
    assert!(certs.contains(&leaf.to_der().unwrap()));
    // The decrypted key is the server's key.
    let key = openssl::pkey::PKey::private_key_from_der(&keys[0]).unwrap();
    assert!(leaf.public_key().unwrap().public_eq(&key));
}
