//! RFC 5280 rules that OpenSSL's verifier lets through, checked by pbkit on every
//! candidate path before OpenSSL sees it (issue 13, judged by x509-limbo's cases).
//!
//! OpenSSL (even with `X509_STRICT`) accepts a zero or 21-octet serial number, a dNSName
//! with an underscore or a leading period, name constraints that are non-critical, empty,
//! or in an end-entity certificate, and a wildcard subjectAltName whose names reach into
//! an excluded subtree. Each is a MUST of RFC 5280 (or, for the wildcard, the defensive
//! reading RFC 9525 leaves to validators).
//!
//! Not checked, although RFC 5280 4.2.1.11 says CAs MUST mark it critical: a non-critical
//! policyConstraints. Every DoD issuing CA (DOD ID, EMAIL and SW CAs) carries one, so the
//! rule would refuse every DoD path.

use x509_parser::extensions::{GeneralName, NameConstraints, ParsedExtension};
use x509_parser::prelude::{FromDer as _, X509Certificate};

/// What the path checks need to know of one certificate.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profile {
    /// The first rule the certificate breaks.
    pub flaw: Option<String>,
    /// Its name constraints are not marked critical: a flaw by RFC 5280 4.2.1.10, allowed
    /// by the web PKI's Baseline Requirements (7.1.2.5.2).
    pub nc_noncritical: bool,
    /// The `B` of each wildcard dNSName `*.B` in its subjectAltName.
    pub wildcard_bases: Vec<String>,
    /// Its permitted dNSName subtrees.
    pub permitted_dns: Vec<String>,
    /// Its excluded dNSName subtrees.
    pub excluded_dns: Vec<String>,
    /// Its subject's common name when that is a DNS name and the certificate has no
    /// subjectAltName: the name DNS constraints then apply to (as OpenSSL does for a leaf,
    /// unless told never to look at the subject, which pbkit tells it for host names).
    pub cn_dns: Option<String>,
}

