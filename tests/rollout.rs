//! `pbkit rollout`: many users, bad rows, password modes, and a SIGKILL followed by --resume.

use crate::common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SPEC: &str = "profiles/exchange-smime-identities.toml";

/// A roster over the generated PKI's two users, each repeated `copies` times under
/// different usernames (same identities, so the emails match), plus `extra` raw lines.
/// The users' files are copied beside it (`ids/`): a row's files must be under the
/// roster's folder.
pub fn roster(dir: &Path, copies: usize, extra: &[&str]) -> PathBuf {
    let pki = generated_pki();
    for u in 1..=2 {
        let ids = dir.join(format!("ids/test.user{u}"));
        std::fs::create_dir_all(&ids).unwrap();
        for f in ["signature-g3.p12", "encryption-g3.p12"] {
            std::fs::copy(pki.join(format!("users/test.user{u}/{f}")), ids.join(f)).unwrap();
        }
    }
    let mut text = String::from("email,username,display_name,signing_p12,encryption_p12\n");
    for c in 0..copies {
        for u in 1..=2 {
            text += &format!(
                "test.user{u}@pbkit.test,user{u}-{c},Test User {u},\
                 ids/test.user{u}/signature-g3.p12,ids/test.user{u}/encryption-g3.p12\n"
            );
        }
    }
    for line in extra {
        text += line;
        text += "\n";
    }
    let path = dir.join("roster.csv");
    std::fs::write(&path, text).unwrap();
    path
}

/// test.user1's signing and encryption PKCS#12 paths as roster rows name them.
fn user1_files() -> (String, String) {
    (
        "ids/test.user1/signature-g3.p12".into(),
        "ids/test.user1/encryption-g3.p12".into(),
    )
}

fn rollout(roster: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut c = rollout_command(roster, out);
    c.args(extra);
    c
}

