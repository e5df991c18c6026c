//! The web PKI's stricter profile (CA/Browser Forum Baseline Requirements), checked on a
//! path when [`crate::path::Policy::WebPki`] is asked for. The default policy judges what
//! iOS judges (RFC 5280 through OpenSSL, plus the rules in `rfc5280`); DoD paths break
//! several of these rules by design, so they are never applied to them unasked.
//!
//! Checked: a root's authorityKeyIdentifier (keyIdentifier only, equal to its own SKI when
//! self-signed) and its lack of extKeyUsage; a leaf's subjectAltName (present, not critical
//! when the subject is not empty, no wildcard over a public suffix), its common name (one
//! of its SAN entries, byte for byte; an IP address in its canonical text), its
//! extKeyUsage (present, not critical, not anyExtendedKeyUsage) and cA=FALSE; every
//! certificate's key (no DSA; RSA of at least 2048 bits, a multiple of 8) and a
//! well-formed authorityInformationAccess. Name constraints may be non-critical (BR
//! 7.1.2.5.2), unlike RFC 5280.

use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer as _, X509Certificate};
use x509_parser::public_key::PublicKey;

/// Where a certificate stands in the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The end entity.
    Leaf,
    /// A CA between leaf and anchor.
    Intermediate,
    /// The trust anchor.
    Root,
}

/// The first web PKI rule `der` breaks in `role`, if any.
pub fn flaw(der: &[u8], role: Role) -> Option<String> {
    let Ok((_, cert)) = X509Certificate::from_der(der) else {
        return None; // OpenSSL's to judge
    };
    let root = role == Role::Root && cert.subject() == cert.issuer();
    key_flaw(&cert)
        .or_else(|| aia_flaw(&cert))
        .or_else(|| if root { None } else { aki_flaw(&cert) })
        .or_else(|| policy_constraints_flaw(&cert))
        .or_else(|| match role {
            Role::Root => root_flaw(&cert),
            Role::Leaf => leaf_flaw(&cert),
            Role::Intermediate => None,
        })
}

/// Every certificate but a root names its issuer's key (BR 7.1.2.3 and 7.1.2.7: an
/// authorityKeyIdentifier with a keyIdentifier), a cross-certificate used as an anchor
/// included.
fn aki_flaw(cert: &X509Certificate<'_>) -> Option<String> {
    let has_key_id = cert.extensions().iter().any(|e| {
        matches!(e.parsed_extension(), ParsedExtension::AuthorityKeyIdentifier(a) if a.key_identifier.is_some())
    });
    (!has_key_id).then(|| {
        "no authorityKeyIdentifier keyIdentifier in a certificate that is not a root \
         (BR 7.1.2.3)"
            .into()
    })
}

/// RFC 5280 4.2.1.11's MUST, which the default policy waives for DoD's issuing CAs.
fn policy_constraints_flaw(cert: &X509Certificate<'_>) -> Option<String> {
    cert.extensions()
        .iter()
        .find(|e| e.oid == x509_parser::oid_registry::OID_X509_EXT_POLICY_CONSTRAINTS)
        .filter(|e| !e.critical)
        .map(|_| "policyConstraints not marked critical (RFC 5280 4.2.1.11)".into())
}

fn key_flaw(cert: &X509Certificate<'_>) -> Option<String> {
    match cert.public_key().parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            // The modulus's exact bit length (x509-parser's key_size counts whole bytes).
            let modulus: &[u8] = match rsa.modulus.iter().position(|&b| b != 0) {
                Some(i) => &rsa.modulus[i..],
                None => &[],
            };
            let bits = modulus.first().map_or(0, |&b| {
                (modulus.len() - 1) * 8 + (8 - b.leading_zeros() as usize)
            });
            (bits < 2048 || !bits.is_multiple_of(8)).then(|| {
                format!("an RSA key of {bits} bits (BR 6.1.5: at least 2048, a multiple of 8)")
            })
        }
        Ok(PublicKey::DSA(_)) => Some("a DSA key (BR 6.1.5: RSA or ECDSA only)".into()),
        _ => None,
    }
}

