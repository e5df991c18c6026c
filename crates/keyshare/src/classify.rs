//! Certificate type of an identity (contract §1), as the reference provider's
//! `GetCertType` decides it.

use pbkit_pki::{Facts, KeyUsageBit};
use serde::Serialize;

/// What Purebred calls an identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertType {
    /// PIV authentication ("authentication" in UTIs, "PIV" in the UI, `piv` in names).
    Authentication,
    /// Digital signature (S/MIME signing).
    Signature,
    /// Key management (S/MIME encryption).
    Encryption,
    /// Device identity.
    Device,
    /// None of the above.
    Unknown,
}

impl CertType {
    /// What iOS Mail uses an identity of this type for, if anything: the use whose
    /// fitness rule ([`pbkit_pkcs12::fitness`]) it must meet.
    pub fn smime_use(self) -> Option<pbkit_pkcs12::SmimeUse> {
        match self {
            CertType::Signature => Some(pbkit_pkcs12::SmimeUse::Signing),
            CertType::Encryption => Some(pbkit_pkcs12::SmimeUse::Encryption),
            CertType::Authentication | CertType::Device | CertType::Unknown => None,
        }
    }

    /// Why an identity of this type, with the certificate `facts`, would fail in Mail.
    pub fn misfits(self, facts: &Facts) -> Vec<pbkit_pkcs12::Unfit> {
        self.smime_use()
            .map(|u| pbkit_pkcs12::fitness(facts, u, None))
            .unwrap_or_default()
    }

    /// Every type, in the order the contract lists file labels.
    pub const ALL: [CertType; 5] = [
        CertType::Authentication,
        CertType::Signature,
        CertType::Encryption,
        CertType::Device,
        CertType::Unknown,
    ];

    /// The label in file names: `piv`, `signature`, `encryption`, `device`, `unknown`.
    pub fn label(self) -> &'static str {
        match self {
            CertType::Authentication => "piv",
            CertType::Signature => "signature",
            CertType::Encryption => "encryption",
            CertType::Device => "device",
            CertType::Unknown => "unknown",
        }
    }
}

/// A type and the rule of the contract's table that decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// The type.
    #[serde(rename = "type")]
    pub cert_type: CertType,
    /// The deciding rule, in words.
    pub rule: &'static str,
}