fn profiles(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mobileconfig"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_good_row_gets_one_verified_profile_and_bad_rows_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let (sig, enc) = user1_files();
    let bad = [
        format!("not-an-email,bad-email,Bad,{sig},{enc}"),
        format!("test.user1@pbkit.test,missing-file,Missing,/nonexistent.p12,{enc}"),
        format!("someone@pbkit.test,wrong-email,Wrong,{sig},{enc}"),
        format!("test.user1@pbkit.test,../escape,Escape,{sig},{enc}"),
        format!("test.user1@pbkit.test,user1-0,Duplicate,{sig},{enc}"),
        "too,few,columns".to_string(),
        // The one identity rule (pbkit_pkcs12::fitness), as lint applies it.
        format!("test.user1@pbkit.test,swapped,Swapped,{enc},{sig}"),
        format!("Test.User1@pbkit.test,wrong-case,Case,{sig},{enc}"),
    ];
    let bad: Vec<&str> = bad.iter().map(String::as_str).collect();
    let r = roster(tmp.path(), 5, &bad);
    let out = tmp.path().join("out");
    let o = run(rollout(&r, &out, &["--json", "--jobs", "2"]).stdin(Stdio::null()));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines = json_lines(&stdout(&o));
    assert_eq!(lines.len(), 10 + 8 + 1);
    // Each failure also on stderr, one line, so that `--json | head` cannot hide it.
    let failures = stderr(&o)
        .lines()
        .filter(|l| l.starts_with("line "))
        .count();
    assert_eq!(failures, 8, "{}", stderr(&o));
    assert_eq!(
        lines.last().unwrap()["summary"],
        serde_json::json!({"items": 18, "ok": 10, "failed": 8, "skipped": 0})
    );
    let reasons: BTreeMap<String, String> = lines
        .iter()
        .filter(|l| l["status"] == "failed")
        .map(|l| {
            (
                l["username"].as_str().unwrap_or("?").to_string(),
                l["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(reasons["bad-email"].contains("not an email address"));
    assert!(reasons["missing-file"].contains("/nonexistent.p12"));
    assert!(reasons["wrong-email"].contains("Mail would not sign"));
    assert!(
        reasons["swapped"].contains("the signing identity")
            && reasons["swapped"].contains("without digitalSignature"),
        "{}",
        reasons["swapped"]
    );
    assert!(reasons["wrong-case"].contains("compares them exactly"));
    assert!(reasons["../escape"].contains("not usable as a file name"));
    assert!(reasons.values().any(|r| r.contains("appears twice")));
    assert!(
        reasons
            .values()
            .any(|r| r.contains("bad row: 3 fields where the header has 5")),
        "{reasons:?}"
    );

    let files = profiles(&out);
    assert_eq!(files.len(), 10);
    use std::os::unix::fs::PermissionsExt;
    for f in &files {
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let v = ok(pbkit()
            .args(["profile", "verify", "--anchor"])
            .arg(generated_pki().join("trust/anchor.pem"))
            .arg(f));
        assert!(v.starts_with("Verified"), "{v}");
        let (code, findings) = {
            let o = run(pbkit().args(["profile", "lint", "--json"]).arg(f));
            (o.status.code(), stdout(&o))
        };
        assert_eq!(code, Some(0), "{findings}");
    }
    // The row's values are in the profile: Jamf variables filled in as Jamf would.
    let plain = tmp.path().join("plain.plist");
    ok(pbkit()
        .args(["profile", "unsign"])
        .arg(out.join("user2-3.mobileconfig"))
        .arg("--out")
        .arg(&plain));
    let text = std::fs::read_to_string(&plain).unwrap();
    assert!(
        text.contains("<string>test.user2@pbkit.test</string>")
            && text.contains("<string>user2-3</string>")
    );
    assert!(!text.contains("$EMAIL"));
}

#[test]
fn password_mode_file_writes_the_password_beside_the_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let r = roster(tmp.path(), 1, &[]);
    let out = tmp.path().join("out");
    ok(&mut rollout(&r, &out, &["--password-mode", "file"]));
    let pw = out.join("user1-0.password");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&pw).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(std::fs::read_to_string(&pw).unwrap().len(), 32);
    let plain = tmp.path().join("plain.plist");
    ok(pbkit()
        .args(["profile", "unsign"])
        .arg(out.join("user1-0.mobileconfig"))
        .arg("--out")
        .arg(&plain));
    // No Password in the profile; the identity opens with the password file.
    let script = "import plistlib,sys\nfrom cryptography.hazmat.primitives.serialization import pkcs12\nd=plistlib.load(open(sys.argv[1],'rb'))\np=d['PayloadContent'][0]\nassert 'Password' not in p\nk=pkcs12.load_pkcs12(p['PayloadContent'], open(sys.argv[2],'rb').read())\nprint(k.cert.certificate.subject.rfc4514_string())";
    let subject = ok(Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&plain)
        .arg(&pw));
    assert!(subject.contains("test.user1"), "{subject}");
}

#[test]
fn refuses_an_output_folder_with_profiles_unless_resuming() {
    let tmp = tempfile::tempdir().unwrap();
    let r = roster(tmp.path(), 1, &[]);
    let out = tmp.path().join("out");
    ok(&mut rollout(&r, &out, &[]));
    let o = run(&mut rollout(&r, &out, &[]));
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--resume"), "{}", stderr(&o));
    let o = ok(&mut rollout(&r, &out, &["--resume", "--json"]));
    assert_eq!(
        json_lines(&o).last().unwrap()["summary"],
        serde_json::json!({"items": 2, "ok": 0, "failed": 0, "skipped": 2})
    );
}

/// Killed with SIGKILL mid-run, then resumed: every user ends with exactly one valid
/// profile, nothing half-written remains, and users finished before the kill are not redone.
#[test]
fn sigkill_then_resume_finishes_without_redoing_or_half_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let r = roster(tmp.path(), 40, &[]);
    let out = tmp.path().join("out");
    let mut child = rollout(&r, &out, &["--jobs", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed once the journal records some users: at most one batch (16 users) in flight
    // is lost, and those are done again.
    let journal = out.join("rollout.journal");
    let recorded = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.split(' ').nth(1))
            .map(str::to_string)
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = std::fs::read_to_string(&journal).unwrap_or_default();
        if recorded(&text).len() >= 16 {
            break;
        }
        assert!(Instant::now() < deadline, "no progress");
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before the kill; make the roster longer"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    use std::os::unix::fs::MetadataExt;
    let finished = recorded(&std::fs::read_to_string(&journal).unwrap());
    let before: BTreeMap<PathBuf, (u64, i64)> = finished
        .iter()
        .map(|user| {
            let p = out.join(format!("{user}.mobileconfig"));
            let m = std::fs::metadata(&p).unwrap();
            (p, (m.ino(), m.mtime_nsec()))
        })
        .collect();
    assert!(before.len() < 80, "the kill came too late to test anything");

    let o = ok(&mut rollout(
        &r,
        &out,
        &["--resume", "--json", "--jobs", "2"],
    ));
    let summary = json_lines(&o).last().unwrap()["summary"].clone();
    assert_eq!(summary["failed"], 0);
    assert_eq!(summary["skipped"], before.len());
    assert_eq!(summary["ok"], 80 - before.len());

    let after = profiles(&out);
    assert_eq!(after.len(), 80);
    for (p, id) in &before {
        let m = std::fs::metadata(p).unwrap();
        assert_eq!(&(m.ino(), m.mtime_nsec()), id, "{} was redone", p.display());
    }
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".mobileconfig") && n != "rollout.json" && n != "rollout.journal")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    for p in after {
        let o = run(pbkit().args(["profile", "verify"]).arg(&p));
        assert_eq!(o.status.code(), Some(3), "{}: {}", p.display(), stdout(&o));
        // Unverified: valid signature, no anchor given
    }
}