fn aia_flaw(cert: &X509Certificate<'_>) -> Option<String> {
    let aia = x509_parser::oid_registry::OID_PKIX_AUTHORITY_INFO_ACCESS;
    cert.extensions()
        .iter()
        .find(|e| e.oid == aia)
        .and_then(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(a) if !a.accessdescs.is_empty() => None,
            _ => Some(
                "a malformed authorityInformationAccess (BR 7.1.2.7.7: one or more access \
                 descriptions)"
                    .into(),
            ),
        })
}

fn root_flaw(cert: &X509Certificate<'_>) -> Option<String> {
    if cert.subject() != cert.issuer() {
        return None; // an anchor that is not a root: an intermediate's rules
    }
    if cert.extended_key_usage().ok().flatten().is_some() {
        return Some("a root with extKeyUsage (BR 7.1.2.1.2)".into());
    }
    let aki = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => Some(a),
            _ => None,
        })?;
    if aki.authority_cert_issuer.is_some() || aki.authority_cert_serial.is_some() {
        return Some(
            "a root whose authorityKeyIdentifier names an issuer or serial (BR 7.1.2.1.3)".into(),
        );
    }
    let Some(key_id) = &aki.key_identifier else {
        return Some(
            "a root whose authorityKeyIdentifier has no keyIdentifier (BR 7.1.2.1.3)".into(),
        );
    };
    let ski = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0),
            _ => None,
        });
    (ski != Some(key_id.0)).then(|| {
        "a self-signed root whose authorityKeyIdentifier is not its subjectKeyIdentifier \
         (BR 7.1.2.1.3)"
            .into()
    })
}

fn leaf_flaw(cert: &X509Certificate<'_>) -> Option<String> {
    if cert.is_ca() {
        return Some("an end entity with cA=TRUE (BR 7.1.2.7.8)".into());
    }
    match cert.extended_key_usage() {
        Ok(None) => return Some("an end entity without extKeyUsage (BR 7.1.2.7.10)".into()),
        Ok(Some(eku)) if eku.critical => {
            return Some("an end entity whose extKeyUsage is critical (BR 7.1.2.7.10)".into())
        }
        Ok(Some(eku)) if eku.value.any => {
            return Some("an end entity with anyExtendedKeyUsage (BR 7.1.2.7.10)".into())
        }
        _ => {}
    }
    let san = match cert.subject_alternative_name() {
        Ok(Some(san)) => san,
        _ => return Some("an end entity without subjectAltName (BR 7.1.2.7.12)".into()),
    };
    let subject_empty = cert.subject().iter_attributes().next().is_none();
    if san.critical && !subject_empty {
        return Some("a critical subjectAltName with a non-empty subject (BR 7.1.2.7.12)".into());
    }
    for name in &san.value.general_names {
        if let GeneralName::DNSName(d) = name {
            if let Some(base) = d.strip_prefix("*.") {
                if is_public_suffix(base) {
                    return Some(format!(
                        "a wildcard over the public suffix {base} (BR 3.2.2.6)"
                    ));
                }
            }
        }
    }
    for cn in cert.subject().iter_common_name() {
        let Ok(cn) = cn.as_str() else {
            return Some("a common name that is not a string (BR 7.1.4.3)".into());
        };
        let listed = san.value.general_names.iter().any(|n| match n {
            GeneralName::DNSName(d) => *d == cn,
            GeneralName::IPAddress(ip) => ip_text(ip).is_some_and(|t| t == cn),
            _ => false,
        });
        if !listed {
            return Some(format!(
                "common name {cn:?} is not one of its subjectAltName entries, byte for byte \
                 (BR 7.1.4.3)"
            ));
        }
    }
    None
}

/// Whether `name` is itself a public suffix (ICANN's or a private one, like
/// `s3.amazonaws.com`), by the Public Suffix List compiled into the `psl` crate.
fn is_public_suffix(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    psl::suffix(lower.as_bytes()).is_some_and(|s| s.is_known() && s.as_bytes() == lower.as_bytes())
}

/// An iPAddress entry in the text BR 7.1.4.3 asks a common name to hold: dotted decimal
/// for IPv4, RFC 5952 for IPv6 (Rust's formatting of both).
fn ip_text(ip: &[u8]) -> Option<String> {
    match ip.len() {
        4 => Some(std::net::Ipv4Addr::new(ip[0], ip[1], ip[2], ip[3]).to_string()),
        16 => {
            let octets: [u8; 16] = ip.try_into().ok()?;
            Some(std::net::Ipv6Addr::from(octets).to_string())
        }
        _ => None,
    }
}
