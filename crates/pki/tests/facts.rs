//! `Facts::from_der` reads without OpenSSL what OpenSSL would say: serial, key identifiers,
//! key algorithm and size, signature algorithm, self-signature, on every real certificate
//! in the fixtures (the Federal PKI, pyca's x509 vectors, limbo's keys of every kind), and
//! decodes through OpenSSL only where it must.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use pbkit_pki::{openssl_decodes, Certificate, Facts};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures");

fn certificates() -> Vec<Certificate> {
    let mut out = Vec::new();
    for dir in ["fpki", "peers/pyca", "peers/pyca/x509"] {
        for e in std::fs::read_dir(format!("{FIXTURES}/{dir}")).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "pem") {
                out.extend(pbkit_pki::bundle::read_file(&p).unwrap_or_default());
            }
        }
    }
    let limbo: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{FIXTURES}/peers/limbo/limbo.json")).unwrap(),
    )
    .unwrap();
    for case in limbo["testcases"].as_array().unwrap() {
        for pem in case["trusted_certs"].as_array().unwrap() {
            out.extend(
                pbkit_pki::bundle::parse(pem.as_str().unwrap().as_bytes(), "l").unwrap_or_default(),
            );
        }
        if let Ok(c) =
            pbkit_pki::bundle::parse(case["peer_certificate"].as_str().unwrap().as_bytes(), "l")
        {
            out.extend(c);
        }
    }
    assert!(out.len() > 300, "{}", out.len());
    out
}

#[test]
fn facts_from_der_say_what_openssl_says() {
    for cert in certificates() {
        let Ok(facts) = Facts::from_der(cert.der()) else {
            continue;
        };
        let x = cert.x509();
        let subject = &facts.subject;
        let subject = &format!("{subject} {:?}", facts.problems);
        let bn = x.serial_number().to_bn().unwrap();
        assert_eq!(
            facts.serial,
            bn.to_hex_str().unwrap().to_string(),
            "{subject}"
        );
        // OpenSSL drops every cached extension value of a certificate it finds
        // inconsistent (a malformed SAN, a CA flag at odds with its key usage); pbkit
        // still reports the key identifiers the DER holds. Where OpenSSL has one, they agree.
        if let Some(ski) = x.subject_key_id() {
            let ski = pbkit_pki::hex::upper(ski.as_slice());
            assert_eq!(facts.subject_key_id.as_ref(), Some(&ski), "{subject}");
        }
        if let Some(aki) = x.authority_key_id() {
            let aki = pbkit_pki::hex::upper(aki.as_slice());
            assert_eq!(facts.authority_key_id.as_ref(), Some(&aki), "{subject}");
        }
        assert_eq!(
            facts.signature_algorithm,
            x.signature_algorithm()
                .object()
                .nid()
                .long_name()
                .unwrap_or("unknown"),
            "{subject}"
        );
        assert_eq!(facts.self_signed, cert.is_self_signed(), "{subject}");
        if let Ok(key) = x.public_key() {
            let info = facts
                .key
                .as_ref()
                .expect("a key OpenSSL decodes is described");
            assert_eq!(info.bits, key.bits(), "{subject}");
        }
    }
}

#[test]
fn an_ordinary_certificate_is_read_without_openssl() {
    let der = std::fs::read(format!("{FIXTURES}/fpki/dod-id-ca-63.pem")).unwrap();
    let cert = pbkit_pki::bundle::parse(&der, "x").unwrap().remove(0);
    let before = openssl_decodes();
    let facts = Facts::from_der(cert.der()).unwrap();
    assert_eq!(
        openssl_decodes(),
        before,
        "an RSA certificate issued by another"
    );
    assert_eq!(facts.key.unwrap().bits, 2048);
}