#[test]
fn keyshare_writes_a_pack_per_user_that_opens_with_its_password() {
    let tmp = tempfile::tempdir().unwrap();
    let r = roster(tmp.path(), 1, &[]);
    let out = tmp.path().join("out");
    ok(&mut rollout(&r, &out, &["--keyshare", "2025"]));
    let pack = out.join("user2-0.keyshare");
    let json = ok(pbkit()
        .args(["keyshare", "open", "--json", "--password-file"])
        .arg(pack.join("password"))
        .arg(pack.join("All.zip")));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let types: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["classification"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["encryption", "signature"]);
    // Resume leaves finished users' packs alone and counts them done.
    let o = ok(&mut rollout(
        &r,
        &out,
        &["--keyshare", "2025", "--resume", "--json"],
    ));
    assert_eq!(json_lines(&o).last().unwrap()["summary"]["skipped"], 2);
}

/// `rollout --json | head -2`: the report stops, the rollout does not; a failed row is
/// still said on stderr and still makes the exit code 1.
#[test]
fn a_closed_stdout_loses_no_profile_and_hides_no_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = ["test.user1@pbkit.test,missing,Missing,/nonexistent.p12,/nonexistent.p12"];
    let r = roster(tmp.path(), 5, &bad);
    let out = tmp.path().join("out");
    let o = run_with_closed_stdout(&mut rollout(
        &r,
        &out,
        &["--json", "--jobs", "2", "--allow-outside"],
    ));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    assert!(stderr(&o).contains("(missing): "), "{}", stderr(&o));
    assert_eq!(profiles(&out).len(), 10);
}

/// Every user's profile has its own PayloadIdentifier (spec identifier + "." + username)
/// and UUIDs derived from it: an MDM server never sees two users' profiles as one.
#[test]
fn each_user_gets_an_identifier_and_uuids_of_their_own() {
    let tmp = tempfile::tempdir().unwrap();
    let r = roster(tmp.path(), 1, &[]);
    let out = tmp.path().join("out");
    ok(&mut rollout(&r, &out, &["--json"]));
    let inspect = |user: &str| -> serde_json::Value {
        let json = ok(pbkit()
            .args(["profile", "inspect", "--json"])
            .arg(out.join(format!("{user}.mobileconfig"))));
        serde_json::from_str(&json).unwrap()
    };
    let (a, b) = (inspect("user1-0"), inspect("user2-0"));
    assert_eq!(a["identifier"], "mil.example.smime.exchange.user1-0");
    assert_eq!(b["identifier"], "mil.example.smime.exchange.user2-0");
    assert_ne!(a["uuid"], b["uuid"]);
    for (pa, pb) in a["payloads"]
        .as_array()
        .unwrap()
        .iter()
        .zip(b["payloads"].as_array().unwrap())
    {
        assert_ne!(pa["uuid"], pb["uuid"]);
        assert!(pa["identifier"]
            .as_str()
            .unwrap()
            .starts_with("mil.example.smime.exchange.user1-0."));
    }
    // The references still resolve inside each profile.
    assert_eq!(
        a["payloads"][2]["references"][0]["target"],
        "mil.example.smime.exchange.user1-0.signing"
    );
}

