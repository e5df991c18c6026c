//! Interop with Java's `keytool`: the PKCS#12 implementation of the JDK.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

mod common;

use common::*;
use std::process::Command;

fn keytool() -> Command {
    Command::new("keytool")
}

#[test]
fn keytool_lists_every_suite_pbkit_writes_as_one_private_key_entry_with_its_chain() {
    for suite in SUITES {
        let (p12, pw) = written(suite);
        let out = ok(keytool()
            .args(["-list", "-v", "-storetype", "PKCS12", "-keystore"])
            .arg(&p12)
            .arg("-storepass:file")
            .arg(&pw));
        assert!(
            out.contains("Your keystore contains 1 entry"),
            "{suite}: {out}"
        );
        assert!(
            out.contains("Entry type: PrivateKeyEntry"),
            "{suite}: {out}"
        );
        assert!(
            out.contains("Certificate chain length: 2"),
            "{suite}: {out}"
        );
        assert!(out.contains("CN=mdm.pbkit.test"), "{suite}");
        assert!(out.contains("CN=Test DOD SW CA-66"), "{suite}");
    }
}

/// A JDK keystore (PBES2/AES-256 with an HMAC-SHA-256 MAC, 10,000 iterations) holding two
/// private keys: pbkit lists both, and refuses to treat it as one identity.
#[test]
fn pbkit_reads_a_two_key_jdk_keystore_and_refuses_to_repack_it_as_one_identity() {
    let tmp = tempfile::tempdir().unwrap();
    let ks = tmp.path().join("two.p12");
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "changeit-123\n").unwrap();
    for alias in ["first", "second"] {
        ok(keytool()
            .args([
                "-genkeypair",
                "-alias",
                alias,
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
            ])
            .args([
                "-dname",
                &format!("CN={alias}"),
                "-validity",
                "30",
                "-storetype",
                "PKCS12",
            ])
            .args(["-storepass", "changeit-123", "-keystore"])
            .arg(&ks));
    }
    let json: serde_json::Value = inspect_json(&pw, &ks);
    let ids = json["identities"].as_array().unwrap();
    assert_eq!(ids.len(), 2, "{json}");
    let mut names: Vec<_> = ids
        .iter()
        .map(|i| i["friendly_name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(names, ["first", "second"]);
    assert_eq!(json["mac"]["digest"], "sha256");
    assert_eq!(json["ios"]["import"], "risky");

    let o = run(pbkit()
        .args([
            "p12",
            "repack",
            "--suite",
            "ios-legacy",
            "--in-password-file",
        ])
        .arg(&pw)
        .arg("--out-password-file")
        .arg(&pw)
        .arg("--out")
        .arg(tmp.path().join("one.p12"))
        .arg(&ks));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("2 private keys"), "{}", stderr(&o));
    assert!(!tmp.path().join("one.p12").exists());
}

/// PBES2 with PBKDF2-HMAC-SHA1 and AES-128, and an HMAC-SHA-1 MAC, as the JDK writes it
/// when told to: pbkit reads it and names the algorithms.
#[test]
fn pbkit_reads_a_jdk_keystore_with_pbkdf2_hmac_sha1_and_aes_128() {
    let tmp = tempfile::tempdir().unwrap();
    let ks = tmp.path().join("sha1aes128.p12");
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "changeit-456").unwrap();
    ok(keytool()
        .args([
            "-J-Dkeystore.pkcs12.keyProtectionAlgorithm=PBEWithHmacSHA1AndAES_128",
            "-J-Dkeystore.pkcs12.certProtectionAlgorithm=PBEWithHmacSHA1AndAES_128",
            "-J-Dkeystore.pkcs12.macAlgorithm=HmacPBESHA1",
            "-genkeypair",
            "-alias",
            "one",
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-dname",
            "CN=one",
            "-validity",
            "30",
            "-storetype",
            "PKCS12",
            "-storepass",
            "changeit-456",
            "-keystore",
        ])
        .arg(&ks));
    let v: serde_json::Value = inspect_json(&pw, &ks);
    assert_eq!(v["mac"]["digest"], "sha1");
    assert_eq!(v["identities"][0]["friendly_name"], "one");
    let text = v.to_string();
    assert!(
        text.contains("PBES2 (PBKDF2-HMAC-SHA-1, AES-128-CBC)"),
        "{text}"
    );
}