impl Profile {
    /// Reads `der`. An anchor is configuration, not a path certificate (RFC 5280 6.1):
    /// only the name constraints it imposes on the path are checked.
    pub(crate) fn of(der: &[u8], anchor: bool) -> Profile {
        let Ok((_, cert)) = X509Certificate::from_der(der) else {
            // OpenSSL parsed it; x509-parser's refusal is OpenSSL's to judge.
            return Profile::default();
        };
        let mut profile = Profile::default();
        let mut flaws: Vec<String> = Vec::new();
        if !anchor {
            flaws.extend(serial_flaw(cert.raw_serial()));
        }
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::NameConstraints(nc) => {
                    if !cert.is_ca() {
                        flaws.push(
                            "name constraints in a certificate that is not a CA (RFC 5280 4.2.1.10)"
                                .into(),
                        );
                    } else if !ext.critical {
                        profile.nc_noncritical = true;
                    }
                    flaws.extend(constraints_flaw(nc));
                    profile.permitted_dns = dns_subtrees(&nc.permitted_subtrees);
                    profile.excluded_dns = dns_subtrees(&nc.excluded_subtrees);
                }
                ParsedExtension::ParseError { .. }
                    if ext.oid == x509_parser::oid_registry::OID_X509_EXT_NAME_CONSTRAINTS =>
                {
                    // x509-parser refuses empty subtree lists, which RFC 5280 forbids.
                    flaws.push(
                        "name constraints with an empty or malformed subtree list (RFC 5280 4.2.1.10)"
                            .into(),
                    );
                }
                ParsedExtension::SubjectAlternativeName(san) if !anchor => {
                    for name in &san.general_names {
                        match name {
                            GeneralName::DNSName(d) => {
                                if !is_dns_name(d, true) {
                                    flaws.push(format!(
                                        "subjectAltName dNSName {d:?} is not in the preferred name syntax (RFC 5280 4.2.1.6)"
                                    ));
                                } else if let Some(base) = d.strip_prefix("*.") {
                                    profile.wildcard_bases.push(base.to_ascii_lowercase());
                                }
                            }
                            GeneralName::RFC822Name(e) if !is_mailbox(e) => {
                                flaws.push(format!(
                                    "subjectAltName rfc822Name {e:?} is not a mailbox (RFC 5280 4.2.1.6)"
                                ));
                            }
                            GeneralName::IPAddress(ip) if ip.len() != 4 && ip.len() != 16 => {
                                flaws.push(format!(
                                    "subjectAltName iPAddress of {} octets (RFC 5280 4.2.1.6: 4 or 16)",
                                    ip.len()
                                ));
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        profile.flaw = flaws.into_iter().next();
        if !anchor && cert.subject_alternative_name().is_ok_and(|s| s.is_none()) {
            profile.cn_dns = cert
                .subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok())
                .find(|cn| cn.contains('.') && is_dns_name(cn, false))
                .map(str::to_ascii_lowercase);
        }
        profile
    }

    /// Whether `name` is outside this CA's DNS constraints: excluded, or not permitted
    /// when it permits some DNS names.
    pub(crate) fn refuses_dns(&self, name: &str) -> bool {
        let within = |c: &String| name == c || name.ends_with(&format!(".{c}"));
        self.excluded_dns.iter().any(within)
            || (!self.permitted_dns.is_empty() && !self.permitted_dns.iter().any(within))
    }
}

/// An RFC 5321 Mailbox as an rfc822Name holds it: one `@`, a local part of printable
/// ASCII without `@` (quoted local parts are not used in certificates), a domain in the
/// preferred name syntax.
fn is_mailbox(e: &str) -> bool {
    match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && local.bytes().all(|b| b.is_ascii_graphic())
                && !domain.contains('@')
                && is_dns_name(domain, false)
        }
        None => false,
    }
}

fn dns_subtrees(list: &Option<Vec<x509_parser::extensions::GeneralSubtree>>) -> Vec<String> {
    subtrees(list)
        .filter_map(|g| match g {
            GeneralName::DNSName(d) => Some(d.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

fn subtrees<'a, 'b>(
    list: &'b Option<Vec<x509_parser::extensions::GeneralSubtree<'a>>>,
) -> impl Iterator<Item = &'b GeneralName<'a>> {
    list.iter().flatten().map(|s| &s.base)
}

/// RFC 5280 4.1.2.2: a positive integer of at most 20 octets.
fn serial_flaw(serial: &[u8]) -> Option<String> {
    if serial.len() > 20 {
        Some(format!(
            "serial number of {} octets (RFC 5280 4.1.2.2: at most 20)",
            serial.len()
        ))
    } else if serial.first().is_some_and(|b| b & 0x80 != 0) || serial.iter().all(|&b| b == 0) {
        Some("serial number is not positive (RFC 5280 4.1.2.2)".into())
    } else {
        None
    }
}

/// RFC 5280 4.2.1.10: at least one subtree; a dNSName subtree is a DNS name (no leading
/// period, no wildcard: those are URI-constraint spellings).
fn constraints_flaw(nc: &NameConstraints) -> Option<String> {
    let empty = |l: &Option<Vec<_>>| l.as_ref().is_none_or(Vec::is_empty);
    if empty(&nc.permitted_subtrees) && empty(&nc.excluded_subtrees) {
        return Some("name constraints with no subtree (RFC 5280 4.2.1.10)".into());
    }
    subtrees(&nc.permitted_subtrees)
        .chain(subtrees(&nc.excluded_subtrees))
        .find_map(|g| match g {
            GeneralName::DNSName(d) if !is_dns_name(d, false) => Some(format!(
                "name constraint dNSName {d:?} is not a DNS name (RFC 5280 4.2.1.10)"
            )),
            _ => None,
        })
}

/// RFC 1034 3.5 as RFC 1123 2.1 relaxes it: dot-separated labels of letters, digits and
/// inner hyphens, 1 to 63 characters each, 253 in all; with `wildcard`, the leftmost
/// label may be `*` (RFC 6125 6.4.3, as certificates use it).
pub(crate) fn is_dns_name(name: &str, wildcard: bool) -> bool {
    let rest = match name.strip_prefix("*.") {
        Some(rest) if wildcard => rest,
        _ => name,
    };
    !rest.is_empty()
        && name.len() <= 253
        && rest.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// A wildcard `*.B` names every `X.B`: if an excluded subtree is such a name, some name
/// the certificate stands for is excluded (CVE-2025-61727's shape). OpenSSL compares the
/// literal `*.B`, which no excluded `X.B` contains.
pub(crate) fn wildcard_reaches_excluded(wildcard_base: &str, excluded: &str) -> bool {
    excluded
        .split_once('.')
        .is_some_and(|(label, parent)| !label.is_empty() && parent == wildcard_base)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_in_preferred_syntax() {
        for ok in ["example.com", "a-b.example.com", "x", "1.example.com"] {
            assert!(is_dns_name(ok, false), "{ok}");
        }
        for bad in [
            ".example.com",
            "example.com.",
            "foo_bar.example.com",
            "-a.example.com",
            "a-.example.com",
            "",
            "a..b",
            "*.example.com",
        ] {
            assert!(!is_dns_name(bad, false), "{bad}");
        }
        assert!(is_dns_name("*.example.com", true));
        assert!(!is_dns_name("*", true));
        assert!(!is_dns_name("f*.example.com", true));
    }

    #[test]
    fn serial_numbers_positive_and_at_most_20_octets() {
        assert_eq!(serial_flaw(&[1]), None);
        assert_eq!(serial_flaw(&[0, 0x80]), None);
        assert!(serial_flaw(&[0]).is_some());
        assert!(serial_flaw(&[0xff]).is_some());
        assert_eq!(serial_flaw(&[0x7f; 20]), None);
        assert!(serial_flaw(&[0x7f; 21]).is_some());
    }

    #[test]
    fn a_wildcard_reaches_an_excluded_name_one_label_below_its_base() {
        assert!(wildcard_reaches_excluded("example.com", "bar.example.com"));
        assert!(!wildcard_reaches_excluded(
            "example.com",
            "a.bar.example.com"
        ));
        assert!(!wildcard_reaches_excluded("example.com", "example.com"));
        assert!(!wildcard_reaches_excluded("example.com", "barexample.com"));
    }
}
