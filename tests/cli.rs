//! End-to-end runs of the `pbkit` binary: exact facts on the real fixtures, bad input,
//! output safety, and the conventions every subcommand follows.

use crate::common::*;
use std::path::Path;
use std::process::Command;

fn show_json(files: &[&Path]) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&ok(pbkit().args(["cert", "show", "--json"]).args(files))).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s["facts"].clone())
        .collect()
}

/// The fixture table of tests/fixtures/README.md: file prefix, serial, signature?, notBefore.
const PUREBRED: [(&str, &str, bool, &str); 8] = [
    ("f63e3044", "02571C", true, "2018-01-01"),
    ("7274cce9", "02571D", false, "2018-01-01"),
    ("fed9960a", "02571E", true, "2018-02-01"),
    ("37f1cca5", "02571F", false, "2018-02-01"),
    ("678b5b37", "025720", true, "2018-03-01"),
    ("9a69ba0e", "025721", false, "2018-03-01"),
    ("974a6Fd7", "025722", true, "2018-04-01"),
    ("bb2Fda1b", "025723", false, "2018-04-01"),
];

/// Extracts the certificate of each Purebred PKCS#12 with the openssl CLI, then checks
/// every fact `cert show` reports against the fixture table.
#[test]
fn cert_show_facts_of_the_purebred_certificates_are_exact() {
    let tmp = tempfile::tempdir().unwrap();
    for (prefix, serial, signature, not_before) in PUREBRED {
        let p12 = std::fs::read_dir(fixture("purebred-skp"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
            .unwrap();
        let pem = tmp.path().join(format!("{serial}.pem"));
        ok(Command::new("openssl")
            .args([
                "pkcs12",
                "-legacy",
                "-nokeys",
                "-clcerts",
                "-passin",
                "pass:password",
                "-in",
            ])
            .arg(&p12)
            .arg("-out")
            .arg(&pem));
        let f = &show_json(&[&pem])[0];
        assert_eq!(f["serial"], serial);
        assert_eq!(
            f["subject"],
            "C=US, O=Fake, O=U.S. Government, OU=DoD, OU=PKI, OU=DISA, CN=pb.user1.1000011111"
        );
        assert_eq!(
            f["issuer"],
            "C=US, O=Fake, O=U.S. Government, OU=DoD, OU=PKI, CN=DOD OANDM EMAIL CA-42"
        );
        assert_eq!(f["not_before"], format!("{not_before}T00:00:00Z"));
        assert_eq!(
            f["san"]["email"],
            serde_json::json!(["pb.user1@MobilityHorizons.com"])
        );
        assert_eq!(
            f["key"],
            serde_json::json!({"algorithm": "RSA", "bits": 2048})
        );
        if signature {
            assert_eq!(
                f["key_usage"],
                serde_json::json!(["digitalSignature", "nonRepudiation"]),
                "{serial}"
            );
            assert_eq!(
                f["san"]["upn"],
                serde_json::json!(["1000011111@mil"]),
                "{serial}"
            );
        } else {
            assert_eq!(
                f["key_usage"],
                serde_json::json!(["keyEncipherment"]),
                "{serial}"
            );
            assert_eq!(f["san"]["upn"], serde_json::json!([]), "{serial}");
        }
    }
}

#[test]
fn cert_show_text_for_serial_025722() {
    let out = ok(pbkit()
        .args(["cert", "show"])
        .arg(root().join("crates/pki/tests/data/pb-signature-025722.pem")));
    for line in [
        "serial         025722",
        "key usage      digitalSignature, nonRepudiation",
        "ext key usage  msSmartcardLogin, clientAuth, emailProtection",
        "SAN email      pb.user1@MobilityHorizons.com",
        "SAN UPN        1000011111@mil",
        "not after      2021-03-31T23:59:59Z (expired)",
        "subject key id A4086E71AEB0A3A31EA75DF32D6E83D3E597DC11FF",
        "auth key id    A1545A33FC96DB8C6079E07E218DE1D319524F8AFF",
        "SHA-256        FA5835B5D6B5A03780B63EDA29F878338B2564528B3A46CF658909557BEE70F4",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
}

#[test]
fn cert_show_facts_of_real_fpki_certificates_are_exact() {
    let f = &show_json(&[&fixture("fpki/dod-irca2-by-fbca-g4.pem")])[0];
    assert_eq!(
        f["subject"],
        "C=US, O=U.S. Government, OU=DoD, OU=PKI, CN=DoD Interoperability Root CA 2"
    );
    assert_eq!(
        f["issuer"],
        "C=US, O=U.S. Government, OU=FPKI, CN=Federal Bridge CA G4"
    );
    assert_eq!(f["serial"], "D71F40DA1D9123FD3031DBA60E14F07B");
    assert_eq!(f["not_before"], "2026-01-21T15:37:06Z");
    assert_eq!(f["not_after"], "2029-01-21T15:37:06Z");
    assert_eq!(f["is_ca"], true);
    assert_eq!(f["self_signed"], false);

    let anchor = &show_json(&[&fixture("fpki/fcpca-g2.pem")])[0];
    assert_eq!(anchor["self_signed"], true);
    assert_eq!(
        anchor["key"],
        serde_json::json!({"algorithm": "RSA", "bits": 4096})
    );
    assert_eq!(
        anchor["key_usage"],
        serde_json::json!(["keyCertSign", "cRLSign"])
    );
    // The SKI of the anchor equals the AKI of the bridge certificate it issued.
    let bridge = &show_json(&[&fixture("fpki/fbca-g4-by-fcpca-g2.pem")])[0];
    assert_eq!(anchor["subject_key_id"], bridge["authority_key_id"]);

    // Serial 0x12 of DoD ID SW CA-37: one whole byte.
    assert_eq!(
        show_json(&[&fixture("fpki/dod-id-sw-ca-37.pem")])[0]["serial"],
        "12"
    );
}

#[test]
fn cert_show_reads_concatenated_pem_and_der() {
    let tmp = tempfile::tempdir().unwrap();
    let a = std::fs::read(fixture("fpki/fcpca-g2.pem")).unwrap();
    let b = std::fs::read(fixture("fpki/dod-sw-ca-66.pem")).unwrap();
    let both = tmp.path().join("both.pem");
    std::fs::write(&both, [a, b].concat()).unwrap();
    assert_eq!(show_json(&[&both]).len(), 2);
    let der = tmp.path().join("sw.cer");
    ok(Command::new("openssl")
        .args(["x509", "-outform", "DER", "-in"])
        .arg(fixture("fpki/dod-sw-ca-66.pem"))
        .arg("-out")
        .arg(&der));
    assert_eq!(show_json(&[&der])[0]["serial"], "055F");
}

/// Every bad input: one clear line naming the file, exit code 1, no panic.
#[test]
fn bad_certificate_input_gives_one_line_and_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let pem = std::fs::read(fixture("fpki/fcpca-g2.pem")).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.pem",
            pem[..pem.len() / 2].to_vec(),
            "malformed PEM",
        ),
        (
            "random.bin",
            (0..500u32)
                .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
                .collect(),
            "not a certificate",
        ),
        ("empty.pem", Vec::new(), "empty file"),
        ("whitespace.pem", b"\n  \n".to_vec(), "empty file"),
        (
            "bad-base64.pem",
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n".to_vec(),
            "malformed PEM",
        ),
        (
            "key.pem",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_vec(),
            "no CERTIFICATE or PKCS7 block",
        ),
    ];
    for (name, bytes, reason) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let o = run(pbkit().args(["cert", "show"]).arg(&path));
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.contains(name) && err.contains(reason), "{name}: {err}");
        assert!(stdout(&o).is_empty(), "{name}");
    }
    let o = run(pbkit()
        .args(["cert", "show"])
        .arg(tmp.path().join("missing.pem")));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("missing.pem"));
}