/// `--resume` finishes the same job: the run's settings are recorded in DIR/rollout.json,
/// a resume without flags takes them, and one with other settings is refused with exit 2
/// and a line saying what differs.
#[test]
fn resume_remembers_the_run_and_refuses_other_settings() {
    let tmp = tempfile::tempdir().unwrap();
    let r = roster(tmp.path(), 1, &[]);
    let out = tmp.path().join("out");
    ok(&mut rollout(
        &r,
        &out,
        &["--password-mode", "file", "--keyshare", "2025"],
    ));
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("rollout.json")).unwrap()).unwrap();
    assert_eq!(recorded["password_mode"], "file");
    assert_eq!(recorded["keyshare"], "2025");
    // A user lost: the resume, without flags, redoes them the same way (password file, pack).
    for f in ["user1-0.mobileconfig", "user1-0.password"] {
        std::fs::remove_file(out.join(f)).unwrap();
    }
    std::fs::remove_dir_all(out.join("user1-0.keyshare")).unwrap();
    let text = ok(&mut rollout(&r, &out, &["--resume"]));
    assert!(
        text.contains("1 done, 1 skipped (already done), 0 failed"),
        "{text}"
    );
    assert!(out.join("user1-0.password").exists());
    assert!(out.join("user1-0.keyshare/All.zip").exists());

    // Other settings: refused, nothing touched.
    let other_spec = tmp.path().join("other.toml");
    std::fs::write(
        &other_spec,
        std::fs::read_to_string(root().join(SPEC)).unwrap() + "\n# changed\n",
    )
    .unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["--password-mode".into(), "embed".into()],
            "--password-mode was file, is embed",
        ),
        (
            vec!["--keyshare".into(), "legacy".into()],
            "--keyshare was 2025, is legacy",
        ),
    ];
    for (flags, says) in cases {
        let mut args = vec!["--resume".to_string()];
        args.extend(flags);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = run(&mut rollout(&r, &out, &args));
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains(says), "{args:?}: {}", stderr(&o));
    }
    let c = rollout(&r, &out, &["--resume"]);
    let args: Vec<_> = c.get_args().map(|a| a.to_os_string()).collect();
    let mut other = pbkit();
    for a in &args {
        other.arg(if a == root().join(SPEC).as_os_str() {
            other_spec.as_os_str()
        } else {
            a
        });
    }
    let o = run(&mut other);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("the spec was"), "{}", stderr(&o));
    // A folder never started: nothing to resume.
    let o = run(&mut rollout(&r, &tmp.path().join("new"), &["--resume"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nothing to resume"), "{}", stderr(&o));
}

/// `--resume` alone takes every recorded setting (issue 26, item 4): roster, spec, signer,
/// chain and password files, recorded as absolute paths, so a resume from another folder
/// works; a resume with another chain is refused, and one with no chain given keeps the
/// recorded one (no Unverified profile among Verified ones).
#[test]
fn resume_alone_takes_every_recorded_setting_including_the_chain() {
    let tmp = tempfile::tempdir().unwrap();
    roster(tmp.path(), 1, &[]);
    let out = tmp.path().join("out");
    let pki = generated_pki();
    // Relative paths, from the roster's folder.
    std::fs::create_dir(tmp.path().join("pki")).unwrap();
    for f in [
        "server/mdm-server.p12",
        "password",
        "trust/intermediates.pem",
    ] {
        let name = f.rsplit('/').next().unwrap();
        std::fs::copy(pki.join(f), tmp.path().join("pki").join(name)).unwrap();
    }
    std::fs::copy(root().join(SPEC), tmp.path().join("spec.toml")).unwrap();
    ok(pbkit()
        .current_dir(tmp.path())
        .args([
            "rollout",
            "roster.csv",
            "--spec",
            "spec.toml",
            "--out",
            "out",
        ])
        .args([
            "--signer",
            "pki/mdm-server.p12",
            "--signer-password-file",
            "pki/password",
        ])
        .args([
            "--chain",
            "pki/intermediates.pem",
            "--in-password-file",
            "pki/password",
        ]));
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("rollout.json")).unwrap()).unwrap();
    let abs = |f: &str| tmp.path().join(f).display().to_string();
    assert_eq!(recorded["roster"], abs("roster.csv"));
    assert_eq!(recorded["chain"][0], abs("pki/intermediates.pem"));
    assert_eq!(recorded["signer_password"]["file"], abs("pki/password"));
    assert_eq!(recorded["in_password"]["file"], abs("pki/password"));
    assert!(!recorded["chain_sha256"].as_array().unwrap().is_empty());
    let text = std::fs::read_to_string(out.join("rollout.json")).unwrap();
    let password = std::fs::read_to_string(pki.join("password")).unwrap();
    assert!(
        !text.contains(password.trim()),
        "a password recorded: {text}"
    );

    // One user lost; `--resume` alone, from elsewhere, redoes them with the chain.
    std::fs::remove_file(out.join("user2-0.mobileconfig")).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let o = run(pbkit()
        .current_dir(elsewhere.path())
        .args(["rollout", "--resume", "--out"])
        .arg(&out)
        .stdin(Stdio::null()));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("1 done, 1 skipped (already done), 0 failed"),
        "{}",
        stdout(&o)
    );
    let v = ok(pbkit()
        .args(["profile", "verify", "--anchor"])
        .arg(pki.join("trust/anchor.pem"))
        .arg(out.join("user2-0.mobileconfig")));
    assert!(v.starts_with("Verified"), "{v}");
    let inspect = ok(pbkit()
        .args(["profile", "inspect", "--json"])
        .arg(out.join("user2-0.mobileconfig")));
    let inspect: serde_json::Value = serde_json::from_str(&inspect).unwrap();
    // CMS keeps certificates as a SET: compared as sets.
    let embedded: std::collections::BTreeSet<&str> = inspect["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["sha256"].as_str().unwrap())
        .collect();
    let recorded_chain: std::collections::BTreeSet<&str> = recorded["chain_sha256"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(embedded, recorded_chain, "the resumed profile's chain");

    // Another chain: refused with exit 2, saying so.
    let o = run(pbkit()
        .current_dir(elsewhere.path())
        .args(["rollout", "--resume", "--out"])
        .arg(&out)
        .arg("--chain")
        .arg(pki.join("trust/anchor.pem")));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the embedded chain (--chain) was sha256 "),
        "{}",
        stderr(&o)
    );
    // No run recorded: the flags are needed, and the message says which.
    let o = run(pbkit()
        .args(["rollout", "--resume", "--out"])
        .arg(tmp.path().join("never")));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no run recorded to resume (no rollout.json): give the roster"),
        "{}",
        stderr(&o)
    );
}

