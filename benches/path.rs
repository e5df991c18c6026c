//! Path building: the real FPKI pool, and a pathological pool of 100 certificates that
//! share one subject and one key (half of them loops).
//!
//! `cargo bench --bench path`

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use criterion::{criterion_group, criterion_main, Criterion};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509Name, X509};
use pbkit_pki::path::{build_path, PathOptions};
use pbkit_pki::{bundle, Certificate};

fn key() -> PKey<Private> {
    PKey::from_ec_key(
        EcKey::generate(&EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap()).unwrap(),
    )
    .unwrap()
}

fn name(cn: &str) -> X509Name {
    let mut b = X509Name::builder().unwrap();
    b.append_entry_by_text("CN", cn).unwrap();
    b.build()
}

fn ca(
    cn: &str,
    k: &PKey<Private>,
    issuer: Option<(&str, &PKey<Private>, &X509)>,
    serial: u32,
) -> X509 {
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(serial).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name(cn)).unwrap();
    b.set_issuer_name(&name(issuer.map_or(cn, |i| i.0)))
        .unwrap();
    b.set_pubkey(k).unwrap();
    b.set_not_before(&Asn1Time::from_unix(1_700_000_000).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(1_900_000_000).unwrap())
        .unwrap();
    b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
        .unwrap();
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()
            .unwrap(),
    )
    .unwrap();
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    if let Some((_, _, icert)) = issuer {
        let aki = AuthorityKeyIdentifier::new()
            .keyid(true)
            .build(&b.x509v3_context(Some(icert), None))
            .unwrap();
        b.append_extension(aki).unwrap();
    }
    b.sign(issuer.map_or(k, |i| i.1), MessageDigest::sha256())
        .unwrap();
    b.build()
}

fn paths(c: &mut Criterion) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fpki");
    let (pool, _) = bundle::read_pool(&[dir]).unwrap();
    let leaf = bundle::read_file(format!("{dir}/dod-id-ca-63.pem"))
        .unwrap()
        .remove(0);
    let anchor = bundle::read_file(format!("{dir}/fcpca-g2.pem")).unwrap();
    let at = time::macros::datetime!(2026-11-22 0:00 UTC);
    c.bench_function("path/fpki dod-id-ca-63 (22-certificate pool)", |b| {
        b.iter(|| {
            build_path(&leaf, &pool, &anchor, &PathOptions::new(at))
                .unwrap()
                .best
                .unwrap()
        })
    });

    let (root_key, mid_key, leaf_key) = (key(), key(), key());
    let root = ca("Root", &root_key, None, 1);
    let mid_self = ca("Mid", &mid_key, None, 2);
    let leaf = ca("Leaf CA", &leaf_key, Some(("Mid", &mid_key, &mid_self)), 3);
    let pool: Vec<Certificate> = (0..100)
        .map(|i| {
            let issuer = if i % 2 == 0 {
                ("Mid", &mid_key, &mid_self)
            } else {
                ("Root", &root_key, &root)
            };
            Certificate::from_x509(ca("Mid", &mid_key, Some(issuer), 100 + i)).unwrap()
        })
        .collect();
    let leaf = Certificate::from_x509(leaf).unwrap();
    let anchors = [Certificate::from_x509(root).unwrap()];
    let at = time::macros::datetime!(2026-01-01 0:00 UTC);
    c.bench_function("path/100 certificates, one subject and key", |b| {
        b.iter(|| {
            build_path(&leaf, &pool, &anchors, &PathOptions::new(at))
                .unwrap()
                .best
                .unwrap()
        })
    });
}

criterion_group!(benches, paths);
criterion_main!(benches);
