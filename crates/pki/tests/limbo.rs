//! C2SP x509-limbo: path validation cases with the result limbo's own definitions expect
//! (tests/fixtures/peers/limbo, provenance in its README). Every case pbkit can judge is
//! run through `build_path`; the ones where pbkit differs from limbo's expected result are
//! listed in `KNOWN` with the reason, so that a fix or a regression shows here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use pbkit_pki::path::{build_path, PathOptions, PeerName, Purpose};
use pbkit_pki::Certificate;
use serde_json::Value;
use time::OffsetDateTime;

const LIMBO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/peers/limbo/limbo.json"
);

/// CA/Browser Forum rules for the web PKI, beyond RFC 5280 (CN repeating a SAN, EKU and
/// AKI shapes, key sizes and algorithms, public-suffix wildcards): pbkit validates to RFC
/// 5280 through OpenSSL, as DoD paths need, and does not apply them.
const WEBPKI: &str = "web PKI policy, not RFC 5280";
/// OpenSSL's name-constraint checks accept these (issue 13: to be checked by pbkit).
const NC: &str = "OpenSSL's name constraints are lenient here";
/// OpenSSL accepts these RFC 5280 violations (serial number size, underscore in a DNS SAN,
/// a non-critical policyConstraints, a missing AKI, CVE-2025-61727's shape).
const OPENSSL: &str = "OpenSSL accepts what RFC 5280 forbids";
/// OpenSSL's sslserver purpose needs a TLS keyUsage on the leaf; a CA certificate in leaf
/// position has keyCertSign only (limbo's RFC 5280 profile does not ask for one).
const CA_LEAF: &str = "sslserver purpose refuses a CA leaf's keyUsage";
/// pbkit counts every intermediate against the depth limit; RFC 5280 does not count
/// self-issued ones.
const SELF_ISSUED: &str = "self-issued intermediates counted against max depth";

/// Cases where pbkit's result is not limbo's, each with why (issue 13).
const KNOWN: &[(&str, &str)] = &[
    ("cve::cve-2025-61727", OPENSSL),
    ("pathlen::validation-ignores-pathlen-in-leaf", CA_LEAF),
    ("pathlen::max-chain-depth-1-self-issued", SELF_ISSUED),
    ("rfc5280::aki::cross-signed-root-missing-aki", OPENSSL),
    ("rfc5280::nc::permitted-dns-match-noncritical", NC),
    ("rfc5280::nc::invalid-dnsname-leading-period", NC),
    ("rfc5280::nc::not-allowed-in-ee-noncritical", NC),
    ("rfc5280::nc::not-allowed-in-ee-critical", NC),
    ("rfc5280::nc::nc-permits-invalid-dns-san", NC),
    ("rfc5280::nc::nc-forbids-dnsname-wildcard-san", NC),
    ("rfc5280::pc::ica-noncritical-pc", OPENSSL),
    ("rfc5280::san::underscore-dns", OPENSSL),
    ("rfc5280::serial::too-long", OPENSSL),
    ("rfc5280::serial::zero", OPENSSL),
    ("rfc5280::ca-as-leaf", CA_LEAF),
    ("webpki::aki::root-with-aki-missing-keyidentifier", WEBPKI),
    ("webpki::aki::root-with-aki-authoritycertissuer", WEBPKI),
    (
        "webpki::aki::root-with-aki-authoritycertserialnumber",
        WEBPKI,
    ),
    ("webpki::aki::root-with-aki-all-fields", WEBPKI),
    ("webpki::aki::root-with-aki-ski-mismatch", WEBPKI),
    ("webpki::cn::ipv4-hex-mismatch", WEBPKI),
    ("webpki::cn::ipv4-leading-zeros-mismatch", WEBPKI),
    ("webpki::cn::ipv6-uppercase-mismatch", WEBPKI),
    ("webpki::cn::ipv6-uncompressed-mismatch", WEBPKI),
    ("webpki::cn::ipv6-non-rfc5952-mismatch", WEBPKI),
    ("webpki::cn::punycode-not-in-san", WEBPKI),
    ("webpki::cn::utf8-vs-punycode-mismatch", WEBPKI),
    ("webpki::cn::not-in-san", WEBPKI),
    ("webpki::cn::case-mismatch", WEBPKI),
    ("webpki::eku::ee-anyeku", WEBPKI),
    ("webpki::eku::ee-critical-eku", WEBPKI),
    ("webpki::eku::ee-without-eku", WEBPKI),
    ("webpki::eku::root-has-eku", WEBPKI),
    (
        "webpki::nc::intermediate-permitted-excluded-subtrees-both-null",
        WEBPKI,
    ),
    (
        "webpki::nc::intermediate-permitted-excluded-subtrees-both-empty-sequences",
        WEBPKI,
    ),
    (
        "webpki::san::public-suffix-multi-label-wildcard-san",
        WEBPKI,
    ),
    (
        "webpki::san::public-suffix-private-namespace-wildcard-san",
        WEBPKI,
    ),
    ("webpki::san::wildcard-embedded-leftmost-san", WEBPKI),
    ("webpki::san::san-critical-with-nonempty-subject", WEBPKI),
    ("webpki::malformed-aia", WEBPKI),
    ("webpki::forbidden-dsa-root", WEBPKI),
    ("webpki::forbidden-dsa-leaf", WEBPKI),
    ("webpki::forbidden-rsa-not-divisible-by-8-in-root", WEBPKI),
    (
        "webpki::forbidden-rsa-key-not-divisible-by-8-in-leaf",
        WEBPKI,
    ),
    ("webpki::ee-basicconstraints-ca", WEBPKI),
];

