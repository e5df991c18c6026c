//! Netflix BetterTLS's path-building suite (tests/fixtures/peers/bettertls, provenance in
//! its README): 81 trust graphs of cross-signed CAs where some edges are invalid (expired,
//! outside name constraints, wrong EKU, no basicConstraints, not a CA, deprecated crypto),
//! each with BetterTLS's expected ACCEPT or REJECT. Every case is run through
//! `build_path` for its hostname: as iOS judges, pbkit must agree on all 81 (find the
//! valid path around every invalid edge, never accept a graph BetterTLS rejects); under
//! the web PKI policy it must never accept one either.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use base64::Engine as _;
use pbkit_pki::path::{build_path, PathOptions, PeerName, Policy, Purpose};
use pbkit_pki::Certificate;
use serde_json::Value;
use time::OffsetDateTime;

const SUITE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/peers/bettertls/pathbuilding.tests.json"
);

/// When the suite was exported (2023-07-06T13:55:34Z, the instant rustls-webpki's harness
/// validates these certificates at): every certificate BetterTLS meant to be valid is.
const GENERATED: i64 = 1_688_651_734;

fn der(v: &Value) -> Certificate {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap();
    pbkit_pki::bundle::parse(&bytes, "bettertls")
        .unwrap()
        .remove(0)
}

/// Each case's id, BetterTLS's expectation, and pbkit's verdict under `policy`.
fn verdicts(policy: Policy) -> Vec<(u64, bool, bool, Vec<String>)> {
    let suite: Value = serde_json::from_str(&std::fs::read_to_string(SUITE).unwrap()).unwrap();
    let anchor = der(&suite["trustRoot"]);
    let cases = suite["suites"]["pathbuilding"]["testCases"]
        .as_array()
        .unwrap();
    cases
        .iter()
        .map(|case| {
            let certs: Vec<Certificate> = case["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .map(der)
                .collect();
            let mut opts =
                PathOptions::new(OffsetDateTime::from_unix_timestamp(GENERATED).unwrap());
            opts.purpose = Purpose::SslServer;
            opts.policy = policy;
            opts.peer_name = Some(PeerName::parse(case["hostname"].as_str().unwrap()));
            let outcome =
                build_path(&certs[0], &certs[1..], std::slice::from_ref(&anchor), &opts).unwrap();
            (
                case["id"].as_u64().unwrap(),
                case["expected"] == "ACCEPT",
                outcome.best.is_some(),
                outcome.rejected.into_iter().map(|r| r.reason).collect(),
            )
        })
        .collect()
}

fn agree(policy: Policy) {
    let verdicts = verdicts(policy);
    assert_eq!(verdicts.len(), 81);
    let wrong: Vec<String> = verdicts
        .iter()
        .filter(|(_, expected, valid, _)| expected != valid)
        .map(|(id, expected, _, reasons)| {
            let expected = if *expected { "ACCEPT" } else { "REJECT" };
            format!("case {id}: BetterTLS expects {expected}; pbkit's reasons: {reasons:?}")
        })
        .collect();
    let rejects = verdicts.iter().filter(|(_, e, _, _)| !e).count();
    println!(
        "bettertls pathbuilding ({policy:?}): {} cases ({rejects} REJECT), {} agree",
        verdicts.len(),
        verdicts.len() - wrong.len()
    );
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn bettertls_path_building_agrees_as_ios_judges() {
    agree(Policy::Ios);
}

/// Under the web PKI policy nothing BetterTLS rejects passes; what it accepts fails only
/// because its end-entity certificates carry no extKeyUsage, which the Baseline
/// Requirements (7.1.2.7.10) make a TLS server certificate carry.
#[test]
fn bettertls_path_building_under_the_web_pki_policy_never_passes_a_reject() {
    let verdicts = verdicts(Policy::WebPki);
    let wrong_pass: Vec<u64> = verdicts
        .iter()
        .filter(|(_, expected, valid, _)| !expected && *valid)
        .map(|(id, ..)| *id)
        .collect();
    assert!(wrong_pass.is_empty(), "{wrong_pass:?}");
    for (id, expected, valid, reasons) in &verdicts {
        if *expected && !valid {
            assert!(
                reasons
                    .iter()
                    .any(|r| r.contains("an end entity without extKeyUsage")),
                "case {id}: {reasons:?}"
            );
        }
    }
}