#[test]
fn one_bad_file_does_not_hide_the_good_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty.pem");
    std::fs::write(&empty, b"").unwrap();
    let o = run(pbkit()
        .args(["cert", "show", "--json"])
        .arg(&empty)
        .arg(fixture("fpki/fcpca-g2.pem")));
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1);
}

#[test]
fn fixtures_files_have_the_right_modes_and_manifest() {
    use std::os::unix::fs::PermissionsExt;
    let pki = generated_pki();
    let mode = |rel: &str| {
        std::fs::metadata(pki.join(rel))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("password"), 0o600);
    assert_eq!(
        std::fs::read_to_string(pki.join("password")).unwrap().len(),
        32
    );
    let m = manifest();
    assert_eq!(m["at"], AT);
    for f in m["files"].as_array().unwrap() {
        let path = f["path"].as_str().unwrap();
        let secret = matches!(
            f["format"].as_str().unwrap(),
            "pkcs12" | "private-key" | "password"
        );
        assert_eq!(mode(path), if secret { 0o600 } else { 0o644 }, "{path}");
    }
    // Every file on disk is in the manifest, and nothing else is there.
    let mut on_disk = 0;
    for dir in [
        "ca",
        "trust",
        "users/test.user1",
        "users/test.user2",
        "server",
    ] {
        on_disk += std::fs::read_dir(pki.join(dir)).unwrap().count();
    }
    assert_eq!(on_disk + 1, m["files"].as_array().unwrap().len()); // + password
                                                                   // Serials are unique across the PKI.
    let mut serials: Vec<_> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["format"] == "certificate")
        .map(|f| f["certificate"]["serial"].as_str().unwrap().to_string())
        .collect();
    let n = serials.len();
    serials.sort();
    serials.dedup();
    assert_eq!(serials.len(), n);
}

