//! A TLS server as an iPhone judges it: Apple's requirements for trusted TLS server
//! certificates (iOS 13 and later; Apple support article 103769, formerly HT210176), the
//! 398-day limit that applies only under Apple's preinstalled roots (article 102028), and
//! App Transport Security's protocol and cipher suites, which iOS's MDM client enforces.

use pbkit_pki::common_name;
use pbkit_pki::path::PeerName;
use pbkit_pki::{ExtendedKeyUsage, Facts};
use serde::Serialize;
use time::macros::datetime;
use time::OffsetDateTime;

/// How a rule came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Met.
    Pass,
    /// Not met: iOS refuses the server.
    Fail,
    /// Does not apply here, or cannot be judged by pbkit; said so that it is not missed.
    Note,
}

/// One of Apple's rules, judged.
#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    /// The rule, in Apple's terms.
    pub rule: &'static str,
    /// Met, not met, or a note.
    pub verdict: Verdict,
    /// What was found.
    pub detail: String,
}

/// Certificates issued from this instant on need serverAuth and 825 days at most.
const JULY_2019: OffsetDateTime = datetime!(2019-07-01 00:00 UTC);
/// Certificates issued from this instant on, under Apple's preinstalled roots, need 398
/// days at most.
const SEPTEMBER_2020: OffsetDateTime = datetime!(2020-09-01 00:00 UTC);

