//! Interop with Python `cryptography`: an independent PKCS#12 and X.509 implementation.

mod common;

use common::*;
use std::process::Command;

#[test]
fn python_cryptography_opens_every_generated_pkcs12_and_sees_the_right_roles() {
    let pki = generated_pki();
    let out = ok(Command::new("python3")
        .arg(root().join("tests/python/check_fixtures.py"))
        .arg(pki));
    let expected = files_of("pkcs12").len();
    assert_eq!(expected, 27);
    assert!(
        out.contains(&format!("{expected} passed, 0 failed")),
        "{out}"
    );
}
