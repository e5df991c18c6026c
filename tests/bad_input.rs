//! Every subcommand that reads a file, fed truncated, bit-flipped, empty, random, huge,
//! wrong-type and missing inputs: one clear line (or a report), exit 1, no panic, and no
//! output file left behind.

use crate::common::*;
use std::path::{Path, PathBuf};

/// The ways an input goes wrong, made from a valid file of the right kind.
fn corruptions(
    dir: &Path,
    kind: &str,
    valid: &Path,
    wrong_type: &Path,
) -> Vec<(String, PathBuf, bool)> {
    let bytes = std::fs::read(valid).unwrap();
    let mut out = Vec::new();
    let mut add = |name: &str, data: Option<Vec<u8>>, must_fail: bool| {
        let p = dir.join(format!("{kind}-{name}"));
        if let Some(d) = data {
            std::fs::write(&p, d).unwrap();
        }
        out.push((name.to_string(), p, must_fail));
    };
    add("empty", Some(Vec::new()), true);
    add("truncated", Some(bytes[..bytes.len() / 2].to_vec()), true);
    let mut flipped = bytes.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    add("bit-flipped", Some(flipped), false);
    add(
        "random",
        Some(
            (0..65_536u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 11) as u8)
                .collect(),
        ),
        true,
    );
    add("huge", Some(vec![b'A'; 3 << 20]), true);
    add("missing", None, true);
    add("wrong-type", Some(std::fs::read(wrong_type).unwrap()), true);
    out
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// Stands for the input file in a case's arguments.
const INPUT: &str = "{input}";

/// Command-line arguments from strings and paths.
fn argv(parts: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<String> {
    parts
        .iter()
        .map(|p| p.as_ref().to_string_lossy().into_owned())
        .collect()
}

fn check(label: &str, args: &[String], out_file: Option<&Path>, must_fail: bool) {
    let o = run(pbkit().args(args).stdin(std::process::Stdio::null()));
    let err = stderr(&o);
    assert!(!err.contains("panicked"), "{label}: panic\n{err}");
    assert!(
        err.lines().count() <= 1,
        "{label}: more than one line on stderr:\n{err}"
    );
    if must_fail {
        assert_eq!(
            o.status.code(),
            Some(1),
            "{label}: exit {:?}\nstdout: {}\nstderr: {err}",
            o.status.code(),
            stdout(&o)
        );
        assert!(
            !err.is_empty() || !stdout(&o).is_empty(),
            "{label}: failed silently"
        );
        if let Some(f) = out_file {
            assert!(!f.exists(), "{label}: left {}", f.display());
        }
    }
    if let Some(f) = out_file {
        let _ = std::fs::remove_file(f);
        let _ = std::fs::remove_dir_all(f);
    }
}

#[test]
fn every_subcommand_survives_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let pki = generated_pki();
    let pw = pki.join("password");
    let out = d.join("out");
    let cert = fixture("fpki/fcpca-g2.pem");
    let p12 = pki.join("users/test.user1/signature-g3.p12");
    let spec = root().join("profiles/purebred-exchange.toml");
    let profile = d.join("valid.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(&spec)
        .arg("--out")
        .arg(&profile));
    let roster = d.join("roster.csv");
    std::fs::write(&roster, format!("email,username,display_name,signing_p12,encryption_p12\ntest.user1@pbkit.test,u1,U 1,{},{}\n", s(&p12), s(&pki.join("users/test.user1/encryption-g3.p12")))).unwrap();

    let signer = pki.join("server/mdm-server.p12");
    let repack = |in_pw: &Path| {
        argv(&[
            &"p12",
            &"repack",
            &INPUT,
            &"--in-password-file",
            &in_pw,
            &"--out-password-file",
            &pw,
            &"--suite",
            &"ios-legacy",
            &"--out",
            &out,
        ])
    };
    // (name, a valid input, an input of the wrong type, writes `out`, arguments)
    let cases: Vec<(&str, &Path, &Path, bool, Vec<String>)> = vec![
        (
            "cert show",
            &cert,
            &p12,
            false,
            argv(&[&"cert", &"show", &INPUT]),
        ),
        (
            "p12 inspect",
            &p12,
            &cert,
            false,
            argv(&[&"p12", &"inspect", &INPUT, &"--password-file", &pw]),
        ),
        ("p12 repack", &p12, &cert, true, repack(&pw)),
        (
            "p12 create --cert",
            &cert,
            &p12,
            true,
            argv(&[
                &"p12",
                &"create",
                &"--key",
                &pki.join("server/mdm-server.key.pem"),
                &"--cert",
                &INPUT,
                &"--suite",
                &"ios-legacy",
                &"--out-password-file",
                &pw,
                &"--out",
                &out,
            ]),
        ),
        (
            "keyshare pack",
            &p12,
            &cert,
            true,
            argv(&[
                &"keyshare",
                &"pack",
                &INPUT,
                &"--in-password-file",
                &pw,
                &"--out",
                &out,
            ]),
        ),
        (
            "keyshare open",
            &p12,
            &cert,
            false,
            argv(&[&"keyshare", &"open", &INPUT, &"--password-file", &pw]),
        ),
        (
            "profile build",
            &spec,
            &cert,
            true,
            argv(&[&"profile", &"build", &INPUT, &"--out", &out]),
        ),
        (
            "profile lint",
            &profile,
            &cert,
            false,
            argv(&[&"profile", &"lint", &INPUT]),
        ),
        (
            "profile inspect",
            &profile,
            &cert,
            false,
            argv(&[&"profile", &"inspect", &INPUT]),
        ),
        (
            "profile sign",
            &profile,
            &cert,
            true,
            argv(&[
                &"profile",
                &"sign",
                &INPUT,
                &"--out",
                &out,
                &"--signer",
                &signer,
                &"--signer-password-file",
                &pw,
            ]),
        ),
        (
            "chain build",
            &cert,
            &p12,
            false,
            argv(&[
                &"chain",
                &"build",
                &INPUT,
                &"--pool",
                &pki.join("ca"),
                &"--anchor",
                &pki.join("trust/anchor.pem"),
            ]),
        ),
        (
            "rollout roster",
            &roster,
            &cert,
            true,
            argv(&[
                &"rollout",
                &INPUT,
                &"--spec",
                &root().join("profiles/exchange-smime-identities.toml"),
                &"--out",
                &out,
                &"--signer",
                &signer,
                &"--signer-password-file",
                &pw,
                &"--in-password-file",
                &pw,
            ]),
        ),
        (
            "p12 wrong password",
            &p12,
            &cert,
            true,
            repack(&root().join("profiles/test-identities/password")),
        ),
    ];
    let mut checked = 0;
    for (name, valid, wrong, writes, args) in &cases {
        for (how, file, must_fail) in corruptions(d, &name.replace(' ', "_"), valid, wrong) {
            let a: Vec<String> = args
                .iter()
                .map(|x| if x == INPUT { s(&file) } else { x.clone() })
                .collect();
            // A CSV roster survives a flipped byte as data; a huge "CSV" is one bad row.
            let must_fail = must_fail
                && !(name.starts_with("rollout")
                    && matches!(how.as_str(), "huge" | "random" | "wrong-type" | "truncated"));
            check(
                &format!("{name} / {how}"),
                &a,
                writes.then_some(out.as_path()),
                must_fail,
            );
            checked += 1;
        }
    }
    assert_eq!(checked, cases.len() * 7);
}
