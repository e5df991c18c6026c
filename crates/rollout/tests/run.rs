//! `Rollout::run` as a library: good rows done, unfit rows failed with nothing written,
//! resume skips finished users, a folder of profiles is refused without resume.

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
    Rollout {
        spec: Spec::read(&spec).unwrap(),
        spec_origin: "exchange-smime-identities.toml".into(),
        spec_base: PROFILES.into(),
        roster_base: dir.to_path_buf(),
        out: dir.join("out"),
        signer: Signer::new(Identity::from_pkcs12(&der, &password).unwrap(), Vec::new()),
        in_password: Some(password),
        password_mode: mode,
        resume,
        keyshare: None,
        settings: None,
        dry_run: false,
    }
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
    assert_eq!(left, ["good.mobileconfig", "good.password"]);

    // Resume: the finished user is skipped, the unfit ones fail again, nothing appears.
    let r = rollout(dir.path(), true, PasswordMode::File);
    let (summary, _) = run(&r, &roster);
    assert_eq!((summary.done, summary.skipped, summary.failed), (0, 1, 2));
    assert_eq!(
        std::fs::read_dir(dir.path().join("out")).unwrap().count(),
        2
    );

    // Without resume, a folder of profiles is refused before any row is read.
    let r = rollout(dir.path(), false, PasswordMode::File);
    assert!(matches!(r.run(&roster, &|_| ()), Err(Error::NotEmpty(_))));
}
