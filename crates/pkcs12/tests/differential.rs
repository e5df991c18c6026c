//! pbkit's own PKCS#12 reader against OpenSSL's `PKCS12_parse`, on the real fixtures, on
//! every suite pbkit writes, and on damaged copies: same identity out, same accept/reject.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use openssl::pkcs12::Pkcs12;
use pbkit_pkcs12::{
    ensure_legacy_provider, inspect, Error, Identity, IosImport, Password, Suite, WriteOptions,
};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/purebred-skp"
);

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    v.sort();
    assert_eq!(v.len(), 8);
    v
}

fn openssl_reads(
    der: &[u8],
    pw: &str,
) -> Option<(openssl::pkey::PKey<openssl::pkey::Private>, Vec<u8>)> {
    ensure_legacy_provider().unwrap();
    let parsed = Pkcs12::from_der(der).ok()?.parse2(pw).ok()?;
    Some((parsed.pkey?, parsed.cert?.to_der().unwrap()))
}

fn assert_same(der: &[u8], pw: &str, what: &str) {
    let ours =
        Identity::from_pkcs12(der, &Password::new(pw)).unwrap_or_else(|e| panic!("{what}: {e}"));
    let (key, cert) = openssl_reads(der, pw).unwrap_or_else(|| panic!("{what}: OpenSSL refused"));
    assert_eq!(ours.certificate().der(), cert.as_slice(), "{what}");
    assert!(ours.key().public_eq(&key), "{what}");
    assert_eq!(
        ours.key().private_key_to_pkcs8().unwrap(),
        key.private_key_to_pkcs8().unwrap(),
        "{what}"
    );
}

#[test]
fn real_fixtures_read_the_same_as_openssl() {
    for (name, der) in fixtures() {
        assert_same(&der, "password", &name);
    }
}

#[test]
fn every_written_suite_reads_the_same_as_openssl() {
    for (name, der) in fixtures().into_iter().take(2) {
        let id = Identity::from_pkcs12(&der, &Password::new("password")).unwrap();
        for suite in Suite::ALL {
            for iterations in [1, 2048] {
                let pw = Password::generate();
                let out = id
                    .to_pkcs12(
                        &pw,
                        &WriteOptions::new(suite)
                            .iterations(iterations)
                            .friendly_name("SKP"),
                    )
                    .unwrap();
                assert_same(&out, pw.as_str(), &format!("{name} {suite} {iterations}"));
                let back = Identity::from_pkcs12(&out, &pw).unwrap();
                assert_eq!(back.friendly_name(), Some("SKP"));
                assert_eq!(inspect(&out, None).unwrap().suite, Some(suite), "{suite}");
            }
        }
    }
}

/// Truncations and single-bit flips: pbkit accepts exactly when OpenSSL does, never panics,
/// and when both accept they agree on the identity.
#[test]
fn damaged_files_get_the_same_verdict_as_openssl() {
    let (_, der) = &fixtures()[0];
    let mut cases: Vec<Vec<u8>> = (0..der.len())
        .step_by(97)
        .map(|n| der[..n].to_vec())
        .collect();
    for i in (0..der.len()).step_by(13) {
        let mut d = der.clone();
        d[i] ^= 1 << (i % 8);
        cases.push(d);
    }
    let mut rejected = 0;
    for (i, case) in cases.iter().enumerate() {
        let ours = Identity::from_pkcs12(case, &Password::new("password"));
        let theirs = openssl_reads(case, "password");
        match (&ours, &theirs) {
            (Ok(a), Some((key, cert))) => {
                assert_eq!(a.certificate().der(), cert.as_slice(), "case {i}");
                assert!(a.key().public_eq(key), "case {i}");
            }
            (Err(_), None) => rejected += 1,
            _ => panic!(
                "case {i}: pbkit {:?} vs OpenSSL {}",
                ours.err(),
                if theirs.is_some() {
                    "accepts"
                } else {
                    "rejects"
                }
            ),
        }
    }
    assert!(rejected > cases.len() / 2, "{rejected} of {}", cases.len());
}

/// Found by the `pkcs12_differential` fuzz target: OpenSSL's `d2i_PKCS12` ignores bytes
/// after the PFX, and so does pbkit now (they are outside the MAC); `inspect` counts them.
#[test]
fn bytes_after_the_pfx_are_ignored_as_openssl_ignores_them() {
    let (name, der) = &fixtures()[0];
    let mut padded = der.clone();
    padded.extend_from_slice(&[0xA5; 111]);
    assert_same(&padded, "password", name);
    assert_eq!(inspect(&padded, None).unwrap().trailing_bytes, 111);
    assert_eq!(inspect(der, None).unwrap().trailing_bytes, 0);
}