/// Expired identities (issue 26, item 5): a row with one fails, naming the file, the
/// identity and the date, unless --allow-expired; `--at` moves the moment; the profile made
/// with --allow-expired is marked by lint (a `validity` warning) and inspect (EXPIRED).
#[test]
fn expired_identities_are_refused_unless_allowed_and_marked_by_lint_and_inspect() {
    let tmp = tempfile::tempdir().unwrap();
    let pki = generated_pki();
    let ids = tmp.path().join("ids/test.user1");
    std::fs::create_dir_all(&ids).unwrap();
    for f in ["signature-g1.p12", "encryption-g3.p12"] {
        std::fs::copy(pki.join("users/test.user1").join(f), ids.join(f)).unwrap();
    }
    let r = tmp.path().join("roster.csv");
    std::fs::write(
        &r,
        "email,username,display_name,signing_p12,encryption_p12\n\
         test.user1@pbkit.test,old,Test User 1,ids/test.user1/signature-g1.p12,ids/test.user1/encryption-g3.p12\n",
    )
    .unwrap();
    let o = run(&mut rollout(&r, &tmp.path().join("refused"), &[]));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("line 2 (old): ")
            && err.contains("signature-g1.p12: the signing identity (serial ")
            && err.contains(") expired on 20")
            && err.contains("(--allow-expired takes it anyway)"),
        "{err}"
    );
    assert!(profiles(&tmp.path().join("refused")).is_empty());
    // Before the current identity's start, it is not yet valid either.
    let o = run(&mut rollout(
        &r,
        &tmp.path().join("early"),
        &["--allow-expired"],
    ));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = run(&mut rollout(
        &r,
        &tmp.path().join("at"),
        &["--at", "2000-01-01"],
    ));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the signing identity (serial ")
            && stderr(&o).contains("not valid before"),
        "{}",
        stderr(&o)
    );

    let made = tmp.path().join("early/old.mobileconfig");
    let lint = run(pbkit().args(["profile", "lint", "--json"]).arg(&made));
    let findings: Vec<serde_json::Value> = serde_json::from_str(&stdout(&lint)).unwrap();
    let validity: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["check"] == "validity")
        .collect();
    assert_eq!(validity.len(), 1, "{findings:#?}");
    assert_eq!(validity[0]["severity"], "warning");
    assert!(
        validity[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("the identity's certificate (serial "),
        "{validity:?}"
    );
    assert!(validity[0]["location"]
        .as_str()
        .unwrap()
        .starts_with("payloads["));
    let text = ok(pbkit().args(["profile", "inspect"]).arg(&made));
    assert_eq!(text.matches(", EXPIRED)").count(), 1, "{text}");
    let json: serde_json::Value = serde_json::from_str(&ok(pbkit()
        .args(["profile", "inspect", "--json"])
        .arg(&made)))
    .unwrap();
    let validities: Vec<&serde_json::Value> = json["payloads"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.get("certificate"))
        .map(|c| &c["validity"])
        .collect();
    assert_eq!(validities, ["expired", "valid"]);
    assert_eq!(json["signer"]["validity"], "valid");
}

