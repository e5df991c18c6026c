//! The per-user costs of a rollout, each beside its OpenSSL equivalent: the PKCS#12 KDF per
//! derivation, reading and writing a PKCS#12, and a CMS signature.
//!
//! `cargo bench --bench pkcs12`

use criterion::{criterion_group, criterion_main, Criterion};
use openssl::pkcs12::Pkcs12;
use pbkit_pkcs12::kdf::{bmp_password, derive, derive_sha1, openssl_reference, Purpose};
use pbkit_pkcs12::{ensure_legacy_provider, Identity, Password, Suite, WriteOptions};

fn benches(c: &mut Criterion) {
    ensure_legacy_provider().unwrap();
    let bmp = bmp_password("a 32-character pack password!!!!");
    let salt = [0x5Au8; 8];
    let mut g = c.benchmark_group("kdf: one derivation, 2048 iterations, SHA-1");
    g.bench_function("pbkit (compression function)", |b| {
        b.iter(|| derive_sha1(Purpose::Key, &bmp, &salt, 2048, 24))
    });
    g.bench_function("pbkit (generic digest)", |b| {
        b.iter(|| derive::<sha1::Sha1>(Purpose::Key, &bmp, &salt, 2048, 24))
    });
    g.bench_function("OpenSSL PKCS12_key_gen_uni", |b| {
        b.iter(|| openssl_reference(Purpose::Key, &bmp, &salt, 2048, 24).unwrap())
    });
    g.finish();

    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/purebred-skp/974a6Fd70bba0f77fc2bf9fb192cee4391575173.p12"
    ))
    .unwrap();
    let id = Identity::from_pkcs12(&fixture, &Password::new("password")).unwrap();
    let pw = Password::new("a 32-character pack password!!!!");
    let legacy = id
        .to_pkcs12(&pw, &WriteOptions::new(Suite::IosLegacy))
        .unwrap();

    let mut g = c.benchmark_group("read an ios-legacy PKCS#12 (MAC + 2 bags, 2048 iterations)");
    g.bench_function("pbkit", |b| {
        b.iter(|| Identity::from_pkcs12(&legacy, &pw).unwrap())
    });
    g.bench_function("OpenSSL PKCS12_parse", |b| {
        b.iter(|| {
            Pkcs12::from_der(&legacy)
                .unwrap()
                .parse2(pw.as_str())
                .unwrap()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("write a PKCS#12 (OpenSSL PKCS12_create)");
    for suite in Suite::ALL {
        g.bench_function(suite.name(), |b| {
            b.iter(|| id.to_pkcs12(&pw, &WriteOptions::new(suite)).unwrap())
        });
    }
    g.finish();

    let xml = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/profiles/purebred-exchange.toml"
    ))
    .unwrap();
    c.bench_function("CMS sign (RSA-2048, SHA-256, 1 KB)", |b| {
        b.iter(|| pbkit_profile::sign(&xml, &id, &[]).unwrap())
    });
}

criterion_group!(name = group; config = Criterion::default().sample_size(30); targets = benches);
criterion_main!(group);
