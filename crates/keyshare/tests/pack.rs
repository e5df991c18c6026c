//! The pack and open sides of key sharing, on the real Purebred-era fixtures and on a
//! certificate made to break the S/MIME fitness rule.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::path::Path;

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::extension::{ExtendedKeyUsage, KeyUsage};
use openssl::x509::{X509NameBuilder, X509};
use pbkit_keyshare::{open, CertType, PackOptions, Plan, Selection, Source};
use pbkit_pkcs12::{Identity, Password, Suite, WriteOptions};
use pbkit_pki::Certificate;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/purebred-skp"
);

fn purebred_sources() -> Vec<Source> {
    Source::read_all(&[FIXTURES.into()], &Password::new("password")).unwrap()
}

#[test]
fn an_input_that_does_not_open_stops_the_pack_and_is_named() {
    let Err(e) = Source::read_all(&[FIXTURES.into()], &Password::new("wrong")) else {
        panic!("opened with a wrong password")
    };
    match e {
        pbkit_keyshare::Error::Input { path, .. } => assert!(path.starts_with(FIXTURES), "{path}"),
        other => panic!("{other:?}"),
    }
}

/// A signature-class identity (digitalSignature, nonRepudiation) whose EKU is serverAuth only and whose
/// SAN has no email: the provider packs it, iOS Mail cannot sign with it.
fn unfit_signature() -> Identity {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "not-for-mail").unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.append_extension(
        KeyUsage::new()
            .critical()
            .digital_signature()
            .non_repudiation()
            .build()
            .unwrap(),
    )
    .unwrap();
    b.append_extension(ExtendedKeyUsage::new().server_auth().build().unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    Identity::new(key, Certificate::from_x509(b.build()).unwrap()).unwrap()
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn purebred_fixtures_pack_as_the_provider_packs_them_and_open_cleanly() {
    let plan = Plan::new(purebred_sources(), time::OffsetDateTime::now_utc()).unwrap();
    // The fixtures are all fit for their Mail use: no fitness warning.
    assert!(
        !plan
            .warnings
            .iter()
            .any(|w| w.contains("iOS Mail") || w.contains("without")),
        "{:?}",
        plan.warnings
    );
    assert_eq!(plan.selection(Selection::Unfiltered).len(), 8);
    let dir = tempfile::tempdir().unwrap();
    let password = Password::generate();
    let manifest = plan
        .write(
            dir.path(),
            PackOptions::for_format(pbkit_keyshare::Format::V2025),
            &password,
        )
        .unwrap();
    assert_eq!(manifest.entries.len(), 8);
    assert_eq!(mode(&dir.path().join("password")), 0o600);
    assert_eq!(mode(&dir.path().join("All.zip")), 0o600);
    let all = std::fs::read(dir.path().join("All.zip")).unwrap();
    let imported = open(&all, "All.zip", &password).unwrap();
    assert_eq!(imported.len(), 5);
    for i in &imported {
        assert!(i.problems.is_empty(), "{}: {:?}", i.name, i.problems);
    }
    // The select.* folder beside the archive opens as the archive does.
    let folder = pbkit_keyshare::open_path(&dir.path().join("All"), &password).unwrap();
    let names = |v: &[pbkit_keyshare::Imported]| -> Vec<String> {
        v.iter().map(|i| i.name.clone()).collect()
    };
    assert_eq!(names(&folder), names(&imported));
    let wrong = open(&all, "All.zip", &Password::new("wrong")).unwrap();
    assert!(wrong
        .iter()
        .all(|i| i.problems.iter().any(|p| p.contains("wrong password"))));
}

#[test]
fn an_identity_mail_cannot_use_is_packed_with_a_warning_and_opened_with_a_problem() {
    let id = unfit_signature();
    let facts = id.certificate().facts().unwrap();
    assert_eq!(
        pbkit_keyshare::classify(&facts).cert_type,
        CertType::Signature
    );
    let password = Password::generate();
    let der = id
        .to_pkcs12(&password, &WriteOptions::new(Suite::Purebred))
        .unwrap();
    let plan = Plan::new(
        vec![Source {
            origin: "unfit.p12".into(),
            identity: id,
        }],
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let warned: Vec<_> = plan
        .warnings
        .iter()
        .filter(|w| w.contains("unfit.p12"))
        .collect();
    assert_eq!(warned.len(), 2, "{:?}", plan.warnings);
    assert!(warned.iter().any(|w| w.contains("without emailProtection")));
    assert!(warned.iter().any(|w| w.contains("no SAN email")));

    let name = format!("signature_{}.p12", facts.serial);
    let imported = open(&der, &name, &password).unwrap();
    assert!(
        imported[0]
            .problems
            .iter()
            .any(|p| p.starts_with("iOS Mail:")),
        "{:?}",
        imported[0].problems
    );
}
