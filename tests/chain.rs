//! `pbkit chain`: paths to the Federal Common Policy CA through the real cross-certificates,
//! checked by the openssl CLI and keytool.

use crate::common::*;
use std::path::PathBuf;
use std::process::Command;

const AT: &str = "2026-11-22";

fn attime() -> String {
    "1795305600".into() // 2026-11-22T00:00:00Z
}

fn fpki_files_reversed() -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(fixture("fpki"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.reverse();
    files
}

/// With the whole FPKI pool as untrusted, in reverse name order, `openssl verify` picks the
/// self-signed DoD Root CA 3 and fails. pbkit, given the pool in that same order, finds the
/// path, and its bundle verifies with openssl.
#[test]
fn pbkit_finds_the_path_where_greedy_openssl_verify_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let pool = fpki_files_reversed();
    let untrusted = tmp.path().join("pool.pem");
    let all: Vec<u8> = pool
        .iter()
        .filter(|p| !p.ends_with("fcpca-g2.pem"))
        .flat_map(|p| std::fs::read(p).unwrap())
        .collect();
    std::fs::write(&untrusted, all).unwrap();
    let verify = |untrusted: &PathBuf| {
        run(Command::new("openssl")
            .args(["verify", "-attime", &attime(), "-CAfile"])
            .arg(fixture("fpki/fcpca-g2.pem"))
            .arg("-untrusted")
            .arg(untrusted)
            .arg(fixture("fpki/dod-id-ca-63.pem")))
    };
    assert!(
        !verify(&untrusted).status.success(),
        "greedy OpenSSL should fail in this order"
    );

    let bundle = tmp.path().join("bundle.pem");
    let mut cmd = pbkit();
    cmd.args(["chain", "build", "--at", AT, "--anchor"])
        .arg(fixture("fpki/fcpca-g2.pem"));
    for p in &pool {
        cmd.arg("--pool").arg(p);
    }
    ok(cmd
        .arg("--out")
        .arg(&bundle)
        .arg(fixture("fpki/dod-id-ca-63.pem")));
    let text = std::fs::read_to_string(&bundle).unwrap();
    assert_eq!(
        text.matches("BEGIN CERTIFICATE").count(),
        4,
        "leaf + 3 forward links, no anchor"
    );
    let o = verify(&bundle);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn json_report_and_no_path_exit_code() {
    let tmp = tempfile::tempdir().unwrap();
    let v: serde_json::Value = serde_json::from_str(&ok(pbkit()
        .args(["chain", "build", "--json", "--at", "2024-06-01", "--pool"])
        .arg(fixture("fpki"))
        .arg("--anchor")
        .arg(fixture("fpki/fcpca-g2.pem"))
        .arg(fixture("fpki/dod-email-ca-59.pem"))))
    .unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["path"].as_array().unwrap().len(), 4);
    assert!(v["earliest_expiry"]["subject"]
        .as_str()
        .unwrap()
        .contains("DoD Root CA 3"));

    let out = tmp.path().join("none.pem");
    let o = run(pbkit()
        .args(["chain", "build", "--at", AT, "--pool"])
        .arg(fixture("fpki"))
        .arg("--anchor")
        .arg(fixture("fpki/fcpca-g2.pem"))
        .arg("--out")
        .arg(&out)
        .arg(fixture("fpki/dod-id-sw-ca-37.pem")));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("no valid path"), "{}", stdout(&o));
    assert!(stdout(&o).contains("dead end"), "{}", stdout(&o));
    assert!(!out.exists());
}

/// A PKCS#7 bundle works as a pool, and the TLS-server purpose is enforced on the leaf.
#[test]
fn pkcs7_pool_and_purpose() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let p7b = tmp.path().join("pool.p7b");
    ok(Command::new("openssl")
        .args(["crl2pkcs7", "-nocrl", "-outform", "DER", "-certfile"])
        .arg(pki.join("trust/intermediates.pem"))
        .arg("-certfile")
        .arg(pki.join("ca/fcpca-g2-by-fbca-g4.pem"))
        .arg("-out")
        .arg(&p7b));
    let build = |leaf: &str| {
        run(pbkit()
            .args([
                "chain",
                "build",
                "--purpose",
                "sslserver",
                "--at",
                crate::common::AT,
                "--pool",
            ])
            .arg(&p7b)
            .arg("--anchor")
            .arg(pki.join("trust/anchor.pem"))
            .arg(pki.join(leaf)))
    };
    let o = build("server/mdm-server.pem");
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("5 certificates + anchor"),
        "{}",
        stdout(&o)
    );
    let o = build("users/test.user1/signature-g3.pem");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("unsuitable certificate purpose"),
        "{}",
        stdout(&o)
    );
}

/// keytool sees one private-key entry whose chain is the path.
#[test]
fn chain_p12_is_one_keytool_entry_with_the_path() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("server.p12");
    let pw = tmp.path().join("pw");
    std::fs::write(&pw, "server-pass").unwrap();
    ok(pbkit()
        .args([
            "chain",
            "p12",
            "--suite",
            "ios-legacy",
            "--at",
            crate::common::AT,
            "--key",
        ])
        .arg(pki.join("server/mdm-server.key.pem"))
        .arg("--leaf")
        .arg(pki.join("server/mdm-server.pem"))
        .arg("--pool")
        .arg(pki.join("ca"))
        .arg("--anchor")
        .arg(pki.join("trust/anchor.pem"))
        .arg("--out")
        .arg(&out)
        .arg("--out-password-file")
        .arg(&pw));
    let list = ok(Command::new("keytool")
        .args(["-list", "-v", "-storetype", "PKCS12", "-keystore"])
        .arg(&out)
        .arg("-storepass:file")
        .arg(&pw));
    assert!(list.contains("Your keystore contains 1 entry"), "{list}");
    assert!(list.contains("Entry type: PrivateKeyEntry"), "{list}");
    assert!(list.contains("Certificate chain length: 5"), "{list}");
    let order: Vec<_> = list
        .lines()
        .filter_map(|l| l.strip_prefix("Owner: "))
        .collect();
    assert!(order[0].contains("mdm.pbkit.test"));
    assert!(order[1].contains("Test DOD SW CA-66"));
    assert!(order[2].contains("Test DoD Root CA 3"));
    assert!(order[3].contains("Test DoD Interoperability Root CA 2"));
    assert!(order[4].contains("Test Federal Bridge CA G4"));
}

