//! C2SP x509-limbo: path validation cases with the result limbo's own definitions expect
//! (tests/fixtures/peers/limbo, provenance in its README). Every case pbkit can judge is
//! run through `build_path`; the ones where pbkit differs from limbo's expected result are
//! listed in `KNOWN` with the reason, so that a fix or a regression shows here.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use pbkit_pki::path::{build_path, Outcome, PathOptions, PeerName, Policy, Purpose};
use pbkit_pki::Certificate;
use serde_json::Value;
use time::OffsetDateTime;

const LIMBO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/peers/limbo/limbo.json"
);

/// Limbo's generator gives every leaf the subject CN=example.com. Under the Baseline
/// Requirements 7.1.4.3, as limbo's own `webpki::cn::*` cases apply them (a CN that is
/// not one of the SAN entries, byte for byte, fails), these leaves fail too: their SAN is
/// `*.example.com` or 127.0.0.1. pbkit applies the rule the same way to every leaf.
const CN_DEFAULT: &str = "limbo's default CN=example.com is not among these leaves' SANs";
/// RFC 5280 4.2.1.11 makes CAs mark policyConstraints critical, but every DoD issuing CA
/// (DOD ID, EMAIL, SW CA) marks it non-critical: the rule would refuse every DoD path.
const DOD_PC: &str = "DoD issuing CAs carry a non-critical policyConstraints";
/// OpenSSL accepts this RFC 5280 violation: a trust anchor that is not self-signed and
/// has no AKI. An anchor is configuration (RFC 5280 6.1), its AKI unused.
const OPENSSL: &str = "an anchor's missing AKI is not checked";
/// OpenSSL's sslserver purpose needs a TLS keyUsage on the leaf; a CA certificate in leaf
/// position has keyCertSign only (limbo's RFC 5280 profile does not ask for one).
const CA_LEAF: &str = "sslserver purpose refuses a CA leaf's keyUsage";
/// OpenSSL's strict mode (which pbkit uses) requires a keyUsage in every CA certificate,
/// RFC 5280 4.2.1.3's MUST for issuers; limbo reads 6.3.3 (f) as a relying party's rule,
/// which applies the bit only when the extension is present.
const CA_KU: &str = "X509_STRICT requires a CA's keyUsage (RFC 5280 4.2.1.3)";

/// Cases where pbkit's result is not limbo's, each with why (issues 13 and 23). Each case
/// is judged under the policy it is written for: `webpki::*` under the Baseline
/// Requirements (`Policy::WebPki`, `chain build --profile webpki`), the others under
/// RFC 5280 as iOS judges (the default).
const KNOWN: &[(&str, &str)] = &[
    ("crl::issuer-no-keyusage-extension", CA_KU),
    ("pathlen::validation-ignores-pathlen-in-leaf", CA_LEAF),
    ("rfc5280::aki::cross-signed-root-missing-aki", OPENSSL),
    ("rfc5280::pc::ica-noncritical-pc", DOD_PC),
    ("rfc5280::ca-as-leaf", CA_LEAF),
    ("webpki::nc::nc-permits-dns-san-pattern", CN_DEFAULT),
    ("webpki::san::exact-localhost-ip-san", CN_DEFAULT),
    ("webpki::san::leftmost-wildcard-san", CN_DEFAULT),
];

fn certs(v: &Value) -> Vec<Certificate> {
    v.as_array()
        .unwrap()
        .iter()
        .flat_map(|p| pbkit_pki::bundle::parse(p.as_str().unwrap().as_bytes(), "limbo").unwrap())
        .collect()
}

