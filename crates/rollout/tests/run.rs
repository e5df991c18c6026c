//! `Rollout::run` as a library: good rows done, unfit rows failed with nothing written,
//! resume skips exactly the users the interrupted run finished, a folder that is not empty is
//! refused without resume, rows' files are confined to the roster's folder.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pbkit_pkcs12::{Identity, PasswordSource};
use pbkit_profile::{Signer, Spec};
use pbkit_rollout::{Error, Outcome, PasswordMode, Rollout, Summary};

const PROFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../profiles");

fn ids() -> PathBuf {
    Path::new(PROFILES).join("test-identities")
}

fn rollout(dir: &Path, resume: bool, mode: PasswordMode) -> Rollout {
    let password = PasswordSource::File(ids().join("password")).read().unwrap();
    let der = std::fs::read(ids().join("signature.p12")).unwrap();
    let spec = Path::new(PROFILES).join("exchange-smime-identities.toml");
    Rollout::new(
        Spec::read(&spec).unwrap(),
        &spec,
        Signer::new(Identity::from_pkcs12(&der, &password).unwrap(), Vec::new()),
        dir.join("out"),
    )
    .in_password(password)
    .password_mode(mode)
    .resume(resume)
    .allow_outside(true) // the shipped identities, outside the roster's folder
}

fn roster(dir: &Path) -> PathBuf {
    let (sig, enc) = (ids().join("signature.p12"), ids().join("encryption.p12"));
    let (sig, enc) = (sig.display(), enc.display());
    let path = dir.join("roster.csv");
    std::fs::write(
        &path,
        format!(
            "email,username,display_name,signing_p12,encryption_p12\n\
             test.user1@pbkit.test,good,Good,{sig},{enc}\n\
             test.user1@pbkit.test,swapped,Swapped,{enc},{sig}\n\
             TEST.USER1@pbkit.test,upper,Upper,{sig},{enc}\n"
        ),
    )
    .unwrap();
    path
}

fn run(r: &Rollout, roster: &Path) -> (Summary, Vec<Outcome>) {
    let seen = Mutex::new(Vec::new());
    let summary = r
        .run(roster, &|o| seen.lock().unwrap().push(o.clone()))
        .unwrap();
    (summary, seen.into_inner().unwrap())
}

fn reason<'a>(outcomes: &'a [Outcome], user: &str) -> &'a str {
    outcomes
        .iter()
        .find_map(|o| match o {
            Outcome::Failed {
                username: Some(u),
                reason,
                ..
            } if u == user => Some(reason.as_str()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{user} did not fail: {outcomes:?}"))
}

#[test]
fn unfit_rows_fail_with_the_identity_rule_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(dir.path());
    let r = rollout(dir.path(), false, PasswordMode::File);
    let (summary, outcomes) = run(&r, &roster);
    assert_eq!((summary.done, summary.skipped, summary.failed), (1, 0, 2));
    assert!(reason(&outcomes, "swapped").contains("without digitalSignature"));
    assert!(reason(&outcomes, "upper").contains("compares them exactly"));
    let mut left: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["good.mobileconfig", "good.password", "rollout.journal"]
    );

    // Resume: the finished user is skipped, the unfit ones fail again, nothing appears.
    let r = rollout(dir.path(), true, PasswordMode::File);
    let (summary, _) = run(&r, &roster);
    assert_eq!((summary.done, summary.skipped, summary.failed), (0, 1, 2));
    assert_eq!(
        std::fs::read_dir(dir.path().join("out")).unwrap().count(),
        3
    );

    // Without resume, a folder of profiles is refused before any row is read.
    let r = rollout(dir.path(), false, PasswordMode::File);
    assert!(matches!(r.run(&roster, &|_| ()), Err(Error::NotEmpty(_))));
}