#[test]
fn fixtures_refuses_a_non_empty_folder_and_replaces_it_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("precious"), b"user data").unwrap();
    let o = run(pbkit()
        .args(["fixtures", "--users", "1", "--generations", "1", "--out"])
        .arg(&out));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not empty"), "{}", stderr(&o));
    assert!(out.join("precious").exists());

    ok(pbkit()
        .args([
            "fixtures",
            "--users",
            "1",
            "--generations",
            "1",
            "--key",
            "ec-p256",
            "--force",
            "--out",
        ])
        .arg(&out));
    assert!(!out.join("precious").exists());
    assert!(out.join("users/test.user1/signature-g1.p12").exists());
    // Nothing left beside the output folder: no staging folders.
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn fixtures_json_is_the_manifest() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("pki");
    let json = ok(pbkit()
        .args([
            "fixtures",
            "--users",
            "1",
            "--generations",
            "2",
            "--key",
            "ec-p384",
            "--at",
            "2030-01-01",
            "--json",
            "--out",
        ])
        .arg(&out));
    let m: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(m["key"], "ec-p384");
    assert_eq!(m["at"], "2030-01-01T00:00:00Z");
    let on_disk: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m, on_disk);
    let sig = show_json(&[&out.join("users/test.user1/signature-g2.pem")]);
    assert_eq!(sig[0]["key"]["curve"], "P-384");
    assert_eq!(sig[0]["signature_algorithm"], "ecdsa-with-SHA384");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["fixtures", "--out", "x", "--users", "0"],
        vec!["fixtures", "--out", "x", "--generations", "21"],
        vec!["fixtures", "--out", "x", "--key", "rsa1024"],
        vec!["fixtures", "--out", "x", "--at", "yesterday"],
        // Dates the test PKI cannot span (it panicked at 9990, failed in DER at 0001).
        vec!["fixtures", "--out", "x", "--at", "9990-01-01"],
        vec!["fixtures", "--out", "x", "--at", "0001-01-01"],
        vec!["cert", "show"],
        vec!["no-such-command"],
        // Found after parsing, exit 2 all the same.
        vec![
            "profile",
            "sign",
            "profiles/purebred-exchange.toml",
            "--out",
            "x",
        ],
        vec!["profile", "lint", "--min-ios", "banana", "x"],
        vec![
            "profile",
            "build",
            "profiles/purebred-exchange.toml",
            "--out",
            "x",
            "--var",
            "hots=owa.mail.mil",
        ],
        vec!["profile", "build", "profiles/purebred-exchange.toml"],
        // The token commands: a bad team prefix or bundle id, nothing to lint.
        vec![
            "token",
            "scaffold",
            "--team-prefix",
            "abc",
            "--app-id",
            "mil.x.p",
            "--out",
            "x",
        ],
        vec![
            "token",
            "scaffold",
            "--team-prefix",
            "ABCDE12345",
            "--app-id",
            "mil.x/../p",
            "--out",
            "x",
        ],
        vec!["token", "lint"],
    ] {
        let o = run(pbkit().current_dir(root()).args(&args));
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!root().join("x").exists(), "{args:?} wrote x");
    }
    let o = run(pbkit().current_dir(root()).args([
        "profile",
        "build",
        "profiles/purebred-exchange.toml",
        "--out",
        "x",
        "--var",
        "hots=y",
    ]));
    assert_eq!(
        stderr(&o).trim(),
        "pbkit: --var hots: profiles/purebred-exchange.toml uses no variable \"hots\" \
         (it uses: host, identifier, organization)"
    );
}

#[test]
fn list_vars_names_every_variable_with_its_default() {
    let text = ok(pbkit().current_dir(root()).args([
        "profile",
        "build",
        "profiles/purebred-exchange.toml",
        "--list-vars",
    ]));
    assert_eq!(
        text,
        "host          mail.example.mil\n\
         identifier    mil.example.purebred.exchange\n\
         organization  Example Command\n"
    );
}