/// Without a terminal a long run is not silent (issue 26, item 9): a progress line on
/// stderr every PBKIT_PROGRESS_EVERY seconds (5 by default, src/progress.rs tests that; 0
/// here: one per user but the last, which the summary says), stdout untouched.
#[test]
fn without_a_terminal_progress_comes_as_lines_on_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let r = roster(tmp.path(), 2, &[]);
    let o = run(rollout(&r, &tmp.path().join("out"), &["--json"]).env("PBKIT_PROGRESS_EVERY", "0"));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (n, line) in lines.iter().enumerate() {
        let prefix = format!("pbkit: rollout: {} of 4 ({}%), ", n + 1, (n + 1) * 25);
        assert!(line.starts_with(&prefix) && line.ends_with(" s"), "{line}");
    }
    assert_eq!(json_lines(&stdout(&o)).len(), 5);
}

/// `--dry-run` checks every row and writes nothing; `--report` gives the admin one CSV row
/// per user.
#[test]
fn dry_run_writes_nothing_and_report_has_a_row_per_user() {
    let tmp = tempfile::tempdir().unwrap();
    let (sig, enc) = user1_files();
    let swapped = format!("test.user1@pbkit.test,swapped,Swapped,{enc},{sig}");
    let r = roster(tmp.path(), 1, &[&swapped]);
    let out = tmp.path().join("out");
    let report = tmp.path().join("report.csv");
    let o = run(rollout(&r, &out, &["--dry-run", "--report"]).arg(&report));
    assert_eq!(o.status.code(), Some(1), "a row fails: {}", stderr(&o));
    assert!(!out.exists(), "a dry run writes nothing");
    assert!(
        stdout(&o).starts_with("dry run, nothing written: 2 rows would be done; "),
        "{}",
        stdout(&o)
    );
    let text = std::fs::read_to_string(&report).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "line,username,status,file,bytes,reason");
    assert_eq!(rows.len(), 4);
    assert!(
        rows[1].starts_with("2,user1-0,would-write,,"),
        "{}",
        rows[1]
    );
    assert!(rows[3].starts_with("4,swapped,failed,,,"), "{}", rows[3]);
    assert!(rows[3].contains("without digitalSignature"), "{}", rows[3]);

    // The same roster for real: the report names each written file.
    let o = run(rollout(&r, &out, &["--report"]).arg(&report));
    assert_eq!(o.status.code(), Some(1));
    let text = std::fs::read_to_string(&report).unwrap();
    let done = text.lines().find(|l| l.contains(",user2-0,")).unwrap();
    assert!(
        done.contains(",ok,") && done.contains("user2-0.mobileconfig"),
        "{done}"
    );
}