/// Classifies a certificate. Only keyUsage bits 0-2 and the SAN are read; the rows are
/// tried top to bottom and the first that matches wins.
pub fn classify(facts: &Facts) -> Classification {
    let c = |cert_type, rule| Classification { cert_type, rule };
    let Some(ku) = facts.key_usage else {
        return c(CertType::Unknown, "no keyUsage extension");
    };
    let ds = ku.contains(KeyUsageBit::DigitalSignature);
    let nr = ku.contains(KeyUsageBit::NonRepudiation);
    let ke = ku.contains(KeyUsageBit::KeyEncipherment);
    match (ds, nr, ke) {
        (true, _, true) => c(CertType::Device, "digitalSignature and keyEncipherment"),
        (true, true, false) => c(CertType::Signature, "digitalSignature and nonRepudiation"),
        (true, false, false) if !facts.san.email.is_empty() => c(
            CertType::Signature,
            "digitalSignature only, SAN has an email address",
        ),
        (true, false, false) if facts.san.has_utf8_other_name() => c(
            CertType::Authentication,
            "digitalSignature only, SAN has a UTF8String otherName (UPN)",
        ),
        (true, false, false) => c(
            CertType::Device,
            "digitalSignature only, no SAN email or UPN",
        ),
        (false, _, true) => c(
            CertType::Encryption,
            "keyEncipherment without digitalSignature",
        ),
        (false, _, false) => c(
            CertType::Unknown,
            "keyUsage has neither digitalSignature nor keyEncipherment",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pbkit_pki::{KeyInfo, KeyUsage, San};
    use KeyUsageBit::*;

    fn facts(ku: Option<&[KeyUsageBit]>, email: bool, upn: bool) -> Facts {
        Facts {
            subject: String::new(),
            issuer: String::new(),
            serial: "01".into(),
            not_before: time::OffsetDateTime::UNIX_EPOCH,
            not_after: time::OffsetDateTime::UNIX_EPOCH,
            key_usage: ku.map(KeyUsage::of),
            extended_key_usage: vec![],
            san: San {
                email: if email { vec!["a@b".into()] } else { vec![] },
                upn: if upn { vec!["1@mil".into()] } else { vec![] },
                ..San::default()
            },
            subject_key_id: None,
            authority_key_id: None,
            sha256: String::new(),
            key: Some(KeyInfo {
                algorithm: "RSA".into(),
                bits: 2048,
                curve: None,
            }),
            signature_algorithm: String::new(),
            is_ca: false,
            self_signed: false,
            crl_urls: Vec::new(),
            ocsp_urls: Vec::new(),
            problems: Vec::new(),
        }
    }

    #[test]
    fn every_row_of_the_table() {
        let t = |ku: Option<&[KeyUsageBit]>, email, upn| classify(&facts(ku, email, upn)).cert_type;
        use CertType::*;
        assert_eq!(
            t(Some(&[DigitalSignature, KeyEncipherment]), true, true),
            Device
        );
        assert_eq!(
            t(
                Some(&[DigitalSignature, NonRepudiation, KeyEncipherment]),
                false,
                false
            ),
            Device
        );
        assert_eq!(
            t(Some(&[DigitalSignature, NonRepudiation]), false, false),
            Signature
        );
        assert_eq!(t(Some(&[DigitalSignature]), true, true), Signature);
        assert_eq!(t(Some(&[DigitalSignature]), false, true), Authentication);
        assert_eq!(t(Some(&[DigitalSignature]), false, false), Device);
        // Bits beyond 0-2 do not change the outcome.
        assert_eq!(
            t(Some(&[DigitalSignature, DataEncipherment]), false, true),
            Authentication
        );
        assert_eq!(t(Some(&[KeyEncipherment]), true, false), Encryption);
        assert_eq!(
            t(Some(&[NonRepudiation, KeyEncipherment]), true, false),
            Encryption
        );
        assert_eq!(t(Some(&[NonRepudiation]), true, true), Unknown);
        assert_eq!(t(Some(&[KeyAgreement]), true, false), Unknown);
        assert_eq!(t(None, true, true), Unknown);
    }
}

/// One certificate of an input file, classified, with what identifies it: a row of
/// `pbkit keyshare classify`.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Classified {
    /// The file it came from.
    pub input: String,
    /// Its serial number (hex).
    pub serial: String,
    /// Its subject, one line.
    pub subject: String,
    /// Its notBefore, RFC 3339 (the newest of a type wins a selection).
    pub not_before: String,
    /// Its type and the deciding rule.
    #[serde(flatten)]
    pub classification: Classification,
}

impl std::fmt::Display for Classified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<14} {:<12} {}  ({}; notBefore {})",
            self.classification.cert_type.label(),
            self.serial,
            self.input,
            self.classification.rule,
            self.not_before
        )
    }
}

/// Classifies every certificate of `inputs` (files, or folders of `.p12`/`.pfx` files):
/// a certificate file (PEM, DER, PKCS#7) certificate by certificate, anything else as a
/// PKCS#12 whose leaf is classified. `password` is called once, when the first PKCS#12
/// comes up: certificates alone need none.
pub fn classify_files<E: From<crate::Error>>(
    inputs: &[std::path::PathBuf],
    mut password: impl FnMut() -> Result<pbkit_pkcs12::Password, E>,
) -> Result<Vec<Classified>, E> {
    let mut known = None;
    let mut rows = Vec::new();
    for path in crate::pkcs12_inputs(inputs)? {
        let input = path.display().to_string();
        let bytes =
            pbkit_infile::read(&path, pbkit_pkcs12::FILE_LIMIT).map_err(crate::Error::from)?;
        let certs = match pbkit_pki::bundle::parse(&bytes, &input) {
            Ok(certs) => certs,
            Err(_) => {
                let pw = match &known {
                    Some(pw) => pw,
                    None => known.insert(password()?),
                };
                let identity =
                    pbkit_pkcs12::Identity::from_pkcs12(&bytes, pw).map_err(|source| {
                        crate::Error::Input {
                            path: input.clone(),
                            source,
                        }
                    })?;
                vec![identity.certificate().clone()]
            }
        };
        for cert in certs {
            let facts = cert.facts().map_err(crate::Error::from)?;
            rows.push(Classified {
                input: input.clone(),
                serial: facts.serial.clone(),
                subject: facts.subject.clone(),
                not_before: pbkit_pki::rfc3339(facts.not_before),
                classification: classify(&facts),
            });
        }
    }
    Ok(rows)
}