/// A certificate issued by the anchor itself needs no pool (x509-limbo has 75 such cases).
#[test]
fn chain_build_needs_no_pool_for_a_certificate_of_the_anchor() {
    let out = ok(pbkit()
        .args(["chain", "build"])
        .arg(fixture("fpki/fbca-g4-by-fcpca-g2.pem"))
        .arg("--anchor")
        .arg(fixture("fpki/fcpca-g2.pem"))
        .args(["--at", "2026-11-22"]));
    assert!(
        out.starts_with("valid path at 2026-11-22T00:00:00Z (1 certificate + anchor"),
        "{out}"
    );
}

/// `--peer-name` checks the leaf's subjectAltName: the generated MDM server certificate is
/// for mdm.pbkit.test and for nothing else.
#[test]
fn chain_build_checks_the_peer_name_against_the_san() {
    let pki = generated_pki();
    let build = |name: &str| {
        run(pbkit()
            .args(["chain", "build"])
            .arg(pki.join("server/mdm-server.pem"))
            .arg("--pool")
            .arg(pki.join("ca"))
            .arg("--anchor")
            .arg(pki.join("trust/anchor.pem"))
            .args(["--at", AT, "--purpose", "sslserver", "--peer-name", name]))
    };
    assert!(build("mdm.pbkit.test").status.success());
    let o = build("other.pbkit.test");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("hostname mismatch (at mdm.pbkit.test)"),
        "{}",
        stdout(&o)
    );
}

/// `chain build --crl` (issue 23): the fixtures' revoked server certificate fails on its
/// issuer's CRL, the good one passes with every CA's CRL given, and a CRL that cannot be
/// relied on (stale at --at) fails the path that needs it; a file that is no CRL is one
/// line naming it.
#[test]
fn chain_build_judges_revocation_by_the_given_crls() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = tmp.path().join("pki");
    ok(pbkit()
        .args(["fixtures", "--users", "1", "--generations", "1"])
        .args(["--crl-url", "http://127.0.0.1:9/crl", "--out"])
        .arg(&pki));
    let crls: Vec<PathBuf> = std::fs::read_dir(pki.join("crl"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(crls.len(), 7);
    let build = |leaf: &str, at: Option<&str>| {
        let mut c = pbkit();
        c.args(["chain", "build"])
            .arg(pki.join("server").join(leaf))
            .arg("--pool")
            .arg(pki.join("ca"))
            .arg("--anchor")
            .arg(pki.join("trust/anchor.pem"))
            .args(["--purpose", "sslserver"]);
        for crl in &crls {
            c.arg("--crl").arg(crl);
        }
        c.args(at.map(|a| ["--at", a]).into_iter().flatten());
        run(&mut c)
    };
    let o = build("mdm-server-revoked.pem", None);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("certificate revoked on")
            && stdout(&o).contains("dod-sw-ca-66.crl (at mdm.pbkit.test)"),
        "{}",
        stdout(&o)
    );
    let o = build("mdm-server.pem", None);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // A week and a day on, every CRL is past its nextUpdate.
    let later = (time::OffsetDateTime::now_utc() + time::Duration::days(8))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let o = build("mdm-server.pem", Some(&later));
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("cannot be relied on: stale: its nextUpdate"),
        "{}",
        stdout(&o)
    );
    let o = run(pbkit()
        .args(["chain", "build"])
        .arg(pki.join("server/mdm-server.pem"))
        .arg("--anchor")
        .arg(pki.join("trust/anchor.pem"))
        .arg("--crl")
        .arg(pki.join("manifest.json")));
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        format!(
            "pbkit: {}: not a CRL (expected DER, or PEM with an X509 CRL block)\n",
            pki.join("manifest.json").display()
        )
    );
}

/// `--profile webpki` (issue 23) holds a path to the Baseline Requirements too: the real
/// DoD path, valid as iOS judges it, fails on its issuing CA's non-critical
/// policyConstraints, which the default policy waives for DoD.
#[test]
fn the_web_pki_profile_is_stricter_than_what_ios_judges() {
    let build = |profile: &str| {
        run(pbkit()
            .args(["chain", "build"])
            .arg(fixture("fpki/dod-id-ca-63.pem"))
            .arg("--pool")
            .arg(fixture("fpki"))
            .arg("--anchor")
            .arg(fixture("fpki/fcpca-g2.pem"))
            .args(["--at", "2024-06-01", "--profile", profile]))
    };
    let o = build("ios");
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let o = build("webpki");
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(
            "web PKI: policyConstraints not marked critical (RFC 5280 4.2.1.11) (at DOD ID CA-63)"
        ),
        "{}",
        stdout(&o)
    );
    let o = build("webpky");
    assert_eq!(o.status.code(), Some(2));
}