#[test]
fn a_placeholder_host_left_in_a_profile_is_a_lint_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let lint = |vars: &[&str]| -> Vec<serde_json::Value> {
        let out = tmp.path().join("p.mobileconfig");
        let mut build = pbkit();
        build
            .current_dir(root())
            .args(["profile", "build", "profiles/mail-smime.toml", "--out"])
            .arg(&out);
        for v in vars {
            build.args(["--var", v]);
        }
        ok(&mut build);
        let o = run(pbkit().args(["profile", "lint", "--json"]).arg(&out));
        assert_eq!(o.status.code(), Some(0), "warnings do not fail lint");
        let all: Vec<serde_json::Value> = serde_json::from_str(&stdout(&o)).unwrap();
        all.into_iter()
            .filter(|f| f["check"] == "placeholder")
            .collect()
    };
    let found = lint(&[]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0]["message"]
        .as_str()
        .unwrap()
        .contains("imap.example.mil is an example domain"));
    assert!(lint(&["imap_host=imap.mail.mil", "smtp_host=smtp.mail.mil"]).is_empty());
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in SUBCOMMANDS {
        let out = ok(pbkit().args(*sub).arg("--help"));
        assert!(
            out.contains("Example"),
            "{sub:?} --help has no example:\n{out}"
        );
    }
    let top = ok(pbkit().arg("--help"));
    assert!(top.contains("Exit codes:"), "{top}");
    assert!(ok(pbkit().arg("--version")).starts_with("pbkit "));
}

#[test]
fn completions_and_man_page_are_generated() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = ok(pbkit().args(["completions", shell]));
        assert!(out.contains("fixtures"), "{shell}");
    }
    let man = ok(pbkit().arg("man"));
    assert!(
        man.starts_with(".ie") || man.contains(".TH pbkit"),
        "{}",
        &man[..200.min(man.len())]
    );
    // The exit codes beyond 0-2 that profile verify uses are on the page.
    assert!(man.contains("3  profile verify") && man.contains("4  profile verify"));
}

/// `man --all DIR`: a page per command and subcommand, each titled with its own name.
#[test]
fn man_all_writes_a_page_for_every_subcommand() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("man1");
    let out = ok(pbkit().args(["man", "--all"]).arg(&dir));
    // pbkit, its groups (cert, chain, ddm, jamf, keyshare, p12, preflight, profile, token)
    // and every leaf subcommand.
    let leaves = SUBCOMMANDS.len() + 1; // + man itself
    let groups = [
        "cert",
        "chain",
        "ddm",
        "jamf",
        "keyshare",
        "p12",
        "preflight",
        "profile",
        "token",
    ]
    .len();
    // README says how many (it said 30 when there were 43).
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let said = format!("(`pbkit-profile-build.1`, {} in all)", 1 + groups + leaves);
    assert!(readme.contains(&said), "README does not say {said}");
    assert_eq!(
        out,
        format!(
            "wrote {} man pages to {}\n",
            1 + groups + leaves,
            dir.display()
        )
    );
    for sub in SUBCOMMANDS {
        let name = format!("pbkit-{}", sub.join("-"));
        let page = std::fs::read_to_string(dir.join(format!("{name}.1"))).unwrap();
        assert!(page.contains(&format!(".TH {name} 1")), "{name}");
    }
}

/// `pbkit … | head`: a closed stdout ends the command quietly with 0, no panic, no message.
#[test]
fn a_closed_stdout_exits_quietly() {
    let cert = fixture("fpki/dod-root-ca-3.pem");
    let runs: Vec<Vec<&std::ffi::OsStr>> = vec![
        vec!["keyshare".as_ref(), "utis".as_ref()],
        vec![
            "keyshare".as_ref(),
            "utis".as_ref(),
            "--info-plist".as_ref(),
        ],
        vec!["man".as_ref()],
        vec!["completions".as_ref(), "bash".as_ref()],
        vec!["cert".as_ref(), "show".as_ref(), cert.as_os_str()],
        vec![
            "cert".as_ref(),
            "show".as_ref(),
            "--json".as_ref(),
            cert.as_os_str(),
        ],
    ];
    for args in runs {
        let o = run_with_closed_stdout(pbkit().args(&args));
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}");
    }
}

