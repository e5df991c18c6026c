//! Path building on the real DoD / Federal PKI certificates.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use pbkit_pki::path::{build_path, PathOptions};
use pbkit_pki::{bundle, Certificate};
use proptest::prelude::*;
use time::macros::datetime;
use time::OffsetDateTime;

const FPKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/fpki");

fn cert(name: &str) -> Certificate {
    bundle::read_file(format!("{FPKI}/{name}.pem"))
        .unwrap()
        .remove(0)
}

fn pool() -> Vec<Certificate> {
    let mut files: Vec<_> = std::fs::read_dir(FPKI)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| bundle::read_file(f).unwrap())
        .collect()
}

fn cn(c: &Certificate) -> String {
    let s = c.facts().unwrap().subject;
    s.rsplit(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap()
        .to_string()
}

fn path_names(leaf: &str, at: OffsetDateTime, pool: &[Certificate]) -> Option<Vec<String>> {
    let out = build_path(
        &cert(leaf),
        pool,
        &[cert("fcpca-g2")],
        &PathOptions::new(at),
    )
    .unwrap();
    out.best.map(|p| p.certificates.iter().map(cn).collect())
}

const NOW: OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

#[test]
fn every_current_dod_issuing_ca_gets_the_five_level_path() {
    let pool = pool();
    for (leaf, name) in [
        ("dod-id-ca-63", "DOD ID CA-63"),
        ("dod-email-ca-63", "DOD EMAIL CA-63"),
        ("dod-sw-ca-66", "DOD SW CA-66"),
        ("dod-id-ca-71", "DOD ID CA-71"),
        ("dod-email-ca-71", "DOD EMAIL CA-71"),
        ("dod-sw-ca-75", "DOD SW CA-75"),
    ] {
        let out = build_path(
            &cert(leaf),
            &pool,
            &[cert("fcpca-g2")],
            &PathOptions::new(NOW),
        )
        .unwrap();
        let best = out
            .best
            .unwrap_or_else(|| panic!("{leaf}: {:#?}", out.rejected));
        let names: Vec<_> = best.certificates.iter().map(cn).collect();
        assert_eq!(
            names,
            [
                name,
                "DoD Root CA 3",
                "DoD Interoperability Root CA 2",
                "Federal Bridge CA G4"
            ],
            "{leaf}"
        );
        // The current cross-certificates, not the expired ones with the same subject and key.
        assert_eq!(best.certificates[1], cert("dod-root-ca-3-by-dod-irca2"));
        assert_eq!(best.certificates[2], cert("dod-irca2-by-fbca-g4"));
        assert_eq!(best.certificates[3], cert("fbca-g4-by-fcpca-g2"));
        assert_eq!(cn(&best.anchor), "Federal Common Policy CA G2");
        assert!(!out.bounded);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// OpenSSL's own verifier passes or fails depending on the pool's order; the search
    /// does not.
    #[test]
    fn the_pool_order_does_not_matter(seed in any::<u64>()) {
        let mut pool = pool();
        // Fisher-Yates with a small LCG: the seed is the whole order.
        let mut x = seed;
        for i in (1..pool.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            pool.swap(i, (x >> 33) as usize % (i + 1));
        }
        for leaf in ["dod-id-ca-63", "dod-sw-ca-75"] {
            let names = path_names(leaf, NOW, &pool).unwrap();
            prop_assert_eq!(names.len(), 4);
            prop_assert_eq!(&names[2], "DoD Interoperability Root CA 2");
        }
    }
}

#[test]
fn expired_issuing_cas_get_a_path_at_a_date_inside_their_validity() {
    let pool = pool();
    let at = datetime!(2024-06-01 0:00 UTC);
    for leaf in ["dod-id-ca-59", "dod-email-ca-59"] {
        assert!(
            path_names(leaf, NOW, &pool).is_none(),
            "{leaf} is expired now"
        );
        let out = build_path(
            &cert(leaf),
            &pool,
            &[cert("fcpca-g2")],
            &PathOptions::new(at),
        )
        .unwrap();
        let best = out.best.unwrap();
        // The crosses valid in 2024, which have since expired.
        assert_eq!(
            best.certificates[1],
            cert("dod-root-ca-3-by-dod-irca2-2021-expired")
        );
        assert_eq!(
            best.certificates[2],
            cert("dod-irca2-by-fbca-g4-2023-expired")
        );
        assert_eq!(best.certificates.len(), 4);
    }
}

/// DoD ID SW CA-37 (2015-2021): its era's cross-certificates are not in the pool, the CCEB
/// one leads nowhere. No path, and the reasons say so.
#[test]
fn no_path_comes_with_reasons() {
    let out = build_path(
        &cert("dod-id-sw-ca-37"),
        &pool(),
        &[cert("fcpca-g2")],
        &PathOptions::new(datetime!(2018-01-01 0:00 UTC)),
    )
    .unwrap();
    assert!(out.best.is_none());
    let reasons: Vec<String> = out
        .rejected
        .iter()
        .map(|r| format!("{}: {}", r.path.join(" <- "), r.reason))
        .collect();
    assert!(reasons.iter().any(|r| r.contains("dead end: no certificate of US DoD CCEB Interoperability Root CA 2 (the issuer of DoD Root CA 3)")), "{reasons:#?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("certificate is not yet valid") || r.contains("has expired")),
        "{reasons:#?}"
    );
}

/// An anchor need not be self-signed: trusting the bridge cross-certificate ends the path there.
#[test]
fn a_non_self_signed_anchor_is_a_partial_chain() {
    let out = build_path(
        &cert("dod-sw-ca-66"),
        &pool(),
        &[cert("fbca-g4-by-fcpca-g2")],
        &PathOptions::new(NOW),
    )
    .unwrap();
    let best = out.best.unwrap();
    assert_eq!(best.certificates.len(), 3);
    assert_eq!(best.anchor, cert("fbca-g4-by-fcpca-g2"));
    let (link, when) = best.earliest_expiry().unwrap();
    assert_eq!(link, cert("dod-root-ca-3-by-dod-irca2"));
    assert_eq!(when, datetime!(2027-10-09 14:31:43 UTC));
}

mod generated {
    //! Small PKIs made here, for shapes the real fixtures lack.
    use super::*;
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

    pub(crate) fn key() -> PKey<Private> {
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

    /// A CA certificate `cn` with `key`, issued by (`issuer_cn`, `issuer_key`).
    pub(crate) fn ca(
        cn: &str,
        key: &PKey<Private>,
        issuer_cn: &str,
        issuer_key: &PKey<Private>,
        serial: u32,
        md: MessageDigest,
    ) -> Certificate {
        ca_with(cn, key, (issuer_cn, issuer_key), serial, md, None)
    }

    /// [`ca`] with one more extension, given in OpenSSL's config syntax (`nid`, `value`).
    pub(crate) fn ca_with(
        cn: &str,
        key: &PKey<Private>,
        (issuer_cn, issuer_key): (&str, &PKey<Private>),
        serial: u32,
        md: MessageDigest,
        extra: Option<(Nid, &str)>,
    ) -> Certificate {
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        b.set_serial_number(&BigNum::from_u32(serial).unwrap().to_asn1_integer().unwrap())
            .unwrap();
        b.set_subject_name(&name(cn)).unwrap();
        b.set_issuer_name(&name(issuer_cn)).unwrap();
        b.set_pubkey(key).unwrap();
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
        if issuer_cn != cn {
            // X509_STRICT wants an AKI on every issued certificate: the issuer's key id.
            let issuer = ca(
                issuer_cn,
                issuer_key,
                issuer_cn,
                issuer_key,
                0,
                MessageDigest::sha256(),
            );
            let aki = AuthorityKeyIdentifier::new()
                .keyid(true)
                .build(&b.x509v3_context(Some(issuer.x509()), None))
                .unwrap();
            b.append_extension(aki).unwrap();
        }
        if let Some((nid, value)) = extra {
            // rust-openssl builds nameConstraints only from config text.
            #[allow(deprecated)]
            let ext = openssl::x509::X509Extension::new_nid(None, None, nid, value).unwrap();
            b.append_extension(ext).unwrap();
        }
        b.sign(issuer_key, md).unwrap();
        Certificate::from_x509(b.build()).unwrap()
    }
}

const GEN_AT: OffsetDateTime = datetime!(2026-01-01 0:00 UTC);

/// A hundred certificates with one subject and one key (issued by each other and by a
/// real issuer): the search stays bounded and still finds the path.
#[test]
fn a_pathological_pool_stays_bounded() {
    use openssl::hash::MessageDigest;
    let sha = MessageDigest::sha256();
    let root_key = generated::key();
    let root = generated::ca("Root", &root_key, "Root", &root_key, 1, sha);
    let mid_key = generated::key();
    let leaf_key = generated::key();
    let leaf = generated::ca("Leaf CA", &leaf_key, "Mid", &mid_key, 2, sha);
    let mut pool = Vec::new();
    for i in 0..100 {
        // Half are self-issued (loops), half issued by the root (all valid alternatives).
        let issuer = if i % 2 == 0 {
            ("Mid", &mid_key)
        } else {
            ("Root", &root_key)
        };
        pool.push(generated::ca(
            "Mid",
            &mid_key,
            issuer.0,
            issuer.1,
            100 + i,
            sha,
        ));
    }
    let out = build_path(&leaf, &pool, &[root], &PathOptions::new(GEN_AT)).unwrap();
    assert_eq!(out.best.unwrap().certificates.len(), 2);
    assert!(out.validations <= 8, "{} validations", out.validations);
    assert!(!out.bounded);
}

/// SHA-1-signed links are refused at security level 2 unless allowed.
#[test]
fn sha1_links_need_allow_sha1() {
    use openssl::hash::MessageDigest;
    let root_key = generated::key();
    let root = generated::ca(
        "Root",
        &root_key,
        "Root",
        &root_key,
        1,
        MessageDigest::sha256(),
    );
    let mid_key = generated::key();
    let mid = generated::ca("Mid", &mid_key, "Root", &root_key, 2, MessageDigest::sha1());
    let leaf = generated::ca(
        "Leaf CA",
        &generated::key(),
        "Mid",
        &mid_key,
        3,
        MessageDigest::sha256(),
    );
    let strict = build_path(
        &leaf,
        std::slice::from_ref(&mid),
        std::slice::from_ref(&root),
        &PathOptions::new(GEN_AT),
    )
    .unwrap();
    assert!(strict.best.is_none());
    assert!(
        strict.rejected[0].reason.contains("too weak")
            || strict.rejected[0].reason.contains("signature"),
        "{:?}",
        strict.rejected
    );
    let mut opts = PathOptions::new(GEN_AT);
    opts.allow_sha1 = true;
    assert!(build_path(&leaf, &[mid], &[root], &opts)
        .unwrap()
        .best
        .is_some());
}

/// Ten CAs, each cross-certified by every other, and CA0 also certified by the anchor: the
/// search must try every issuer of CA0, not follow the mesh's loops (openssl verify finds
/// leaf <- CA0 <- anchor).
#[test]
fn a_mesh_of_cross_certified_cas_still_yields_the_direct_path() {
    use openssl::hash::MessageDigest;
    let sha = MessageDigest::sha256();
    let anchor_key = generated::key();
    let anchor = generated::ca("Anchor", &anchor_key, "Anchor", &anchor_key, 1, sha);
    let keys: Vec<_> = (0..10).map(|_| generated::key()).collect();
    let names: Vec<String> = (0..10).map(|i| format!("CA{i}")).collect();
    let mut pool = Vec::new();
    let mut serial = 10;
    for i in 0..10 {
        for j in 0..10 {
            if i != j {
                serial += 1;
                pool.push(generated::ca(
                    &names[i], &keys[i], &names[j], &keys[j], serial, sha,
                ));
            }
        }
    }
    // Last in the pool: a naive search meets the mesh first.
    pool.push(generated::ca(
        "CA0",
        &keys[0],
        "Anchor",
        &anchor_key,
        2,
        sha,
    ));
    let leaf_key = generated::key();
    let leaf = generated::ca("Leaf CA", &leaf_key, "CA0", &keys[0], 3, sha);
    let out = build_path(&leaf, &pool, &[anchor], &PathOptions::new(GEN_AT)).unwrap();
    let best = out
        .best
        .unwrap_or_else(|| panic!("{:#?}", &out.rejected[..3]));
    assert_eq!(
        best.certificates.iter().map(cn).collect::<Vec<_>>(),
        ["Leaf CA", "CA0"]
    );
}

/// A path of 14 certificates (a leaf, 13 intermediates) is found; with a depth limit
/// below that, the report says the limit stopped the search.
#[test]
fn long_paths_are_found_and_a_depth_limit_is_reported() {
    use openssl::hash::MessageDigest;
    let sha = MessageDigest::sha256();
    let anchor_key = generated::key();
    let anchor = generated::ca("Anchor", &anchor_key, "Anchor", &anchor_key, 1, sha);
    let mut pool = Vec::new();
    let (mut issuer, mut issuer_key) = ("Anchor".to_string(), anchor_key);
    for i in 0..13 {
        let key = generated::key();
        let name = format!("Level {i}");
        pool.push(generated::ca(
            &name,
            &key,
            &issuer,
            &issuer_key,
            10 + i,
            sha,
        ));
        (issuer, issuer_key) = (name, key);
    }
    let leaf_key = generated::key();
    let leaf = generated::ca("Leaf CA", &leaf_key, &issuer, &issuer_key, 99, sha);
    let out = build_path(
        &leaf,
        &pool,
        std::slice::from_ref(&anchor),
        &PathOptions::new(GEN_AT),
    )
    .unwrap();
    assert_eq!(out.best.unwrap().certificates.len(), 14);

    let mut opts = PathOptions::new(GEN_AT);
    opts.max_depth = 5;
    let out = build_path(&leaf, &pool, &[anchor], &opts).unwrap();
    assert!(out.best.is_none());
    assert_eq!(out.bound, Some(pbkit_pki::path::Bound::Depth(5)));
    let report = pbkit_pki::path::Report::new(&out, &opts, Vec::new()).unwrap();
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("5 intermediates (its depth limit)")),
        "{:?}",
        report.warnings
    );
}

/// RFC 5280 §4.1.2.5: a certificate is valid from notBefore through notAfter, both
/// inclusive (OpenSSL alone counts the notAfter second as expired).
#[test]
fn not_after_is_inclusive_and_no_pool_is_needed_for_a_leaf_of_the_anchor() {
    use openssl::hash::MessageDigest;
    let sha = MessageDigest::sha256();
    let root_key = generated::key();
    let root = generated::ca("Root", &root_key, "Root", &root_key, 1, sha);
    let leaf_key = generated::key();
    // generated::ca makes certificates valid 1,700,000,000 ..= 1,900,000,000 (Unix time).
    let leaf = generated::ca("Leaf CA", &leaf_key, "Root", &root_key, 2, sha);
    let at = |unix: i64| PathOptions::new(OffsetDateTime::from_unix_timestamp(unix).unwrap());
    for (unix, valid) in [
        (1_700_000_000, true),
        (1_900_000_000, true),
        (1_900_000_001, false),
        (1_699_999_999, false),
    ] {
        let out = build_path(&leaf, &[], std::slice::from_ref(&root), &at(unix)).unwrap();
        assert_eq!(out.best.is_some(), valid, "at {unix}: {:?}", out.rejected);
    }
    let out = build_path(&leaf, &[], &[root], &at(1_900_000_001)).unwrap();
    assert!(
        out.rejected
            .iter()
            .any(|r| r.reason == "certificate has expired (at Leaf CA)"),
        "{:?}",
        out.rejected
    );
}

/// A leaf without a subjectAltName is held to DNS name constraints by its subject CN (as
/// OpenSSL does, although pbkit tells it never to match a host name against the CN); a
/// leaf with one is judged by its subjectAltName alone.
#[test]
fn the_subject_cn_meets_dns_constraints_only_without_a_san() {
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    let sha = MessageDigest::sha256();
    let root_key = generated::key();
    let constraint = Some((Nid::NAME_CONSTRAINTS, "critical,permitted;DNS:example.mil"));
    let root = generated::ca_with("Root", &root_key, ("Root", &root_key), 1, sha, constraint);
    let key = generated::key();
    let leaf = |cn: &str, san: Option<&str>| {
        let san = san.map(|s| (Nid::SUBJECT_ALT_NAME, s));
        generated::ca_with(cn, &key, ("Root", &root_key), 2, sha, san)
    };
    let valid = |leaf: &Certificate| {
        let opts = PathOptions::new(GEN_AT);
        let out = build_path(leaf, &[], std::slice::from_ref(&root), &opts).unwrap();
        (out.best.is_some(), out.rejected)
    };
    assert!(valid(&leaf("mdm.example.mil", None)).0);
    let (ok, rejected) = valid(&leaf("mdm.example.com", None));
    assert!(!ok);
    assert_eq!(
        rejected[0].reason,
        "subject CN mdm.example.com (no subjectAltName) is outside Root's name constraints \
         (at mdm.example.com)"
    );
    // With a subjectAltName, the CN is not a name the constraints judge.
    assert!(valid(&leaf("mdm.example.com", Some("DNS:mdm.example.mil"))).0);
    assert!(!valid(&leaf("mdm.example.mil", Some("DNS:mdm.example.com"))).0);
}

/// RFC 9525 6.3: a wildcard stands for one whole leftmost label, never for a label of a
/// single-label parent; names compare without ASCII case; IP addresses only match IP
/// entries; the CN plays no part.
#[test]
fn peer_names_match_san_entries_as_rfc_9525_says() {
    let san = pbkit_pki::San {
        dns: vec![
            "MDM.example.mil".into(),
            "*.apps.example.mil".into(),
            "*.mil".into(),
        ],
        ip: vec!["192.0.2.7".parse().unwrap()],
        ..Default::default()
    };
    let matched = |n: &str| pbkit_pki::path::PeerName::parse(n).matched_by(&san);
    assert_eq!(
        matched("mdm.example.mil").as_deref(),
        Some("MDM.example.mil")
    );
    assert_eq!(
        matched("mdm.example.mil.").as_deref(),
        Some("MDM.example.mil")
    );
    assert_eq!(
        matched("a.apps.example.mil").as_deref(),
        Some("*.apps.example.mil")
    );
    assert_eq!(matched("a.b.apps.example.mil"), None);
    assert_eq!(matched("apps.example.mil"), None);
    assert_eq!(
        matched("example.mil"),
        None,
        "*.mil is no wildcard for a TLD's names"
    );
    assert_eq!(matched("192.0.2.7").as_deref(), Some("192.0.2.7"));
    assert_eq!(matched("192.0.2.8"), None);
    assert_eq!(matched("wrong.example.mil"), None);
}