/// Apple's rules for `leaf`, served as `name`, issued through `cas` (the issuing CAs the
/// server sends; self-signed roots are left out, their own signature is not judged).
pub fn certificate_rules(leaf: &Facts, cas: &[Facts], name: Option<&PeerName>) -> Vec<Rule> {
    let mut rules = Vec::new();
    if let Some(name) = name {
        rules.push(match name.matched_by(&leaf.san) {
            Some(entry) => Rule {
                rule: "the server's name in the subjectAltName",
                verdict: Verdict::Pass,
                detail: format!("{name} matches {entry}"),
            },
            None => Rule {
                rule: "the server's name in the subjectAltName",
                verdict: Verdict::Fail,
                detail: format!(
                    "{name} is not among the certificate's names ({}); the subject CN is \
                     not consulted",
                    names(leaf)
                ),
            },
        });
    }
    let linked: Vec<&Facts> = std::iter::once(leaf)
        .chain(cas.iter().filter(|c| !c.self_signed))
        .collect();
    let weak_keys: Vec<String> = linked
        .iter()
        .filter_map(|c| {
            let key = c.key.as_ref()?;
            let small = match key.algorithm.as_str() {
                "RSA" => key.bits < 2048,
                "EC" => key.bits < 256,
                _ => false,
            };
            small.then(|| format!("{} ({key})", common_name(&c.subject)))
        })
        .collect();
    rules.push(judge(
        "RSA keys of 2048 bits or more (EC: 256), leaf and issuing CAs",
        &weak_keys,
        linked.len(),
        "key",
    ));
    let weak_hashes: Vec<String> = linked
        .iter()
        .filter(|c| !sha2(&c.signature_algorithm))
        .map(|c| format!("{} ({})", common_name(&c.subject), c.signature_algorithm))
        .collect();
    rules.push(judge(
        "SHA-2 signatures, leaf and issuing CAs",
        &weak_hashes,
        linked.len(),
        "signature",
    ));

    let days = (leaf.not_after - leaf.not_before).whole_days();
    let recent = leaf.not_before >= JULY_2019;
    let before = |rule| Rule {
        rule,
        verdict: Verdict::Note,
        detail: format!(
            "not required: issued {} (before 2019-07-01)",
            leaf.not_before.date()
        ),
    };
    if recent {
        let server_auth = leaf
            .extended_key_usage
            .contains(&ExtendedKeyUsage::ServerAuth);
        rules.push(Rule {
            rule: "serverAuth in the leaf's extendedKeyUsage (issued from 2019-07-01)",
            verdict: if server_auth {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            detail: if server_auth {
                "present".to_string()
            } else if leaf.extended_key_usage.is_empty() {
                "the leaf has no extendedKeyUsage".to_string()
            } else {
                let ekus: Vec<&str> = leaf.extended_key_usage.iter().map(|e| e.name()).collect();
                format!("the leaf's extendedKeyUsage is {}", ekus.join(", "))
            },
        });
        rules.push(Rule {
            rule: "validity of 825 days or fewer (issued from 2019-07-01)",
            verdict: if days <= 825 {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            detail: format!("{days} days"),
        });
    } else {
        rules.push(before(
            "serverAuth in the leaf's extendedKeyUsage (issued from 2019-07-01)",
        ));
        rules.push(before(
            "validity of 825 days or fewer (issued from 2019-07-01)",
        ));
    }
    if leaf.not_before >= SEPTEMBER_2020 && days > 398 {
        rules.push(Rule {
            rule: "validity of 398 days or fewer (only under Apple's preinstalled roots)",
            verdict: Verdict::Note,
            detail: format!(
                "{days} days: refused if the anchor is a publicly trusted root; not judged for \
                 an enterprise anchor (the DoD and Federal PKI roots are not preinstalled)"
            ),
        });
    }
    rules
}

/// A rule over `checked` items (`what`: singular, `key`), failed by `offenders`.
fn judge(rule: &'static str, offenders: &[String], checked: usize, what: &str) -> Rule {
    if offenders.is_empty() {
        Rule {
            rule,
            verdict: Verdict::Pass,
            detail: match checked {
                1 => format!("1 {what} checked"),
                n => format!("{n} {what}s checked"),
            },
        }
    } else {
        Rule {
            rule,
            verdict: Verdict::Fail,
            detail: offenders.join(", "),
        }
    }
}

/// Whether OpenSSL's long name of a signature algorithm hashes with SHA-2.
fn sha2(algorithm: &str) -> bool {
    let a = algorithm.to_ascii_lowercase();
    ["sha224", "sha256", "sha384", "sha512"]
        .iter()
        .any(|h| a.contains(h))
}

fn names(f: &Facts) -> String {
    let mut all: Vec<String> = f.san.dns.iter().map(|d| format!("DNS {d}")).collect();
    all.extend(f.san.ip.iter().map(|ip| format!("IP {ip}")));
    if all.is_empty() {
        "none: no subjectAltName DNS or IP entry".to_string()
    } else {
        all.join(", ")
    }
}

/// Whether a TLS 1.2 suite (OpenSSL's name) is one App Transport Security accepts:
/// ECDHE key exchange with AES in GCM or CBC mode.
pub fn ats_suite(suite: &str) -> bool {
    (suite.starts_with("ECDHE-RSA-AES") || suite.starts_with("ECDHE-ECDSA-AES"))
        && !suite.contains("CCM")
}

/// What is weak about a TLS 1.2 suite (OpenSSL's name): nothing for a forward-secret AEAD
/// suite.
pub fn weaknesses(suite: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let anonymous = suite.starts_with("ADH") || suite.starts_with("AECDH");
    if anonymous {
        out.push("no server authentication");
    } else if !(suite.starts_with("ECDHE-") || suite.starts_with("DHE-")) {
        out.push("no forward secrecy");
    }
    if suite.contains("NULL") {
        out.push("no encryption");
    }
    if suite.contains("EXP") {
        out.push("export grade");
    }
    if suite.contains("RC4") {
        out.push("RC4");
    }
    if suite.contains("DES-CBC3") || suite.contains("3DES") {
        out.push("3DES");
    } else if suite.contains("DES-CBC") {
        out.push("DES");
    }
    let aead = ["GCM", "CHACHA20", "CCM"].iter().any(|m| suite.contains(m));
    if !aead && !suite.contains("RC4") && suite.ends_with("-SHA") {
        out.push("CBC with SHA-1");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_are_judged_by_their_names() {
        assert!(weaknesses("ECDHE-RSA-AES256-GCM-SHA384").is_empty());
        assert!(weaknesses("ECDHE-ECDSA-CHACHA20-POLY1305").is_empty());
        assert_eq!(weaknesses("AES256-GCM-SHA384"), ["no forward secrecy"]);
        assert_eq!(
            weaknesses("AES128-SHA"),
            ["no forward secrecy", "CBC with SHA-1"]
        );
        assert_eq!(weaknesses("ECDHE-RSA-AES128-SHA"), ["CBC with SHA-1"]);
        assert_eq!(
            weaknesses("DES-CBC3-SHA"),
            ["no forward secrecy", "3DES", "CBC with SHA-1"]
        );
        assert_eq!(weaknesses("RC4-MD5"), ["no forward secrecy", "RC4"]);
        assert_eq!(
            weaknesses("AECDH-AES256-SHA"),
            ["no server authentication", "CBC with SHA-1"]
        );
        assert!(ats_suite("ECDHE-RSA-AES128-SHA"));
        assert!(!ats_suite("DHE-RSA-AES256-GCM-SHA384"));
        assert!(!ats_suite("ECDHE-RSA-CHACHA20-POLY1305"));
    }

    #[test]
    fn sha2_is_read_from_openssl_names() {
        assert!(sha2("sha256WithRSAEncryption"));
        assert!(sha2("ecdsa-with-SHA384"));
        assert!(!sha2("sha1WithRSAEncryption"));
        assert!(!sha2("md5WithRSAEncryption"));
    }
}
