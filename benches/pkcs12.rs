//! The per-user costs of a rollout, each beside its OpenSSL equivalent: the PKCS#12 KDF
//! (per derivation and per file), SHA-1 compressions (the unit everything else is counted
//! in), reading and writing a PKCS#12 per suite, and the CMS signature.
//!
//! `cargo bench --bench pkcs12`. Inputs: the RSA-2048 ios-legacy test identity shipped in
//! `profiles/test-identities/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkcs12::Pkcs12;
use pbkit_pkcs12::kdf::{
    bmp_password, derive, derive_sha1, derive_sha1_batch, lanes, openssl_reference, Purpose,
    Request,
};
use pbkit_pkcs12::{
    ensure_legacy_provider, Identity, PasswordSource, RawIdentity, Suite, WriteOptions,
};

const IDS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/profiles/test-identities");

fn kdf(c: &mut Criterion) {
    let bmp = bmp_password("a 32-character pack password!!!!");
    let salt = [0x5Au8; 8];
    let mut g = c.benchmark_group("kdf: one derivation, 24 bytes, 2048 iterations");
    g.bench_function("pbkit", |b| {
        b.iter(|| derive_sha1(Purpose::Key, &bmp, &salt, 2048, 24))
    });
    g.bench_function("pbkit, generic digest", |b| {
        b.iter(|| derive::<sha1::Sha1>(Purpose::Key, &bmp, &salt, 2048, 24))
    });
    g.bench_function("OpenSSL PKCS12_key_gen_uni", |b| {
        b.iter(|| openssl_reference(Purpose::Key, &bmp, &salt, 2048, 24).unwrap())
    });
    g.finish();

    // What reading or writing one ios-legacy file derives: the MAC key, the RC2 key and IV
    // of the certificate safe, the 3DES key (two blocks) and IV of the key bag.
    let salts = [[1u8; 8], [2u8; 8], [3u8; 8]];
    let file = [
        (Purpose::Mac, 0, 20),
        (Purpose::Key, 1, 5),
        (Purpose::Iv, 1, 8),
        (Purpose::Key, 2, 24),
        (Purpose::Iv, 2, 8),
    ]
    .map(|(purpose, salt, len)| Request {
        purpose,
        salt: &salts[salt],
        iterations: 2048,
        len,
    });
    let mut g = c.benchmark_group("kdf: one ios-legacy file's derivations (6 x 2048)");
    g.bench_function("pbkit, together", |b| {
        b.iter(|| derive_sha1_batch(&bmp, &file))
    });
    g.bench_function("pbkit, one by one", |b| {
        b.iter(|| {
            file.iter()
                .map(|r| derive_sha1(r.purpose, &bmp, r.salt, r.iterations, r.len))
                .collect::<Vec<_>>()
        })
    });
    g.bench_function("OpenSSL, one by one", |b| {
        b.iter(|| {
            file.iter()
                .map(|r| openssl_reference(r.purpose, &bmp, r.salt, r.iterations, r.len).unwrap())
                .collect::<Vec<_>>()
        })
    });
    g.finish();

    // The unit of the compression-count limit. Throughput is compressions per second.
    let mut g = c.benchmark_group("sha1: KDF compressions, 2048 per chain");
    for chains in [1usize, 2, 4, 6] {
        g.throughput(Throughput::Elements(2048 * chains as u64));
        g.bench_function(format!("{chains} chain(s), SHA-NI"), |b| {
            let mut d = vec![[7u8; 20]; chains];
            b.iter(|| lanes::iterate(&mut d, 2048))
        });
    }
    g.throughput(Throughput::Elements(2048));
    g.bench_function("1 chain, RustCrypto sha1::compress", |b| {
        let mut d = [[7u8; 20]];
        b.iter(|| lanes::portable(&mut d, 2048))
    });
    g.finish();
}

fn files(c: &mut Criterion) {
    ensure_legacy_provider().unwrap();
    let pw = PasswordSource::File(format!("{IDS}/password").into())
        .read()
        .unwrap();
    let input = std::fs::read(format!("{IDS}/encryption.p12")).unwrap();
    let raw = RawIdentity::read(&input, &pw).unwrap();
    let id = Identity::from_pkcs12(&input, &pw).unwrap();
    // The input as shipped is ios-legacy (pbkit fixtures); each suite is written from it.

    for suite in Suite::ALL {
        let file = id.to_pkcs12(&pw, &WriteOptions::new(suite)).unwrap();
        let mut g = c.benchmark_group(format!("read a {} PKCS#12 (RSA-2048)", suite.name()));
        g.bench_function("pbkit RawIdentity::read", |b| {
            b.iter(|| RawIdentity::read(&file, &pw).unwrap())
        });
        g.bench_function("pbkit Identity::from_pkcs12 (OpenSSL objects)", |b| {
            b.iter(|| Identity::from_pkcs12(&file, &pw).unwrap())
        });
        g.bench_function("OpenSSL PKCS12_parse", |b| {
            b.iter(|| {
                Pkcs12::from_der(&file)
                    .unwrap()
                    .parse2(pw.as_str())
                    .unwrap()
            })
        });
        g.finish();
    }

    let (key, cert) = (id.key(), id.certificate().x509());
    for suite in [Suite::IosLegacy, Suite::Purebred] {
        let mut g = c.benchmark_group(format!("write a {} PKCS#12 (RSA-2048)", suite.name()));
        g.bench_function("pbkit RawIdentity::to_pkcs12", |b| {
            b.iter(|| raw.to_pkcs12(&pw, &WriteOptions::new(suite)).unwrap())
        });
        g.bench_function("OpenSSL PKCS12_create", |b| {
            b.iter(|| {
                let mut builder = Pkcs12::builder();
                builder
                    .pkey(key)
                    .cert(cert)
                    .key_algorithm(Nid::PBE_WITHSHA1AND3_KEY_TRIPLEDES_CBC)
                    .cert_algorithm(match suite {
                        Suite::IosLegacy => Nid::PBE_WITHSHA1AND40BITRC2_CBC,
                        _ => Nid::from_raw(-1),
                    })
                    .key_iter(2048)
                    .mac_iter(suite.mac_iterations(2048))
                    .mac_md(MessageDigest::sha1());
                builder.build2(pw.as_str()).unwrap().to_der().unwrap()
            })
        });
        g.finish();
    }
    c.bench_function(
        "write a modern PKCS#12 (RSA-2048; OpenSSL PKCS12_create)",
        |b| {
            b.iter(|| {
                id.to_pkcs12(&pw, &WriteOptions::new(Suite::Modern))
                    .unwrap()
            })
        },
    );

    let profile = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/profiles/purebred-exchange.toml"
    ))
    .unwrap();
    let mut g = c.benchmark_group("sign (RSA-2048, SHA-256)");
    let signer =
        pbkit_profile::Signer::new(Identity::from_pkcs12(&input, &pw).unwrap(), Vec::new());
    g.bench_function("pbkit Signer::sign (OpenSSL CMS_sign), 1 KB", |b| {
        b.iter(|| signer.sign(&profile).unwrap())
    });
    g.bench_function("the RSA private-key operation alone (OpenSSL)", |b| {
        b.iter(|| {
            let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), key).unwrap();
            signer.update(b"digest input").unwrap();
            signer.sign_to_vec().unwrap()
        })
    });
    g.finish();
}

criterion_group!(name = group; config = Criterion::default().sample_size(30); targets = kdf, files);
criterion_main!(group);