#[test]
fn wrong_password_and_not_pkcs12_are_named() {
    let (_, der) = &fixtures()[0];
    assert!(matches!(
        Identity::from_pkcs12(der, &Password::new("Password")),
        Err(Error::WrongPassword)
    ));
    assert!(matches!(
        Identity::from_pkcs12(&der[..10], &Password::new("password")),
        Err(Error::NotPkcs12)
    ));
    let cert = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/fpki/fcpca-g2.pem"
    ))
    .unwrap();
    assert!(matches!(
        Identity::from_pkcs12(&cert, &Password::new("x")),
        Err(Error::NotPkcs12)
    ));
}

#[test]
fn inspect_shows_the_purebred_era_structure_without_a_password() {
    let (_, der) = &fixtures()[0];
    let r = inspect(der, None).unwrap();
    let mac = r.mac.as_ref().unwrap();
    assert_eq!(
        (mac.digest.name(), mac.iterations, mac.salt_bytes),
        ("SHA-1", 1, 8)
    );
    assert_eq!(r.safes.len(), 2);
    assert_eq!(
        r.safes[0].encryption.as_deref(),
        Some("pbeWithSHA1And40BitRC2-CBC")
    );
    assert_eq!(r.safes[0].iterations, Some(2048));
    assert!(
        r.safes[0].bags.is_none(),
        "encrypted safe is opaque without the password"
    );
    let key_bag = &r.safes[1].bags.as_ref().unwrap()[0];
    assert_eq!(key_bag.kind, "pkcs8-shrouded-key");
    assert_eq!(
        key_bag.encryption.as_deref(),
        Some("pbeWithSHA1And3-KeyTripleDES-CBC")
    );
    assert_eq!(r.suite, Some(Suite::IosLegacy));
    assert_eq!(r.ios.import, IosImport::Works);
    assert!(r.identities.is_none());
}

#[test]
fn inspect_with_the_password_shows_identities_and_names() {
    let der = std::fs::read(format!(
        "{FIXTURES}/974a6Fd70bba0f77fc2bf9fb192cee4391575173.p12"
    ))
    .unwrap();
    let r = inspect(&der, Some(&Password::new("password"))).unwrap();
    let ids = r.identities.unwrap();
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].certificate.as_ref().unwrap().serial, "025722");
    assert_eq!(
        ids[0].friendly_name.as_deref(),
        Some("/C=US/O=Fake/O=U.S. Government/OU=DoD/OU=PKI/OU=DISA/CN=pb.user1.1000011111")
    );
    assert!(r.extra_certificates.unwrap().is_empty());
    let cert_bag = &r.safes[0].bags.as_ref().unwrap()[0];
    assert_eq!(cert_bag.kind, "certificate");
    assert_eq!(
        cert_bag.local_key_id.as_deref(),
        Some("1CE106A217F622D62164E9843EA66CF263A66624")
    );
}

#[test]
fn modern_suite_is_flagged_risky_for_ios() {
    let (_, der) = &fixtures()[0];
    let id = Identity::from_pkcs12(der, &Password::new("password")).unwrap();
    let pw = Password::generate();
    let out = id
        .to_pkcs12(&pw, &WriteOptions::new(Suite::Modern))
        .unwrap();
    assert_eq!(inspect(&out, None).unwrap().ios.import, IosImport::Risky);
    let purebred = id
        .to_pkcs12(&pw, &WriteOptions::new(Suite::Purebred))
        .unwrap();
    let r = inspect(&purebred, None).unwrap();
    assert_eq!(r.ios.import, IosImport::Works);
    assert_eq!(r.safes.len(), 2);
    assert!(
        r.safes.iter().all(|s| s.encryption.is_none()),
        "purebred: no encrypted safe"
    );
}

/// pbkit's KDF against OpenSSL's PKCS12_key_gen_uni, byte for byte.
#[test]
fn kdf_equals_openssl() {
    use pbkit_pkcs12::kdf::{bmp_password, derive_sha1, openssl_reference, Purpose};
    for pw in ["password", "", "\u{e9}t\u{e9}"] {
        let bmp = bmp_password(pw);
        for salt in [&b"saltsalt"[..], &[0xA5; 20][..]] {
            for iterations in [1, 2, 2048] {
                for (purpose, len) in [
                    (Purpose::Key, 24),
                    (Purpose::Iv, 8),
                    (Purpose::Mac, 20),
                    (Purpose::Key, 5),
                ] {
                    assert_eq!(
                        &*derive_sha1(purpose, &bmp, salt, iterations, len),
                        openssl_reference(purpose, &bmp, salt, iterations, len)
                            .unwrap()
                            .as_slice(),
                        "{pw:?} {iterations} {purpose:?} {len}"
                    );
                }
            }
        }
    }
}

