//! Registrations on real Purebred-era identities and on the test PKI's RSA and EC users:
//! one ID for every registration, the roles of the key-sharing classification, and the
//! sample extension's RSA-only verdict.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use pbkit_keyshare::{CertType, Source};
use pbkit_pkcs12::Password;
use pbkit_token::{Operation, PlanReport, Registration};

const PUREBRED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/purebred-skp"
);

fn plan(sources: &[Source]) -> Vec<Registration> {
    sources
        .iter()
        .map(|s| Registration::of(&s.origin, s.identity.certificate()).unwrap())
        .collect()
}

#[test]
fn purebred_identities_register_under_their_certificates_sha256_and_are_served() {
    let sources = Source::read_all(&[PUREBRED.into()], &Password::new("password")).unwrap();
    let plan = plan(&sources);
    assert_eq!(plan.len(), 8);
    for (r, s) in plan.iter().zip(&sources) {
        let sha = s.identity.certificate().sha256_hex();
        assert_eq!(sha.len(), 64);
        assert!(sha
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        for id in [
            &r.token_instance_id,
            &r.certificate_object_id,
            &r.key_object_id,
            &r.label,
        ] {
            assert_eq!(id, &sha);
        }
        assert!(r.sample_extension.serves, "{r:?}");
        assert_eq!(r.key.as_ref().unwrap().algorithm, "RSA");
    }
    // The sample key provider's files: four generations of a signature and an
    // encryption identity.
    for role in [CertType::Signature, CertType::Encryption] {
        assert_eq!(
            plan.iter().filter(|r| r.role == role).count(),
            4,
            "{role:?}"
        );
    }
    let encryption = plan
        .iter()
        .find(|r| r.role == CertType::Encryption)
        .unwrap();
    assert_eq!(encryption.mail_needs, [Operation::Decrypt]);
    let report = PlanReport(&plan).to_string();
    assert!(
        report.ends_with("8 of 8 credentials served by the sample extension\n"),
        "{report}"
    );
}

#[test]
fn ec_identities_register_but_the_sample_extension_serves_them_nothing() {
    let opts = pbkit_fixtures::Options {
        users: 1,
        generations: 1,
        key: pbkit_fixtures::KeyKind::EcP256,
        ..pbkit_fixtures::Options::default()
    };
    let pki = pbkit_fixtures::generate(&opts, &|| ()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    pki.write(dir.path()).unwrap();
    let user = dir.path().join("users/test.user1");
    let sources = Source::read_all(&[user], pki.password()).unwrap();
    let plan = plan(&sources);
    assert!(!plan.is_empty());
    for r in &plan {
        assert_eq!(r.key.as_ref().unwrap().algorithm, "EC");
        assert!(!r.sample_extension.serves, "{r:?}");
        assert!(
            r.sample_extension
                .problems
                .iter()
                .any(|p| p.contains("RSA only")),
            "{r:?}"
        );
        assert_eq!(r.label, r.token_instance_id);
    }
}
