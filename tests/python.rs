//! Interop with Python `cryptography`: an independent PKCS#12 and X.509 implementation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

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

/// A consumer emulated in Python: every entry of every archive of a pack opens with
/// `cryptography` using the pack password, holds one key matching its certificate, and the
/// keychain label (SHA-256 of the certificate DER) matches the manifest.
#[test]
fn python_consumer_imports_every_entry_of_a_pack() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pack");
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "password").unwrap();
    ok(pbkit()
        .args(["keyshare", "pack"])
        .arg(fixture("purebred-skp"))
        .arg("--in-password-file")
        .arg(&pw)
        .arg("--out")
        .arg(&out));
    let script = r#"
import hashlib, json, sys, zipfile
from pathlib import Path
from cryptography.hazmat.primitives.serialization import pkcs12, Encoding, PublicFormat
d = Path(sys.argv[1])
m = json.loads((d / "manifest.json").read_text())
labels = {e["name"]: e["sha256"] for e in m["entries"]}
pw = (d / "password").read_bytes()
n = 0
for a in m["archives"]:
    with zipfile.ZipFile(d / a["name"]) as z:
        assert z.namelist() == a["entries"], a["name"]
        for name in z.namelist():
            p = pkcs12.load_pkcs12(z.read(name), pw)
            pub = lambda k: k.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
            assert pub(p.key.public_key()) == pub(p.cert.certificate.public_key()), name
            assert not p.additional_certs, name
            assert p.cert.friendly_name == b"SKP", p.cert.friendly_name
            label = hashlib.sha256(p.cert.certificate.public_bytes(Encoding.DER)).hexdigest().upper()
            assert label == labels[name], name
            n += 1
print(n)
"#;
    let n = ok(Command::new("python3").arg("-c").arg(script).arg(&out));
    assert_eq!(
        n.trim(),
        "23",
        "5 + 5 + 1 + 4 + 8 entries across the archives"
    );
}

/// A PBMAC1 file pbkit writes (`--pbmac1`) opens in Python `cryptography` (which reads
/// RFC 9579 MACs) with its password and not with another.
#[test]
fn python_cryptography_verifies_the_pbmac1_pbkit_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pbmac1.p12");
    let pw = tmp.path().join("pbmac1.pw");
    for suite in ["ios-legacy", "purebred"] {
        let _ = std::fs::remove_file(&out);
        ok(pbkit()
            .args(["p12", "repack", "--pbmac1", "--suite", suite])
            .arg(generated_pki().join("users/test.user1/signature-g3.p12"))
            .arg("--in-password-file")
            .arg(generated_pki().join("password"))
            .arg("--out")
            .arg(&out)
            .arg("--out-password-file")
            .arg(&pw));
        let script = r#"
import sys
from cryptography.hazmat.primitives.serialization import pkcs12
data = open(sys.argv[1], 'rb').read()
key, cert, _ = pkcs12.load_key_and_certificates(data, sys.argv[2].encode())
print(cert.subject.rfc4514_string())
try:
    pkcs12.load_key_and_certificates(data, b'not-the-password')
    print('wrong password accepted')
except ValueError:
    print('wrong password refused')
"#;
        let text = ok(Command::new("python3")
            .arg("-c")
            .arg(script)
            .arg(&out)
            .arg(password_of(&pw)));
        assert!(text.contains("CN=test.user1.1000000001"), "{suite}: {text}");
        assert!(text.contains("wrong password refused"), "{suite}: {text}");
    }
}

/// `token scaffold` (issue 27): every file parses with Python's plistlib, the reader of
/// Apple's own tooling format, and says what the extension and the apps need.
#[test]
fn plistlib_reads_the_token_scaffold() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("token-app");
    ok(pbkit()
        .args(["token", "scaffold", "--team-prefix", "ABCDE12345"])
        .args([
            "--app-id",
            "mil.example.provider",
            "--consumer-id",
            "mil.example.mailer",
        ])
        .arg("--out")
        .arg(&out));
    let script = r#"
import plistlib, sys, json
d = sys.argv[1]
read = lambda f: plistlib.load(open(f"{d}/{f}", "rb"))
ext = read("token-extension-Info.plist")["NSExtension"]
print(json.dumps({
    "point": ext["NSExtensionPointIdentifier"],
    "class": ext["NSExtensionAttributes"]["com.apple.ctk.class-id"],
    "driver": ext["NSExtensionAttributes"]["com.apple.ctk.driver-class"],
    "provider": read("provider.entitlements")["keychain-access-groups"],
    "extension": read("token-extension.entitlements")["keychain-access-groups"],
    "consumer": read("consumer.entitlements")["keychain-access-groups"],
}))
"#;
    let printed = ok(Command::new("python3").args(["-c", script]).arg(&out));
    let v: serde_json::Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(v["point"], "com.apple.ctk-tokens");
    assert_eq!(v["class"], "mil.example.provider.token");
    assert_eq!(v["driver"], "TokenDriver");
    assert_eq!(
        v["provider"],
        serde_json::json!(["ABCDE12345.mil.example.provider"])
    );
    assert_eq!(v["extension"], v["provider"]);
    assert_eq!(
        v["consumer"],
        serde_json::json!(["ABCDE12345.mil.example.mailer", "com.apple.token"])
    );
    // And pbkit's own lint passes what it wrote.
    let o = run(pbkit()
        .args([
            "token",
            "lint",
            "--extension-id",
            "mil.example.provider.token",
        ])
        .arg("--provider-entitlements")
        .arg(out.join("provider.entitlements"))
        .arg("--extension-entitlements")
        .arg(out.join("token-extension.entitlements"))
        .arg("--extension-info-plist")
        .arg(out.join("token-extension-Info.plist"))
        .arg("--consumer-entitlements")
        .arg(out.join("consumer.entitlements")));
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("4 files: 0 errors, 0 warnings, 0 notes"));
}