/// An error is one line that names the input once, in words: no `(os error 2)`, no
/// temporary file, no library's debug text.
#[test]
fn errors_name_the_input_once_without_internals() {
    let tmp = tempfile::tempdir().unwrap();
    let t = |name: &str| tmp.path().join(name).display().to_string();
    std::fs::write(
        t("truncated.plist"),
        "<?xml version=\"1.0\"?><plist><dict><key>A</key>",
    )
    .unwrap();
    let p12 = root()
        .join("profiles/test-identities/signature.p12")
        .display()
        .to_string();
    let cases: Vec<(Vec<String>, String)> = vec![
        (
            vec!["cert".into(), "show".into(), t("missing.pem")],
            t("missing.pem"),
        ),
        (
            vec!["p12".into(), "inspect".into(), t("missing.p12")],
            t("missing.p12"),
        ),
        (
            vec![
                "profile".into(),
                "build".into(),
                t("missing.toml"),
                "--out".into(),
                t("x"),
            ],
            t("missing.toml"),
        ),
        (
            vec![
                "profile".into(),
                "build".into(),
                root().join("profiles/dod-trust.toml").display().to_string(),
                "--out".into(),
                t("no/such/folder/x"),
            ],
            t("no/such/folder/x"),
        ),
        (
            vec![
                "p12".into(),
                "inspect".into(),
                p12.clone(),
                "--password-file".into(),
                t("missing.pw"),
            ],
            t("missing.pw"),
        ),
        (
            vec!["profile".into(), "inspect".into(), t("truncated.plist")],
            t("truncated.plist"),
        ),
    ];
    for (args, input) in cases {
        let o = run(pbkit().args(&args));
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert_eq!(err.matches(input.as_str()).count(), 1, "{args:?}: {err}");
        for internal in [
            "os error",
            ".pbkit-",
            "Io(",
            "Serde(",
            "Error {",
            "UnexpectedEnd",
        ] {
            assert!(!err.contains(internal), "{args:?}: {err}");
        }
    }
}

/// `profile lint good missing`: the good file is linted, the missing one is its error,
/// and the summary counts both.
#[test]
fn lint_reports_every_file_when_one_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/dod-trust.toml"))
        .arg("--out")
        .arg(&good));
    let missing = tmp.path().join("missing.mobileconfig");
    let o = run(pbkit().args(["profile", "lint"]).arg(&good).arg(&missing));
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(
        text.contains(&format!(
            "{}: error: file: no such file or folder [read]",
            missing.display()
        )),
        "{text}"
    );
    assert!(
        text.ends_with("2 files: 1 error, 0 warnings, 0 notes\n"),
        "{text}"
    );
}

/// Every leaf subcommand.
const SUBCOMMANDS: &[&[&str]] = &[
    &["demo"],
    &["cert", "show"],
    &["fixtures"],
    &["p12", "inspect"],
    &["p12", "repack"],
    &["p12", "create"],
    &["keyshare", "pack"],
    &["keyshare", "classify"],
    &["keyshare", "utis"],
    &["keyshare", "open"],
    &["profile", "build"],
    &["profile", "sign"],
    &["profile", "verify"],
    &["profile", "unsign"],
    &["profile", "lint"],
    &["profile", "inspect"],
    &["profile", "diff"],
    &["profile", "encrypt"],
    &["profile", "decrypt"],
    &["rollout"],
    &["ddm", "build"],
    &["ddm", "convert"],
    &["ddm", "lint"],
    &["jamf", "list"],
    &["jamf", "pull"],
    &["jamf", "push"],
    &["chain", "build"],
    &["chain", "p12"],
    &["preflight", "tls"],
    &["preflight", "ports"],
    &["preflight", "outgoing"],
    &["preflight", "revocation"],
    &["token", "plan"],
    &["token", "scaffold"],
    &["token", "lint"],
    &["completions"],
];

/// Help examples can be copied into an 80-column terminal as they are: no example line
/// is wider than 78 columns (clap would wrap it mid-command), and a command that goes on
/// ends its line with a backslash.
#[test]
fn help_examples_fit_80_columns_and_continue_with_a_backslash() {
    for sub in SUBCOMMANDS {
        let out = ok(pbkit().args(*sub).arg("--help"));
        let mut in_examples = false;
        let mut continued = false;
        for line in out.lines() {
            if line.starts_with("Example") {
                in_examples = true;
                continue;
            }
            if line.is_empty() {
                in_examples = false;
                continue;
            }
            if !in_examples {
                continue;
            }
            assert!(
                line.chars().count() <= 78,
                "{sub:?}: {} columns: {line}",
                line.chars().count()
            );
            let command = ["pbkit ", "PW=", "openssl "]
                .iter()
                .any(|c| line.trim_start().starts_with(c));
            assert!(command || continued, "{sub:?}: {line:?} continues nothing");
            continued = line.ends_with('\\');
        }
        assert!(
            !continued,
            "{sub:?}: the last example ends with a backslash"
        );
    }
}