/// RawIdentity (no OpenSSL decoding) finds the same key and certificate as Identity, for
/// RSA fixtures in every suite and for EC keys, and refuses a key that is not the
/// certificate's.
#[test]
fn raw_identity_equals_identity_and_refuses_a_foreign_key() {
    use pbkit_pkcs12::RawIdentity;
    let check = |der: &[u8], pw: &Password, what: &str| {
        let id = Identity::from_pkcs12(der, pw).unwrap();
        let raw = RawIdentity::read(der, pw).unwrap();
        assert_eq!(raw.certificate, id.certificate().der(), "{what}");
        let key = openssl::pkey::PKey::private_key_from_pkcs8(&raw.pkcs8).unwrap();
        assert!(key.public_eq(id.key()), "{what}");
    };
    for (name, der) in fixtures() {
        check(&der, &Password::new("password"), &name);
    }
    let (_, der) = &fixtures()[0];
    let rsa = Identity::from_pkcs12(der, &Password::new("password")).unwrap();
    let (ec_key, ec_cert) = pbkit_pkcs12::doc_identity();
    let ec = Identity::new(ec_key, ec_cert).unwrap();
    let pw = Password::generate();
    for suite in Suite::ALL {
        for (label, id) in [("rsa", &rsa), ("ec", &ec)] {
            let out = id.to_pkcs12(&pw, &WriteOptions::new(suite)).unwrap();
            check(&out, &pw, &format!("{label} {suite}"));
        }
    }
    // A key written beside a certificate that is not its own must be refused by both
    // readers: the EC key with the RSA certificate, the other way round, and two RSA keys
    // (same algorithm, different modulus).
    let foreign = |pkcs8: &[u8], cert: &Identity, suite| {
        let raw = RawIdentity {
            pkcs8: pkcs8.to_vec().into(),
            certificate: cert.certificate().der().to_vec(),
            chain: Vec::new(),
        };
        let der = raw.to_pkcs12(&pw, &WriteOptions::new(suite)).unwrap();
        assert!(matches!(
            RawIdentity::read(&der, &pw),
            Err(Error::KeyMatchesNoCertificate)
        ));
        der
    };
    for (key, cert) in [(&ec, &rsa), (&rsa, &ec)] {
        let der = foreign(
            &key.key().private_key_to_pkcs8().unwrap(),
            cert,
            Suite::IosLegacy,
        );
        assert!(matches!(
            Identity::from_pkcs12(&der, &pw),
            Err(Error::KeyMatchesNoCertificate)
        ));
    }
    let other = openssl::pkey::PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    foreign(
        &other.private_key_to_pkcs8().unwrap(),
        &rsa,
        Suite::Purebred,
    );
}

/// Several files read, and written, in one KDF batch (a rollout user's two identities) are
/// each what reading or writing them alone gives: the real fixtures read together equal
/// each read alone, a damaged one among them fails alone, and files written together are
/// read by OpenSSL with the same key and certificate.
#[test]
fn files_read_and_written_together_are_each_as_alone() {
    use pbkit_pkcs12::RawIdentity;
    let pw = Password::new("password");
    let files = fixtures();
    let ders: [&[u8]; 8] = std::array::from_fn(|i| files[i].1.as_slice());
    let together = RawIdentity::read_many(ders, &pw);
    for ((name, der), raw) in files.iter().zip(&together) {
        let alone = RawIdentity::read(der, &pw).unwrap();
        let raw = raw.as_ref().unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(raw.certificate, alone.certificate, "{name}");
        assert_eq!(*raw.pkcs8, *alone.pkcs8, "{name}");
    }
    let mut damaged = files[1].1.clone();
    let n = damaged.len();
    damaged[n - 30] ^= 0xFF; // inside the MAC
    let mixed = RawIdentity::read_many([&files[0].1, &damaged, &files[2].1], &pw);
    assert!(mixed[0].is_ok() && mixed[2].is_ok());
    assert!(
        matches!(mixed[1], Err(Error::WrongPassword)),
        "a damaged MAC is a wrong password: {:?}",
        mixed[1].as_ref().err()
    );
    for suite in [Suite::IosLegacy, Suite::Purebred] {
        let refs: [&RawIdentity; 8] = std::array::from_fn(|i| together[i].as_ref().unwrap());
        let fresh = Password::new("fr3sh-and-long-enough");
        let written = RawIdentity::to_pkcs12_many(refs, &fresh, &WriteOptions::new(suite)).unwrap();
        for (i, (der, id)) in written.iter().zip(&refs).enumerate() {
            let (_, cert) = openssl_reads(der, fresh.as_str())
                .unwrap_or_else(|| panic!("{suite:?} file {i}: OpenSSL refused"));
            assert_eq!(cert, id.certificate, "{suite:?} file {i}");
        }
    }
}
