//! What one more user costs a rollout, counted, not timed (issue 24's guard): no OpenSSL
//! certificate decode per user (the identity rule reads each certificate's DER), and the
//! key derivation of reading exactly the user's two PKCS#12 files once; a resume with
//! nothing left to do opens none; a user's files are flushed to disk with the others of
//! its batch, not one by one; a user's key derivation runs in full passes of the KDF's
//! lane loop. A change that adds a decode, a second read, a flush per file or a
//! half-empty KDF pass to the per-user path fails here, on any machine.
//!
//! Its own test binary: the counters are per process.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::path::{Path, PathBuf};

use pbkit_pkcs12::kdf::lanes::{lane_use, LANES};
use pbkit_pkcs12::{kdf_iterations_spent, Identity, Password, PasswordSource, RawIdentity};
use pbkit_profile::{Signer, Spec};
use pbkit_rollout::{PasswordMode, Rollout};

const PROFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../profiles");

fn ids() -> PathBuf {
    Path::new(PROFILES).join("test-identities")
}

/// The counters are per process: the tests take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// What a run cost, counted.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Cost {
    openssl_decodes: usize,
    kdf_iterations: u64,
    file_flushes: usize,
    /// Passes of the KDF's lane loop, and the chains they carried.
    kdf_passes: u64,
    kdf_chains: u64,
}

impl Cost {
    fn now() -> Cost {
        let lanes = lane_use();
        Cost {
            openssl_decodes: pbkit_pki::openssl_decodes(),
            kdf_iterations: kdf_iterations_spent(),
            file_flushes: pbkit_outfile::file_flushes(),
            kdf_passes: lanes.passes,
            kdf_chains: lanes.chains,
        }
    }

    fn since(self, before: Cost) -> Cost {
        Cost {
            openssl_decodes: self.openssl_decodes - before.openssl_decodes,
            kdf_iterations: self.kdf_iterations - before.kdf_iterations,
            file_flushes: self.file_flushes - before.file_flushes,
            kdf_passes: self.kdf_passes - before.kdf_passes,
            kdf_chains: self.kdf_chains - before.kdf_chains,
        }
    }
}

/// The costs of a rollout of `users` users, then of resuming it with nothing left to do.
fn rollout_of(users: usize, password: &Password, mode: PasswordMode) -> (Cost, Cost) {
    let dir = tempfile::tempdir().unwrap();
    let (sig, enc) = (ids().join("signature.p12"), ids().join("encryption.p12"));
    let mut text = String::from("email,username,display_name,signing_p12,encryption_p12\n");
    for n in 0..users {
        text += &format!(
            "test.user1@pbkit.test,user{n},User {n},{},{}\n",
            sig.display(),
            enc.display()
        );
    }
    let roster = dir.path().join("roster.csv");
    std::fs::write(&roster, text).unwrap();
    let der = std::fs::read(&sig).unwrap();
    let spec = Path::new(PROFILES).join("exchange-smime-identities.toml");
    let rollout = |resume| {
        Rollout::new(
            Spec::read(&spec).unwrap(),
            &spec,
            Signer::new(Identity::from_pkcs12(&der, password).unwrap(), Vec::new()),
            dir.path().join("out"),
        )
        .in_password(password.clone())
        .password_mode(mode)
        .resume(resume)
        .allow_outside(true)
    };
    let mut costs = Vec::new();
    for resume in [false, true] {
        let rollout = rollout(resume);
        let before = Cost::now();
        let summary = rollout.run(&roster, &|_| {}).unwrap();
        assert_eq!(summary.done, if resume { 0 } else { users }, "{summary:?}");
        costs.push(Cost::now().since(before));
    }
    (costs[0], costs[1])
}

#[test]
fn another_user_costs_no_certificate_decode_and_one_read_of_each_identity() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let password = PasswordSource::File(ids().join("password")).read().unwrap();
    let per_identity = |file: &str| {
        let der = std::fs::read(ids().join(file)).unwrap();
        let before = kdf_iterations_spent();
        RawIdentity::read(&der, &password).unwrap();
        kdf_iterations_spent() - before
    };
    let reads = per_identity("signature.p12") + per_identity("encryption.p12");
    assert!(reads > 0);
    let (two, resumed_2) = rollout_of(2, &password, PasswordMode::Embed);
    let (six, resumed_6) = rollout_of(6, &password, PasswordMode::Embed);
    let (decodes_2, kdf_2) = (two.openssl_decodes, two.kdf_iterations);
    let (decodes_6, kdf_6) = (six.openssl_decodes, six.kdf_iterations);
    // A resume with nothing to do opens no user's identity and decodes nothing per user.
    assert_eq!(
        resumed_2, resumed_6,
        "a finished user costs its resume something"
    );
    assert_eq!(
        resumed_6.kdf_iterations, 0,
        "a finished user's PKCS#12 was opened on resume"
    );
    assert_eq!(
        decodes_6, decodes_2,
        "OpenSSL certificate decodes grow with users: {decodes_2} for 2, {decodes_6} for 6"
    );
    assert_eq!(
        (kdf_6 - kdf_2) / 4,
        reads,
        "KDF iterations read per user: {} for 2 users, {} for 6",
        kdf_2,
        kdf_6
    );
}

#[test]
fn users_files_are_flushed_by_batch_not_one_by_one() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let password = PasswordSource::File(ids().join("password")).read().unwrap();
    // Two files a user (profile and password file): 12 for 6 users. A flush per file
    // would be 12; a batch flushes its users' files at once, and even a batch of one
    // user (the 200 ms limit on a slow machine) flushes its two files together.
    let (six, resumed) = rollout_of(6, &password, PasswordMode::File);
    assert!(
        (1..=6).contains(&six.file_flushes),
        "{} flushes for 6 users' 12 files",
        six.file_flushes
    );
    assert_eq!(
        resumed.file_flushes, 0,
        "a resume with nothing to do flushed"
    );
}

#[test]
fn another_users_key_derivation_runs_in_full_lanes() {
    let _turn = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let password = PasswordSource::File(ids().join("password")).read().unwrap();
    let (two, _) = rollout_of(2, &password, PasswordMode::Embed);
    let (six, _) = rollout_of(6, &password, PasswordMode::Embed);
    let passes = (six.kdf_passes - two.kdf_passes) / 4;
    let chains = (six.kdf_chains - two.kdf_chains) / 4;
    // A user's two files are read in one batch and written in one: 12 blocks each, two
    // of which wait on another (the 3DES keys' second blocks), so two full passes each.
    assert_eq!(
        (passes, chains),
        (4, 4 * LANES as u64),
        "per user: {passes} passes of the lane loop carrying {chains} chains"
    );
}