fn certs(v: &Value) -> Vec<Certificate> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|p| pbkit_pki::bundle::parse(p.as_str().unwrap().as_bytes(), "limbo").unwrap())
        .collect()
}

/// pbkit's verdict on a case; `None` when the case needs what pbkit does not do.
fn judge(case: &Value) -> Option<Result<bool, String>> {
    if !case["crls"].as_array().unwrap().is_empty()
        || !case["expected_peer_names"]
            .as_array()
            .is_none_or(Vec::is_empty)
    {
        return None; // revocation, or several names: not pbkit's checks
    }
    let leaf = match pbkit_pki::bundle::parse(
        case["peer_certificate"].as_str().unwrap().as_bytes(),
        "limbo",
    ) {
        Ok(mut c) => c.remove(0),
        Err(e) => return Some(Err(format!("leaf unreadable: {e}"))),
    };
    let at = match case["validation_time"].as_str() {
        Some(t) => {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
        }
        None => OffsetDateTime::now_utc(),
    };
    let mut opts = PathOptions::new(at);
    opts.purpose = match case["validation_kind"].as_str().unwrap() {
        "CLIENT" => Purpose::SslClient,
        _ => Purpose::SslServer,
    };
    if let Some(d) = case["max_chain_depth"].as_u64() {
        opts.max_depth = d as usize;
    }
    opts.peer_name = case["expected_peer_name"].as_object().map(|n| {
        let value = n["value"].as_str().unwrap().to_string();
        match n["kind"].as_str().unwrap() {
            "IP" => PeerName::Ip(value.parse().unwrap()),
            "RFC822" => PeerName::Email(value),
            _ => PeerName::Dns(value),
        }
    });
    let (anchors, pool) = (
        certs(&case["trusted_certs"]),
        certs(&case["untrusted_intermediates"]),
    );
    // A certificate pbkit cannot read fails the search: no path, as limbo's FAILURE.
    Some(Ok(
        build_path(&leaf, &pool, &anchors, &opts).is_ok_and(|o| o.best.is_some())
    ))
}

#[test]
fn x509_limbo_cases_agree_except_the_known_ones() {
    let limbo: Value = serde_json::from_str(&std::fs::read_to_string(LIMBO).unwrap()).unwrap();
    let cases = limbo["testcases"].as_array().unwrap();
    let (mut run, mut agree, mut differ) = (0, 0, Vec::new());
    for case in cases {
        let Some(verdict) = judge(case) else { continue };
        run += 1;
        let expected = case["expected_result"] == "SUCCESS";
        match verdict {
            Ok(v) if v == expected => agree += 1,
            other => differ.push(format!(
                "{} (expected {}, pbkit {other:?})",
                case["id"].as_str().unwrap(),
                case["expected_result"]
            )),
        }
    }
    println!(
        "x509-limbo: {} cases, {run} run, pbkit agrees on {agree}, differs on {}",
        cases.len(),
        differ.len()
    );
    let known: Vec<&str> = KNOWN.iter().map(|(id, _)| *id).collect();
    let unexpected: Vec<&String> = differ
        .iter()
        .filter(|d| !known.iter().any(|k| d.starts_with(&format!("{k} "))))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    assert_eq!(
        differ.len(),
        KNOWN.len(),
        "a known difference is fixed: {differ:#?}"
    );
}
