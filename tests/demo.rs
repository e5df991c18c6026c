//! `pbkit demo`: the README's main job, on built-in defaults.

use crate::common::*;
use std::path::{Path, PathBuf};

fn files_under(dir: &Path) -> Vec<String> {
    fn walk(base: &Path, d: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                out.push(p.strip_prefix(base).unwrap().display().to_string());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn demo_builds_signs_lints_and_verifies_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("demo");
    let v: serde_json::Value =
        serde_json::from_str(&ok(pbkit().args(["demo", "--json", "--out"]).arg(&out))).unwrap();
    assert_eq!(v["lint_errors"], 0);
    // The specs' example hosts, left as they are on built-in defaults: 1 Exchange host in
    // each of two specs, IMAP and SMTP hosts in mail-smime.
    assert_eq!(v["lint_warnings"], 4);
    let profiles = v["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 4);
    for p in profiles {
        assert_eq!(p["verdict"], "Verified", "{p}");
        assert!(out.join(p["file"].as_str().unwrap()).exists());
    }
    // The specs with an account, in their declarative form, lint clean with ddm lint
    // and with the independent schema check.
    let ddm = v["ddm"].as_array().unwrap();
    let dirs: Vec<&str> = ddm.iter().map(|d| d["dir"].as_str().unwrap()).collect();
    assert_eq!(
        dirs,
        [
            "ddm/purebred-exchange",
            "ddm/exchange-smime-identities",
            "ddm/mail-smime"
        ]
    );
    for d in ddm {
        assert_eq!(
            (d["lint_errors"].as_u64(), d["lint_warnings"].as_u64()),
            (Some(0), Some(0)),
            "{d}"
        );
        let dir = out.join(d["dir"].as_str().unwrap());
        ok(std::process::Command::new("python3")
            .arg(root().join("tests/ddm/check.py"))
            .arg(root().join("crates/ddm/schema"))
            .arg(&dir));
    }
    let archives: Vec<_> = v["pack_archives"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a[0].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        archives,
        [
            "All.zip",
            "All User.zip",
            "PIV.zip",
            "Signature.zip",
            "Encryption.zip",
            "Device.zip",
            "Unfiltered.zip"
        ]
    );
    // The demo's copy of profiles/ is the whole of profiles/: nothing shipped is left out.
    assert_eq!(
        files_under(&out.join("specs")),
        files_under(&root().join("profiles"))
    );
    // A second run refuses the folder, then replaces it with --force.
    assert_eq!(
        run(pbkit().args(["demo", "--out"]).arg(&out)).status.code(),
        Some(1)
    );
    ok(pbkit().args(["demo", "--force", "--out"]).arg(&out));
}

#[test]
fn demo_without_arguments_writes_to_a_new_temp_folder() {
    let text = ok(pbkit().arg("demo"));
    let first = text.lines().next().unwrap();
    let dir = PathBuf::from(first.strip_prefix("pbkit demo: everything is in ").unwrap());
    assert!(
        dir.join("profiles/dod-trust.mobileconfig").exists(),
        "{text}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