/// Killed again and again, each run records what it finished: every resume moves forward
/// (the journal is written at least every 200 ms), and the last one completes.
#[test]
fn repeated_kills_still_move_forward() {
    let tmp = tempfile::tempdir().unwrap();
    let r = roster(tmp.path(), 60, &[]);
    let out = tmp.path().join("out");
    let journal = out.join("rollout.journal");
    let lines = || {
        std::fs::read_to_string(&journal)
            .unwrap_or_default()
            .lines()
            .count()
    };
    let mut recorded = Vec::new();
    for round in 0..3 {
        let extra: &[&str] = if round == 0 { &[] } else { &["--resume"] };
        let mut child = rollout(&r, &out, extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = lines();
        let deadline = Instant::now() + Duration::from_secs(120);
        while lines() == start {
            assert!(Instant::now() < deadline, "round {round}: no progress");
            assert!(
                child.try_wait().unwrap().is_none(),
                "round {round}: finished"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        recorded.push(lines());
    }
    assert!(recorded.windows(2).all(|w| w[0] < w[1]), "{recorded:?}");
    let o = ok(&mut rollout(&r, &out, &["--resume", "--json"]));
    let summary = json_lines(&o).last().unwrap()["summary"].clone();
    assert_eq!(summary["failed"], 0);
    assert_eq!(profiles(&out).len(), 120);
}

/// `--encrypt-to device`: each user's profile is encrypted to the device certificate the
/// row names, then signed. The signature verifies; the envelope names that device; the
/// device's key (from its PKCS#12, opened by the openssl CLI) decrypts the payloads, both
/// identities included. A row without a device certificate fails alone; a missing column
/// stops the run before anything is written.
#[test]
fn encrypt_to_encrypts_each_profile_to_the_rows_device() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    roster(dir, 1, &[]);
    let mut text = String::from("email,username,display_name,signing_p12,encryption_p12,device\n");
    for u in 1..=2 {
        let ids = dir.join(format!("ids/test.user{u}"));
        std::fs::copy(
            pki.join(format!("users/test.user{u}/device-g3.pem")),
            ids.join("device.pem"),
        )
        .unwrap();
        text += &format!(
            "test.user{u}@pbkit.test,user{u},Test User {u},ids/test.user{u}/signature-g3.p12,\
             ids/test.user{u}/encryption-g3.p12,ids/test.user{u}/device.pem\n"
        );
    }
    text += "test.user1@pbkit.test,nodevice,Test User 1,ids/test.user1/signature-g3.p12,\
             ids/test.user1/encryption-g3.p12,\n";
    // A CA certificate is no device: that row fails alone (issue 23).
    std::fs::copy(pki.join("ca/dod-email-ca-63.pem"), dir.join("ids/ca.pem")).unwrap();
    text += "test.user1@pbkit.test,causer,Test User 1,ids/test.user1/signature-g3.p12,\
             ids/test.user1/encryption-g3.p12,ids/ca.pem\n";
    let with_devices = dir.join("devices.csv");
    std::fs::write(&with_devices, text).unwrap();
    let out = dir.join("out");
    let o = run(&mut rollout(
        &with_devices,
        &out,
        &["--encrypt-to", "device"],
    ));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("(nodevice): device: empty: --encrypt-to needs each row's device"),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("(causer): ")
            && stderr(&o).contains("a CA certificate, not a device's"),
        "{}",
        stderr(&o)
    );
    assert_eq!(profiles(&out).len(), 2);

    let key = dir.join("device.key.pem");
    ok(Command::new("openssl")
        .args(["pkcs12", "-legacy", "-nocerts", "-nodes", "-in"])
        .arg(pki.join("users/test.user1/device-g3.p12"))
        .arg("-passin")
        .arg(format!("file:{}", pki.join("password").display()))
        .arg("-out")
        .arg(&key));
    let profile = out.join("user1.mobileconfig");
    let verified = ok(pbkit()
        .args(["profile", "verify"])
        .arg(&profile)
        .arg("--anchor")
        .arg(pki.join("trust/anchor.pem")));
    assert!(verified.contains("Verified"), "{verified}");
    let inspected = ok(pbkit().args(["profile", "inspect"]).arg(&profile));
    assert!(
        inspected.contains("payloads encrypted (AES-256-CBC) to 1 recipient"),
        "{inspected}"
    );
    let decrypted = dir.join("user1.decrypted.mobileconfig");
    ok(pbkit()
        .args(["profile", "decrypt"])
        .arg(&profile)
        .arg("--key")
        .arg(&key)
        .arg("--cert")
        .arg(pki.join("users/test.user1/device-g3.pem"))
        .arg("--out")
        .arg(&decrypted));
    let inspected = ok(pbkit().args(["profile", "inspect"]).arg(&decrypted));
    assert_eq!(
        inspected.matches("com.apple.security.pkcs12").count(),
        2,
        "{inspected}"
    );
    assert!(
        inspected.contains("SMIMESigningCertificateUUID -> "),
        "{inspected}"
    );

    // user2's device cannot read user1's profile.
    let o = run(pbkit()
        .args(["profile", "decrypt"])
        .arg(&profile)
        .arg("--key")
        .arg(&key)
        .arg("--cert")
        .arg(pki.join("users/test.user2/device-g3.pem"))
        .arg("--out")
        .arg(dir.join("x.mobileconfig")));
    assert!(stderr(&o).contains("is not a recipient"), "{}", stderr(&o));

    let o = run(&mut rollout(
        &with_devices,
        &dir.join("out2"),
        &["--encrypt-to", "dev"],
    ));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--encrypt-to dev: no such column"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.join("out2").exists());
}

/// `--var` fills the spec's variables for every user (issue 26): recorded for a resume,
/// which takes it when not given and refuses another; a name the spec does not use is a
/// usage error before anything is written.
#[test]
fn vars_fill_the_spec_for_every_user_and_are_recorded_for_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let r = roster(tmp.path(), 2, &[]);
    let out = tmp.path().join("out");
    let o = run(&mut rollout(&r, &out, &["--var", "hots=mail.test.mil"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--var hots: ") && stderr(&o).contains("uses no variable \"hots\""),
        "{}",
        stderr(&o)
    );
    assert!(!out.exists());
    ok(&mut rollout(&r, &out, &["--var", "host=mail.test.mil"]));
    for p in profiles(&out) {
        let bytes = std::fs::read(&p).unwrap();
        let has = |s: &str| bytes.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(has("<string>mail.test.mil</string>"), "{}", p.display());
    }
    let settings = std::fs::read_to_string(out.join("rollout.json")).unwrap();
    assert!(
        settings.contains("\"host\": \"mail.test.mil\""),
        "{settings}"
    );
    // A resume takes the recorded value; another one is refused.
    let text = ok(&mut rollout(&r, &out, &["--resume"]));
    assert!(text.contains("0 done, 4 skipped"), "{text}");
    let o = run(&mut rollout(
        &r,
        &out,
        &["--resume", "--var", "host=other.mil"],
    ));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--var was host=mail.test.mil, is host=other.mil"),
        "{}",
        stderr(&o)
    );
}
