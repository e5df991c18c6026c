//! Every subcommand that reads a file, fed truncated, bit-flipped, empty, random, huge,
//! wrong-type and missing inputs: one clear line (or a report), exit 1, no panic, and no
//! output file left behind.

mod common;

use common::*;
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

    type Case<'a> = (
        &'a str,
        &'a Path,
        &'a Path,
        Box<dyn Fn(&Path) -> (Vec<String>, Option<PathBuf>) + 'a>,
    );
    let cases: Vec<Case> = vec![
        (
            "cert show",
            &cert,
            &p12,
            Box::new(|f| (vec!["cert".into(), "show".into(), s(f)], None)),
        ),
        (
            "p12 inspect",
            &p12,
            &cert,
            Box::new(|f| {
                (
                    vec![
                        "p12".into(),
                        "inspect".into(),
                        s(f),
                        "--password-file".into(),
                        s(&pw),
                    ],
                    None,
                )
            }),
        ),
        (
            "p12 repack",
            &p12,
            &cert,
            Box::new(|f| {
                (
                    vec![
                        "p12".into(),
                        "repack".into(),
                        s(f),
                        "--in-password-file".into(),
                        s(&pw),
                        "--out-password-file".into(),
                        s(&pw),
                        "--suite".into(),
                        "ios-legacy".into(),
                        "--out".into(),
                        s(&out),
                    ],
                    Some(out.clone()),
                )
            }),
        ),
        (
            "p12 create --cert",
            &cert,
            &p12,
            Box::new(|f| {
                (
                    vec![
                        "p12".into(),
                        "create".into(),
                        "--key".into(),
                        s(&pki.join("server/mdm-server.key.pem")),
                        "--cert".into(),
                        s(f),
                        "--suite".into(),
                        "ios-legacy".into(),
                        "--out-password-file".into(),
                        s(&pw),
                        "--out".into(),
                        s(&out),
                    ],
                    Some(out.clone()),
                )
            }),
        ),
        (
            "keyshare pack",
            &p12,
            &cert,
            Box::new(|f| {
                (
                    vec![
                        "keyshare".into(),
                        "pack".into(),
                        s(f),
                        "--in-password-file".into(),
                        s(&pw),
                        "--out".into(),
                        s(&out),
                    ],
                    Some(out.clone()),
                )
            }),
        ),
        (
            "keyshare open",
            &p12,
            &cert,
            Box::new(|f| {
                (
                    vec![
                        "keyshare".into(),
                        "open".into(),
                        s(f),
                        "--password-file".into(),
                        s(&pw),
                    ],
                    None,
                )
            }),
        ),
        (
            "profile build",
            &spec,
            &cert,
            Box::new(|f| {
                (
                    vec![
                        "profile".into(),
                        "build".into(),
                        s(f),
                        "--out".into(),
                        s(&out),
                    ],
                    Some(out.clone()),
                )
            }),
        ),
        (
            "profile lint",
            &profile,
            &cert,
            Box::new(|f| (vec!["profile".into(), "lint".into(), s(f)], None)),
        ),
        (
            "profile inspect",
            &profile,
            &cert,
            Box::new(|f| (vec!["profile".into(), "inspect".into(), s(f)], None)),
        ),
        (
            "profile sign",
            &profile,
            &cert,
            Box::new(|f| {
                (
                    vec![
                        "profile".into(),
                        "sign".into(),
                        s(f),
                        "--out".into(),
                        s(&out),
                        "--signer".into(),
                        s(&pki.join("server/mdm-server.p12")),
                        "--signer-password-file".into(),
                        s(&pw),
                    ],
                    Some(out.clone()),
                )
            }),
        ),
        (
            "chain build",
            &cert,
            &p12,
            Box::new(|f| {
                (
                    vec![
                        "chain".into(),
                        "build".into(),
                        s(f),
                        "--pool".into(),
                        s(&pki.join("ca")),
                        "--anchor".into(),
                        s(&pki.join("trust/anchor.pem")),
                    ],
                    None,
                )
            }),
        ),
        (
            "rollout roster",
            &roster,
            &cert,
            Box::new(|f| {
                (
                    vec![
                        "rollout".into(),
                        s(f),
                        "--spec".into(),
                        s(&root().join("profiles/exchange-smime-identities.toml")),
                        "--out".into(),
                        s(&out),
                        "--signer".into(),
                        s(&pki.join("server/mdm-server.p12")),
                        "--signer-password-file".into(),
                        s(&pw),
                        "--in-password-file".into(),
                        s(&pw),
                    ],
                    Some(out.clone()),
                )
            }),
        ),
        (
            "p12 wrong password",
            &p12,
            &cert,
            Box::new(|f| {
                (
                    vec![
                        "p12".into(),
                        "repack".into(),
                        s(f),
                        "--in-password-file".into(),
                        s(&root().join("profiles/test-identities/password")),
                        "--out-password-file".into(),
                        s(&pw),
                        "--suite".into(),
                        "ios-legacy".into(),
                        "--out".into(),
                        s(&out),
                    ],
                    Some(out.clone()),
                )
            }),
        ),
    ];
    let mut checked = 0;
    for (name, valid, wrong, args) in &cases {
        for (how, file, must_fail) in corruptions(d, &name.replace(' ', "_"), valid, wrong) {
            let (a, out_file) = args(&file);
            // A CSV roster survives a flipped byte as data; a huge "CSV" is one bad row.
            let must_fail = must_fail
                && !(name.starts_with("rollout")
                    && matches!(how.as_str(), "huge" | "random" | "wrong-type" | "truncated"));
            check(
                &format!("{name} / {how}"),
                &a,
                out_file.as_deref(),
                must_fail,
            );
            checked += 1;
        }
    }
    assert_eq!(checked, cases.len() * 7);
}
