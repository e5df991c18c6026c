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

/// Python `cryptography` opens every suite pbkit writes and every Purebred fixture.
#[test]
fn python_cryptography_opens_every_suite_and_every_fixture() {
    let mut args: Vec<String> = Vec::new();
    for suite in SUITES {
        let (p12, pw) = written(suite);
        args.push(p12.display().to_string());
        args.push(password_of(&pw));
    }
    for f in purebred_fixtures() {
        args.push(f.display().to_string());
        args.push("password".into());
    }
    let script = r#"
import sys
from cryptography.hazmat.primitives.serialization import pkcs12
a = sys.argv[1:]
for path, pw in zip(a[0::2], a[1::2]):
    p = pkcs12.load_pkcs12(open(path, "rb").read(), pw.encode())
    assert p.key is not None and p.cert is not None, path
    print(path, p.cert.certificate.serial_number, len(p.additional_certs))
"#;
    let out = ok(Command::new("python3").arg("-c").arg(script).args(&args));
    let lines: Vec<_> = out.lines().collect();
    assert_eq!(lines.len(), 3 + 8, "{out}");
    for line in &lines[..3] {
        assert!(line.ends_with(" 1"), "chain certificate missing: {line}");
    }
}