/// Outcomes by status, for one user.
fn status(outcomes: &[Outcome], user: &str) -> &'static str {
    outcomes
        .iter()
        .find_map(|o| match o {
            Outcome::Done { username, .. } if username == user => Some("done"),
            Outcome::Skipped { username, .. } if username == user => Some("skipped"),
            Outcome::Failed {
                username: Some(u), ..
            } if u == user => Some("failed"),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no outcome for {user}: {outcomes:?}"))
}

#[test]
fn resume_redoes_a_user_whose_row_inputs_or_outputs_changed() {
    let dir = tempfile::tempdir().unwrap();
    // The identities copied beside the roster, so that one can be replaced.
    for f in ["signature.p12", "encryption.p12"] {
        std::fs::copy(ids().join(f), dir.path().join(f)).unwrap();
    }
    let write_roster = |display: &str| {
        let rows: String = ["a", "b", "c"]
            .iter()
            .map(|u| {
                let name = if *u == "c" { display } else { "Same" };
                format!("test.user1@pbkit.test,{u},{name},signature.p12,encryption.p12\n")
            })
            .collect();
        std::fs::write(
            dir.path().join("roster.csv"),
            format!("email,username,display_name,signing_p12,encryption_p12\n{rows}"),
        )
        .unwrap();
    };
    write_roster("First");
    let roster = dir.path().join("roster.csv");
    let r = rollout(dir.path(), false, PasswordMode::File).allow_outside(false);
    let (summary, _) = run(&r, &roster);
    assert_eq!(summary.done, 3);

    let r = rollout(dir.path(), true, PasswordMode::File).allow_outside(false);
    let (summary, _) = run(&r, &roster);
    assert_eq!((summary.done, summary.skipped), (0, 3), "nothing changed");

    // c's row changes; b's password file is gone.
    write_roster("Second");
    std::fs::remove_file(dir.path().join("out/b.password")).unwrap();
    let (_, outcomes) = run(&r, &roster);
    assert_eq!(status(&outcomes, "a"), "skipped");
    assert_eq!(status(&outcomes, "b"), "done");
    assert_eq!(status(&outcomes, "c"), "done");

    // An input replaced under the same name: every row that uses it is new.
    let bytes = std::fs::read(dir.path().join("encryption.p12")).unwrap();
    std::fs::write(dir.path().join("encryption.p12"), bytes).unwrap();
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options()
        .write(true)
        .open(dir.path().join("encryption.p12"))
        .unwrap()
        .set_modified(later)
        .unwrap();
    let (summary, _) = run(&r, &roster);
    assert_eq!((summary.done, summary.skipped), (3, 0));
}

#[test]
fn rows_cannot_reach_outside_the_roster_folder() {
    let dir = tempfile::tempdir().unwrap();
    let roster_dir = dir.path().join("roster");
    std::fs::create_dir(&roster_dir).unwrap();
    std::fs::copy(ids().join("encryption.p12"), roster_dir.join("enc.p12")).unwrap();
    std::fs::write(dir.path().join("secret.pw"), "password").unwrap();
    std::fs::write(
        roster_dir.join("roster.csv"),
        format!(
            "email,username,display_name,signing_p12,encryption_p12,password_file,password_env\n\
             test.user1@pbkit.test,abs,A,{},enc.p12,,\n\
             test.user1@pbkit.test,dots,D,../secret.pw,enc.p12,,\n\
             test.user1@pbkit.test,pwfile,P,enc.p12,enc.p12,../secret.pw,\n\
             test.user1@pbkit.test,env,E,enc.p12,enc.p12,,HOME\n",
            ids().join("signature.p12").display()
        ),
    )
    .unwrap();
    let r = rollout(&roster_dir, false, PasswordMode::Embed).allow_outside(false);
    let (summary, outcomes) = run(&r, &roster_dir.join("roster.csv"));
    assert_eq!(summary.failed, 4);
    assert!(
        reason(&outcomes, "abs").starts_with("signing_p12: "),
        "{outcomes:?}"
    );
    assert!(reason(&outcomes, "abs").contains("is outside the roster's folder"));
    assert!(reason(&outcomes, "dots").contains("secret.pw is outside"));
    assert!(reason(&outcomes, "pwfile").starts_with("password_file: "));
    assert_eq!(
        reason(&outcomes, "env"),
        "password_env: HOME does not start with PBKIT_ (--allow-outside allows any variable)"
    );
}

/// The size rule every sealed profile gets (pbkit_profile::seal): a profile over 1,000,000
/// bytes is written, with its size problem in the outcome and the CSV report.
#[test]
fn an_oversize_profile_is_written_with_its_warning() {
    let dir = tempfile::tempdir().unwrap();
    let roster = roster(dir.path());
    let host = "h".repeat(1_000_001);
    let r = rollout(dir.path(), false, PasswordMode::Embed)
        .vars([("host".to_string(), host)].into_iter().collect());
    let (summary, outcomes) = run(&r, &roster);
    assert_eq!(summary.done, 1, "{outcomes:?}");
    let done: Vec<_> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Done {
                bytes, oversize, ..
            } => Some((*bytes, *oversize)),
            _ => None,
        })
        .collect();
    let [(bytes, oversize)] = done[..] else {
        panic!("{outcomes:?}")
    };
    assert!(bytes > 1_000_000);
    assert_eq!(oversize.map(|o| o.bytes), Some(bytes));
    let csv = String::from_utf8(pbkit_rollout::report_csv(&outcomes).unwrap()).unwrap();
    assert!(
        csv.contains("Intune and Fleet reject profiles over 1000000 bytes"),
        "{csv}"
    );
}
