//! Encrypting a profile to a device and decrypting it as the device would: the payloads
//! come back, and each way of failing is its own variant.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use openssl::asn1::Asn1Time;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::x509::extension::{BasicConstraints, KeyUsage};
use openssl::x509::{X509NameBuilder, X509};
use pbkit_pki::Certificate;
use pbkit_profile::encrypt::{decrypt, encrypt};
use pbkit_profile::{Error, Exchange, Profile};

/// A device identity as an MDM enrollment gives one: an end entity whose key usage
/// allows key encipherment.
fn device(name: &str, serial: u32) -> (PKey<Private>, Certificate) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut n = X509NameBuilder::new().unwrap();
    n.append_entry_by_text("CN", name).unwrap();
    let n = n.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    let serial = openssl::bn::BigNum::from_u32(serial).unwrap();
    b.set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&n).unwrap();
    b.set_issuer_name(&n).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.append_extension(BasicConstraints::new().build().unwrap())
        .unwrap();
    b.append_extension(
        KeyUsage::new()
            .digital_signature()
            .key_encipherment()
            .build()
            .unwrap(),
    )
    .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    (key, Certificate::from_x509(b.build()).unwrap())
}

fn profile() -> Vec<u8> {
    let mut b = Profile::builder("mil.test.encrypt");
    b.add(
        "exchange",
        Exchange::new("test.user1@pbkit.test", "mail.test.mil"),
    )
    .unwrap();
    b.build().to_xml()
}

#[test]
fn the_recipient_gets_the_payloads_back_and_others_get_their_variant() {
    let (key, cert) = device("device-a", 1);
    let (other_key, other_cert) = device("device-b", 2);
    let plain = profile();
    let sealed = encrypt(
        &plain,
        std::slice::from_ref(&cert),
        time::OffsetDateTime::now_utc(),
    )
    .unwrap();
    let sealed_profile = Profile::from_plist(&sealed).unwrap();
    assert!(
        sealed_profile.payloads.is_empty(),
        "payloads left in the clear"
    );

    let opened = Profile::from_plist(&decrypt(&sealed, &key, &cert).unwrap()).unwrap();
    assert_eq!(
        opened.payloads,
        Profile::from_plist(&plain).unwrap().payloads
    );

    match decrypt(&sealed, &other_key, &other_cert).unwrap_err() {
        Error::NotRecipient {
            certificate,
            recipients,
        } => {
            assert!(certificate.contains("device-b"), "{certificate}");
            assert!(recipients.contains("device-a"), "{recipients}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        decrypt(&sealed, &other_key, &cert).unwrap_err(),
        Error::Undecryptable
    ));
}
