//! One rollout user end to end (read two PKCS#12, write two, build the profile, sign it),
//! beside the same work through the openssl crate alone.
//!
//! `cargo bench --bench rollout`. Each iteration is one user: Criterion's iteration count
//! becomes the roster's length, so the figures are per user.
//! - `pbkit rollout, 1 thread`: CPU per user, files written and synced as in production;
//! - `pbkit rollout, default threads`: wall time per user with every core;
//! - `OpenSSL`: `PKCS12_parse` twice, `PKCS12_create` twice (the ios-legacy algorithms),
//!   the same spec build, `CMS_sign`; nothing written.
//!
//! Inputs: the RSA-2048 test identities and the rollout spec shipped in `profiles/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use pbkit_pkcs12::{ensure_legacy_provider, Identity, Password, PasswordSource};
use pbkit_pki::Certificate;
use pbkit_profile::{BuildContext, ProvidedIdentity, Signer, Spec};
use pbkit_rollout::{Outcome, Rollout};

const PROFILES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles");

fn password() -> Password {
    PasswordSource::File(format!("{PROFILES}/test-identities/password").into())
        .read()
        .unwrap()
}

fn spec_path() -> std::path::PathBuf {
    Path::new(PROFILES).join("exchange-smime-identities.toml")
}

/// Runs a rollout of `users` rows (all with the shipped identities) on `threads` threads
/// and returns the time `Rollout::run` took.
fn rollout(users: u64, threads: usize) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let ids = Path::new(PROFILES).join("test-identities");
    let mut roster = csv::Writer::from_path(dir.path().join("roster.csv")).unwrap();
    roster
        .write_record([
            "email",
            "username",
            "display_name",
            "signing_p12",
            "encryption_p12",
        ])
        .unwrap();
    for n in 0..users {
        roster
            .write_record([
                "test.user1@pbkit.test".to_string(),
                format!("user{n}"),
                format!("User {n}"),
                ids.join("signature.p12").display().to_string(),
                ids.join("encryption.p12").display().to_string(),
            ])
            .unwrap();
    }
    roster.flush().unwrap();
    let pw = password();
    let signer =
        Identity::from_pkcs12(&std::fs::read(ids.join("signature.p12")).unwrap(), &pw).unwrap();
    let signer = Signer::new(signer, Vec::new());
    let r = Rollout::new(
        Spec::read(&spec_path()).unwrap(),
        spec_path(),
        signer,
        dir.path().join("out"),
    )
    .in_password(pw)
    .allow_outside(true); // the shipped identities, outside the roster's folder
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let check = |o: &Outcome| assert!(matches!(o, Outcome::Done { .. }), "{o:?}");
    let start = Instant::now();
    let summary = pool.install(|| r.run(&dir.path().join("roster.csv"), &check).unwrap());
    let took = start.elapsed();
    assert_eq!(summary.done as u64, users);
    took
}

/// The same user through the openssl crate: parse, re-create, build, sign.
fn openssl_user(inputs: &[Vec<u8>; 2], pw: &Password, spec: &Spec, signer: &Identity) -> Vec<u8> {
    let fresh = Password::generate();
    let mut identities = BTreeMap::new();
    for (name, der) in ["signing", "encryption"].into_iter().zip(inputs) {
        let parsed = Pkcs12::from_der(der).unwrap().parse2(pw.as_str()).unwrap();
        let mut b = Pkcs12::builder();
        b.pkey(parsed.pkey.as_ref().unwrap())
            .cert(parsed.cert.as_ref().unwrap())
            .key_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
            .cert_algorithm(Nid::PBE_WITHSHA1AND40BITRC2_CBC)
            .key_iter(2048)
            .mac_iter(2048)
            .mac_md(MessageDigest::sha1());
        let p12 = b.build2(fresh.as_str()).unwrap().to_der().unwrap();
        let facts = Certificate::from_x509(parsed.cert.unwrap())
            .unwrap()
            .facts()
            .unwrap();
        identities.insert(
            name.to_string(),
            ProvidedIdentity {
                pkcs12: p12,
                password: fresh.clone(),
                facts,
            },
        );
    }
    let ctx = BuildContext {
        base: PROFILES.into(),
        identities,
        jamf: BTreeMap::from([("EMAIL".into(), "test.user1@pbkit.test".into())]),
        ..BuildContext::default()
    };
    let xml = spec.build("spec", &ctx).unwrap().to_xml();
    CmsContentInfo::sign(
        Some(signer.certificate().x509()),
        Some(signer.key()),
        None,
        Some(&xml),
        CMSOptions::BINARY,
    )
    .unwrap()
    .to_der()
    .unwrap()
}

fn benches(c: &mut Criterion) {
    ensure_legacy_provider().unwrap();
    let mut g = c.benchmark_group("rollout, per user (RSA-2048, ios-legacy, 2048 iterations)");
    g.sample_size(10);
    g.bench_function("pbkit rollout, 1 thread", |b| {
        b.iter_custom(|users| rollout(users, 1))
    });
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    g.bench_function(
        format!("pbkit rollout, default threads ({})", 2 * cores),
        |b| b.iter_custom(|users| rollout(users, 2 * cores)),
    );
    let pw = password();
    let ids = Path::new(PROFILES).join("test-identities");
    let inputs = ["signature.p12", "encryption.p12"].map(|f| std::fs::read(ids.join(f)).unwrap());
    let signer = Identity::from_pkcs12(&inputs[0], &pw).unwrap();
    let spec = Spec::read(&spec_path()).unwrap();
    g.bench_function("OpenSSL (openssl crate), 1 thread", |b| {
        b.iter(|| openssl_user(&inputs, &pw, &spec, &signer))
    });
    g.finish();
}

criterion_group!(group, benches);
criterion_main!(group);
