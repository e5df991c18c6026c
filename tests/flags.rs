//! One flag scheme across subcommands: `--json` wherever something is written or judged,
//! `--suite` defaulting to ios-legacy, output password files made when absent, several
//! files where one makes sense.

use crate::common::*;
use std::path::Path;

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn writing_commands_print_json_default_to_ios_legacy_and_generate_a_missing_password_file() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("server.p12");
    let pw = tmp.path().join("new.pw");
    // p12 create, no --suite, a password file that does not exist yet.
    let o = run(pbkit()
        .args(["p12", "create", "--json", "--key"])
        .arg(pki.join("server/mdm-server.key.pem"))
        .arg("--cert")
        .arg(pki.join("server/mdm-server.pem"))
        .arg("--out")
        .arg(&out)
        .arg("--out-password-file")
        .arg(&pw));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&stdout(&o));
    assert_eq!(v["suite"], "ios-legacy");
    assert_eq!(v["out"], out.display().to_string());
    assert!(stderr(&o).contains("a new password, generated (mode 0600)"));
    assert_eq!(std::fs::read_to_string(&pw).unwrap().len(), 32);
    assert_eq!(mode(&pw), 0o600);
    // The generated password opens the file.
    let inspect = json(&ok(pbkit()
        .args(["p12", "inspect", "--json"])
        .arg(&out)
        .arg("--password-file")
        .arg(&pw)));
    assert_eq!(inspect["suite"], "ios-legacy");
    assert_eq!(inspect["identities"].as_array().unwrap().len(), 1);

    // p12 repack: --json, --chain twice (the same file: each certificate once).
    let again = tmp.path().join("again.p12");
    let v = json(&ok(pbkit()
        .args(["p12", "repack", "--json", "--suite", "purebred"])
        .arg(&out)
        .arg("--in-password-file")
        .arg(&pw)
        .arg("--out")
        .arg(&again)
        .arg("--out-password-file")
        .arg(&pw)
        .arg("--chain")
        .arg(pki.join("trust/intermediates.pem"))
        .arg("--chain")
        .arg(pki.join("trust/intermediates.pem"))));
    assert_eq!(v["suite"], "purebred");
    let intermediates = ok(pbkit()
        .args(["cert", "show", "--json"])
        .arg(pki.join("trust/intermediates.pem")));
    assert_eq!(
        v["chain_certificates"],
        json(&intermediates).as_array().unwrap().len()
    );

    // chain p12: --json with the path and what was written, --friendly-name.
    let server = tmp.path().join("chain.p12");
    let v = json(&ok(pbkit()
        .args([
            "chain",
            "p12",
            "--json",
            "--friendly-name",
            "SKP",
            "--at",
            AT,
            "--key",
        ])
        .arg(pki.join("server/mdm-server.key.pem"))
        .arg("--leaf")
        .arg(pki.join("server/mdm-server.pem"))
        .arg("--pool")
        .arg(pki.join("trust/intermediates.pem"))
        .arg("--anchor")
        .arg(pki.join("trust/anchor.pem"))
        .arg("--out")
        .arg(&server)
        .arg("--out-password-file")
        .arg(tmp.path().join("chain.pw"))));
    assert_eq!(v["path"]["valid"], true);
    assert_eq!(v["written"]["suite"], "ios-legacy");
    let inspect = ok(pbkit()
        .args(["p12", "inspect"])
        .arg(&server)
        .arg("--password-file")
        .arg(tmp.path().join("chain.pw")));
    assert!(inspect.contains("friendlyName \"SKP\""), "{inspect}");
}

#[test]
fn sign_unsign_print_json_and_verify_takes_several_files() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let plain = tmp.path().join("plain.mobileconfig");
    ok(pbkit()
        .current_dir(root())
        .args([
            "profile",
            "build",
            "profiles/purebred-exchange.toml",
            "--out",
        ])
        .arg(&plain));
    let signed = tmp.path().join("signed.mobileconfig");
    let v = json(&ok(pbkit()
        .args(["profile", "sign", "--json"])
        .arg(&plain)
        .arg("--out")
        .arg(&signed)
        .arg("--signer")
        .arg(pki.join("server/mdm-server.p12"))
        .arg("--signer-password-file")
        .arg(pki.join("password"))));
    assert_eq!(
        v["signer"],
        "C=US, O=pbkit Test PKI, OU=DoD, OU=PKI, OU=USN, CN=mdm.pbkit.test"
    );
    let back = tmp.path().join("back.mobileconfig");
    let v = json(&ok(pbkit()
        .args(["profile", "unsign", "--json"])
        .arg(&signed)
        .arg("--out")
        .arg(&back)));
    assert_eq!(v["bytes"], std::fs::metadata(&plain).unwrap().len());
    assert_eq!(
        std::fs::read(&back).unwrap(),
        std::fs::read(&plain).unwrap()
    );

    // Several files: one line each, the worst verdict's exit code (Unverified 3 over
    // Unsigned 4; Invalid 1 over both).
    let o = run(pbkit().args(["profile", "verify"]).arg(&signed).arg(&plain));
    assert_eq!(o.status.code(), Some(3), "{}", stdout(&o));
    let text = stdout(&o);
    assert!(text.contains("signed.mobileconfig: Unverified:"), "{text}");
    assert!(text.contains("plain.mobileconfig: Unsigned:"), "{text}");
    // JSON Lines: a line per file (failed unless Verified, with the verdict and why), then
    // the summary.
    let text = stdout(&run(pbkit()
        .args(["profile", "verify", "--json"])
        .arg(&signed)
        .arg(&plain)));
    let v: Vec<serde_json::Value> = text.lines().map(json).collect();
    assert_eq!(v.len(), 3, "{text}");
    assert_eq!(v[0]["verdict"], "Unverified");
    assert_eq!(v[0]["status"], "failed");
    assert_eq!(v[0]["item"], signed.display().to_string());
    assert!(v[0]["reason"].is_string());
    assert_eq!(v[1]["verdict"], "Unsigned");
    assert_eq!(v[2]["summary"]["failed"], 2);
}