/// pbkit's verdict on a case: valid for its peer name, or for every one of its peer names
/// (a client certificate's addresses), with its CRLs.
fn judge(case: &Value, policy: Policy) -> Option<Result<bool, String>> {
    let names = case["expected_peer_names"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let valid = |name: Option<&Value>| -> Result<bool, String> {
        // A certificate pbkit cannot read fails the search: no path, as limbo's FAILURE.
        outcome(case, None, name, policy).map(|o| o.is_some_and(|o| o.best.is_some()))
    };
    Some(if names.is_empty() {
        valid(
            case["expected_peer_name"]
                .as_object()
                .map(|_| &case["expected_peer_name"]),
        )
    } else {
        names
            .iter()
            .try_fold(true, |all, n| Ok(all && valid(Some(n))?))
    })
}

/// pbkit's search on a case, for `purpose` when given (else the case's own); `Ok(None)`
/// when a certificate of the case is unreadable to the search.
fn outcome(
    case: &Value,
    purpose: Option<Purpose>,
    name: Option<&Value>,
    policy: Policy,
) -> Result<Option<Outcome>, String> {
    let leaf = match pbkit_pki::bundle::parse(
        case["peer_certificate"].as_str().unwrap().as_bytes(),
        "limbo",
    ) {
        Ok(mut c) => c.remove(0),
        Err(e) => return Err(format!("leaf unreadable: {e}")),
    };
    let at = match case["validation_time"].as_str() {
        Some(t) => {
            OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
        }
        None => OffsetDateTime::now_utc(),
    };
    let mut opts = PathOptions::new(at);
    opts.policy = policy;
    opts.purpose = purpose.unwrap_or(match case["validation_kind"].as_str().unwrap() {
        "CLIENT" => Purpose::SslClient,
        _ => Purpose::SslServer,
    });
    if let Some(d) = case["max_chain_depth"].as_u64() {
        opts.max_depth = d as usize;
    }
    opts.peer_name = name.and_then(Value::as_object).map(|n| {
        let value = n["value"].as_str().unwrap().to_string();
        match n["kind"].as_str().unwrap() {
            "IP" => PeerName::Ip(value.parse().unwrap()),
            "RFC822" => PeerName::Email(value),
            _ => PeerName::Dns(value),
        }
    });
    for crl in case["crls"].as_array().unwrap() {
        let parsed = pbkit_pki::crl::Crl::parse(crl.as_str().unwrap().as_bytes(), "limbo")
            .map_err(|e| format!("CRL unreadable: {e}"))?;
        opts.crls
            .extend(parsed.into_iter().map(std::sync::Arc::new));
    }
    let (anchors, pool) = (
        certs(&case["trusted_certs"]),
        certs(&case["untrusted_intermediates"]),
    );
    Ok(build_path(&leaf, &pool, &anchors, &opts).ok())
}

/// The policy limbo's case is written for: its web PKI cases under the Baseline
/// Requirements, the others under RFC 5280 (what iOS judges).
fn policy_of(case: &Value) -> Policy {
    if case["id"].as_str().unwrap().starts_with("webpki::") {
        Policy::WebPki
    } else {
        Policy::Ios
    }
}

fn limbo() -> Value {
    serde_json::from_str(&std::fs::read_to_string(LIMBO).unwrap()).unwrap()
}

/// Limbo's expected result for `id`, pbkit's verdict, and pbkit's reasons for refusing.
fn case(limbo: &Value, id: &str, purpose: Option<Purpose>) -> (bool, bool, Vec<String>) {
    let case = limbo["testcases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no limbo case {id}"));
    let name = case["expected_peer_name"]
        .as_object()
        .map(|_| &case["expected_peer_name"]);
    let out = outcome(case, purpose, name, policy_of(case))
        .unwrap()
        .unwrap();
    (
        case["expected_result"] == "SUCCESS",
        out.best.is_some(),
        out.rejected.into_iter().map(|r| r.reason).collect(),
    )
}

/// Each case is refused as limbo expects, for a reason containing `why`.
fn refused_because(ids: &[&str], why: &str) {
    let limbo = limbo();
    for id in ids {
        let (expected, valid, reasons) = case(&limbo, id, None);
        assert!(!expected, "{id}: limbo expects success");
        assert!(!valid, "{id}: pbkit accepts it");
        assert!(reasons.iter().any(|r| r.contains(why)), "{id}: {reasons:?}");
    }
}

#[test]
fn a_ca_leaf_is_not_held_to_the_path_length_of_an_intermediate() {
    let limbo = limbo();
    for id in [
        "pathlen::validation-ignores-pathlen-in-leaf",
        "rfc5280::ca-as-leaf",
    ] {
        // For any purpose, as limbo's RFC 5280 profile judges it: valid.
        let (expected, valid, reasons) = case(&limbo, id, Some(Purpose::Any));
        assert!(expected && valid, "{id}: {reasons:?}");
        // As a TLS server, refused for its keyUsage (keyCertSign only), never pathLen.
        let (_, valid, reasons) = case(&limbo, id, None);
        assert!(!valid);
        assert!(
            reasons
                .iter()
                .all(|r| r.contains("unsuitable certificate purpose")),
            "{id}: {reasons:?}"
        );
    }
}

