//! Test-PKI generation: 4 users x 3 generations (48 user identities + 3 server identities
//! + 7 CAs), per key type. Key generation dominates, on every core via rayon.
//!
//! `cargo bench --bench fixtures`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use criterion::{criterion_group, criterion_main, Criterion};
use pbkit_fixtures::{generate, KeyKind, Options};

fn fixtures(c: &mut Criterion) {
    let mut group = c.benchmark_group("fixtures 4x3");
    group.sample_size(10);
    for key in [KeyKind::Rsa2048, KeyKind::EcP256] {
        let opts = Options {
            users: 4,
            generations: 3,
            key,
            ..Options::default()
        };
        group.bench_function(key.name(), |b| {
            b.iter(|| generate(&opts, &|| {}).expect("generate"))
        });
        // Writing to disk as well, as `pbkit fixtures` does.
        group.bench_function(format!("{} + write", key.name()), |b| {
            b.iter(|| {
                let dir = tempfile::tempdir().expect("tempdir");
                generate(&opts, &|| {})
                    .expect("generate")
                    .write(dir.path())
                    .expect("write")
                    .files
                    .len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, fixtures);
criterion_main!(benches);