#[test]
fn name_constraints_refuse_a_malformed_san() {
    refused_because(
        &[
            "rfc5280::nc::nc-permits-invalid-dns-san",
            "rfc5280::san::underscore-dns",
        ],
        "is not in the preferred name syntax (RFC 5280 4.2.1.6)",
    );
    refused_because(
        &["rfc5280::nc::nc-permits-invalid-ip-san"],
        "subjectAltName iPAddress of",
    );
}

#[test]
fn name_constraints_refuse_a_wildcard_san_reaching_an_excluded_subtree() {
    refused_because(
        &[
            "rfc5280::nc::nc-forbids-dnsname-wildcard-san",
            "cve::cve-2025-61727",
        ],
        "subjectAltName *.example.com names bar.example.com, which",
    );
}

#[test]
fn name_constraints_with_empty_or_absent_subtrees_are_invalid() {
    refused_because(
        &[
            "webpki::nc::intermediate-permitted-excluded-subtrees-both-null",
            "webpki::nc::intermediate-permitted-excluded-subtrees-both-empty-sequences",
        ],
        "name constraints with ",
    );
}

#[test]
fn name_constraints_only_in_a_ca_marked_critical_with_dns_names() {
    refused_because(
        &[
            "rfc5280::nc::not-allowed-in-ee-noncritical",
            "rfc5280::nc::not-allowed-in-ee-critical",
        ],
        "name constraints in a certificate that is not a CA",
    );
    refused_because(
        &["rfc5280::nc::permitted-dns-match-noncritical"],
        "name constraints not marked critical",
    );
    refused_because(
        &["rfc5280::nc::invalid-dnsname-leading-period"],
        "name constraint dNSName \".example.com\" is not a DNS name",
    );
}

#[test]
fn serial_numbers_are_positive_and_at_most_20_octets() {
    refused_because(&["rfc5280::serial::zero"], "serial number is not positive");
    refused_because(
        &["rfc5280::serial::too-long"],
        "octets (RFC 5280 4.1.2.2: at most 20)",
    );
}

#[test]
fn self_issued_intermediates_do_not_count_against_the_depth_limit() {
    let (expected, valid, reasons) = case(&limbo(), "pathlen::max-chain-depth-1-self-issued", None);
    assert!(expected && valid, "{reasons:?}");
}

#[test]
fn x509_limbo_cases_agree_except_the_known_ones() {
    let limbo = limbo();
    let cases = limbo["testcases"].as_array().unwrap();
    let (mut run, mut agree, mut differ) = (0, 0, Vec::new());
    for case in cases {
        let Some(verdict) = judge(case, policy_of(case)) else {
            continue;
        };
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

#[test]
fn crls_revoke_and_unusable_crls_fail_with_their_reason() {
    refused_because(
        &["crl::revoked-certificate-with-crl"],
        "certificate revoked on",
    );
    refused_because(&["crl::crlnumber-missing"], "it has no CRLNumber");
    refused_because(&["crl::crlnumber-critical"], "its CRLNumber is critical");
    refused_because(&["crl::issuer-missing-crlsign"], "lacks cRLSign");
}

/// The issue 23 goal: under the web PKI policy (`chain build --profile webpki`) no case
/// limbo expects to fail passes, whatever profile the case was written for, but the one
/// where the two profiles disagree: RFC 5280 refuses non-critical name constraints, the
/// Baseline Requirements allow them (limbo's own `webpki::nc::permitted-dns-match-
/// noncritical` expects success).
#[test]
fn under_the_web_pki_policy_nothing_limbo_refuses_passes() {
    let limbo = limbo();
    let cases = limbo["testcases"].as_array().unwrap();
    let wrong_pass: Vec<&str> = cases
        .iter()
        .filter(|c| c["expected_result"] == "FAILURE")
        .filter(|c| c["id"] != "rfc5280::nc::permitted-dns-match-noncritical")
        .filter(|c| matches!(judge(c, Policy::WebPki), Some(Ok(true))))
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    let failures = cases
        .iter()
        .filter(|c| c["expected_result"] == "FAILURE")
        .count();
    println!(
        "web PKI policy: {failures} cases limbo refuses (1 set aside), {} pass",
        wrong_pass.len()
    );
    assert!(wrong_pass.is_empty(), "{wrong_pass:#?}");
}
