//! One certificate and the facts pbkit reports about it.

use std::fmt;

use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::Id;
use openssl::x509::{X509Ref, X509VerifyResult, X509};
use serde::{Serialize, Serializer};
use time::OffsetDateTime;
use x509_parser::asn1_rs::{Any, FromDer as _, Oid, Tag};
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::X509Certificate;

use crate::{hex, Error, UPN_OID};

/// How many times this process decoded a certificate through OpenSSL
/// ([`Certificate::from_der`], and the rare [`Facts::from_der`] that needs OpenSSL's view
/// of a key or self-signature). A decode sets up OpenSSL's decoder machinery (about 20 %
/// of a rollout's CPU when it was done per identity): tests count them to keep them off
/// hot paths.
pub fn openssl_decodes() -> usize {
    OPENSSL_DECODES.load(std::sync::atomic::Ordering::Relaxed)
}

static OPENSSL_DECODES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn openssl_decode(der: &[u8]) -> Result<X509, Error> {
    OPENSSL_DECODES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    Ok(X509::from_der(der)?)
}

/// An X.509 certificate: the OpenSSL object (for verification and PKCS#12) and its DER.
#[derive(Clone)]
pub struct Certificate {
    x509: X509,
    der: Vec<u8>,
}

impl Certificate {
    /// Wraps an OpenSSL certificate.
    pub fn from_x509(x509: X509) -> Result<Certificate, Error> {
        let der = x509.to_der()?;
        Ok(Certificate { x509, der })
    }

    /// Reads one DER certificate, keeping its bytes (no re-encoding).
    pub fn from_der(der: &[u8]) -> Result<Certificate, Error> {
        Ok(Certificate {
            x509: openssl_decode(der)?,
            der: der.to_vec(),
        })
    }

    /// The OpenSSL certificate.
    pub fn x509(&self) -> &X509Ref {
        &self.x509
    }

    /// Consumes the wrapper, giving back the OpenSSL certificate.
    pub fn into_x509(self) -> X509 {
        self.x509
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The PEM encoding (one `CERTIFICATE` block).
    pub fn to_pem(&self) -> Result<Vec<u8>, Error> {
        Ok(self.x509.to_pem()?)
    }

    /// Uppercase hex SHA-256 of the DER: the label a Purebred consumer gives the identity
    /// in its keychain.
    pub fn sha256_hex(&self) -> String {
        hex::upper(&openssl::sha::sha256(&self.der))
    }

    /// Decodes every fact pbkit reports ([`Facts::from_der`], with this OpenSSL object at
    /// hand for what needs it).
    pub fn facts(&self) -> Result<Facts, Error> {
        Facts::read(&self.der, Some(&self.x509))
    }

    /// Subject equals issuer and the certificate's own key verifies its signature.
    pub fn is_self_signed(&self) -> bool {
        self_signed(&self.x509)
    }

    /// SHA-256 of the DER, raw.
    pub fn digest_sha256(&self) -> Result<Vec<u8>, Error> {
        Ok(self.x509.digest(MessageDigest::sha256())?.to_vec())
    }
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.x509.subject_name())
            .field("sha256", &self.sha256_hex())
            .finish()
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Certificate) -> bool {
        self.der == other.der
    }
}
impl Eq for Certificate {}

/// Subject equals issuer and the certificate's own key verifies its signature.
fn self_signed(x509: &X509Ref) -> bool {
    x509.issued(x509) == X509VerifyResult::OK
        && x509
            .public_key()
            .and_then(|k| x509.verify(&k))
            .unwrap_or(false)
}

/// A DER INTEGER's content as OpenSSL's `BN_bn2hex` writes it: uppercase hex, whole
/// bytes, no leading zero byte, `-` before a negative one, `0` for zero.
fn serial_hex(content: &[u8]) -> String {
    let negative = content.first().is_some_and(|b| b & 0x80 != 0);
    let magnitude: Vec<u8> = if negative {
        // Two's complement: invert and add one.
        let mut m: Vec<u8> = content.iter().map(|b| !b).collect();
        for b in m.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        m
    } else {
        content.to_vec()
    };
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    match (&magnitude[start..], negative) {
        ([], _) => "0".into(),
        (m, false) => hex::upper(m),
        (m, true) => format!("-{}", hex::upper(m)),
    }
}

/// The subject alternative names of a DER certificate, read without OpenSSL (cheap: no
/// key decoding).
pub fn san_of(der: &[u8]) -> Result<San, Error> {
    let bad = |detail: String| Error::BadField {
        subject: "(unparsed)".into(),
        detail,
    };
    let (_, parsed) =
        X509Certificate::from_der(der).map_err(|e| bad(format!("DER not understood: {e}")))?;
    for ext in parsed.extensions() {
        if let ParsedExtension::SubjectAlternativeName(names) = ext.parsed_extension() {
            return San::from_general_names(&names.general_names).map_err(bad);
        }
    }
    Ok(San::default())
}

/// Everything `pbkit cert show` reports about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Facts {
    /// Subject distinguished name, RFC 4514-like (`C=US, O=U.S. Government, …`).
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial as uppercase hex, whole bytes (0x048F → `048F`), as OpenSSL's `BN_bn2hex`
    /// writes it: exactly what Purebred's provider puts in file names.
    pub serial: String,
    /// Start of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// The keyUsage extension; `None` when the certificate has none.
    pub key_usage: Option<KeyUsage>,
    /// Extended key usages, in certificate order.
    pub extended_key_usage: Vec<ExtendedKeyUsage>,
    /// Subject alternative names.
    pub san: San,
    /// Subject key identifier, uppercase hex.
    pub subject_key_id: Option<String>,
    /// Authority key identifier (keyIdentifier field), uppercase hex.
    pub authority_key_id: Option<String>,
    /// SHA-256 of the DER, uppercase hex.
    pub sha256: String,
    /// Public key algorithm and size; `None` when OpenSSL cannot decode the key (named
    /// in `problems`).
    pub key: Option<KeyInfo>,
    /// Signature algorithm, OpenSSL's long name (e.g. `sha256WithRSAEncryption`).
    pub signature_algorithm: String,
    /// basicConstraints cA.
    pub is_ca: bool,
    /// Issued by itself, signature checked.
    pub self_signed: bool,
    /// Where its CRL is published: the cRLDistributionPoints' URIs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub crl_urls: Vec<String>,
    /// Its OCSP responders: the authorityInfoAccess id-ad-ocsp URIs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ocsp_urls: Vec<String>,
    /// Parts that could not be decoded, or break a rule, each in words.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl Facts {
    /// Decodes every fact pbkit reports from a DER certificate, without OpenSSL for an
    /// ordinary certificate (an RSA or NIST-curve key, issued by another): a rollout
    /// reads each identity's facts this way. A part that cannot be decoded (a malformed
    /// or repeated extension, a public key OpenSSL cannot use) is named in
    /// [`Facts::problems`] and the rest is still read; a certificate whose structure,
    /// names or times cannot be read, or whose version does not exist, is an error.
    pub fn from_der(der: &[u8]) -> Result<Facts, Error> {
        Facts::read(der, None)
    }

    /// [`Facts::from_der`]; `x509` is the OpenSSL object when the caller has one (else it
    /// is decoded, once, only if needed: another key type, or a subject equal to its
    /// issuer).
    fn read(der: &[u8], x509: Option<&X509Ref>) -> Result<Facts, Error> {
        let (_, parsed) = X509Certificate::from_der(der).map_err(|e| Error::BadField {
            subject: "(unparsed)".into(),
            detail: format!("DER not understood: {e}"),
        })?;
        let mut decoded: Option<X509> = None;
        let mut openssl = || -> Result<X509, Error> {
            match (x509, &decoded) {
                (Some(x), _) => Ok(x.to_owned()),
                (None, Some(x)) => Ok(x.clone()),
                (None, None) => {
                    let x = openssl_decode(der)?;
                    decoded = Some(x.clone());
                    Ok(x)
                }
            }
        };
        let subject = parsed.subject().to_string();
        let version = parsed.version().0;
        if version > 2 {
            return Err(Error::BadField {
                subject,
                detail: format!("version field {version}: X.509 has v1 to v3 (0 to 2)"),
            });
        }

        let mut problems = Vec::new();
        let mut key_usage = None;
        let mut extended_key_usage = Vec::new();
        let mut san = San::default();
        let mut is_ca = false;
        let (mut crl_urls, mut ocsp_urls) = (Vec::new(), Vec::new());
        let (mut subject_key_id, mut authority_key_id) = (None, None);
        let mut seen: Vec<&Oid> = Vec::new();
        for ext in parsed.extensions() {
            // Named only for a problem: most certificates have none.
            let name = || extension_name(&ext.oid);
            if seen.contains(&&ext.oid) {
                problems.push(format!(
                    "{} appears twice (RFC 5280 4.2: at most once)",
                    name()
                ));
                continue;
            }
            seen.push(&ext.oid);
            match ext.parsed_extension() {
                ParsedExtension::KeyUsage(ku) => key_usage = Some(KeyUsage(ku.flags)),
                ParsedExtension::ExtendedKeyUsage(_) => {
                    // Re-read the raw SEQUENCE OF OID: x509-parser's struct loses the order.
                    match Vec::<Oid>::from_der(ext.value) {
                        Ok((_, oids)) if !oids.is_empty() => {
                            extended_key_usage = oids
                                .iter()
                                .map(|o| ExtendedKeyUsage::from_oid(&o.to_id_string()))
                                .collect()
                        }
                        Ok(_) => problems.push(format!("{} is empty (RFC 5280 4.2.1.12)", name())),
                        Err(e) => problems.push(format!("{} cannot be decoded: {e}", name())),
                    }
                }
                ParsedExtension::SubjectAlternativeName(names) => {
                    match San::from_general_names(&names.general_names) {
                        Ok(names) => san = names,
                        Err(e) => problems.push(format!("{} cannot be decoded: {e}", name())),
                    }
                }
                // Not shown, but its names are decoded as the subject's are: a malformed
                // one is named.
                ParsedExtension::IssuerAlternativeName(names) => {
                    if let Err(e) = San::from_general_names(&names.general_names) {
                        problems.push(format!("{} cannot be decoded: {e}", name()));
                    }
                }
                ParsedExtension::BasicConstraints(bc) => is_ca = bc.ca,
                ParsedExtension::SubjectKeyIdentifier(k) => subject_key_id = Some(hex::upper(k.0)),
                ParsedExtension::AuthorityKeyIdentifier(a) => {
                    authority_key_id = a.key_identifier.as_ref().map(|k| hex::upper(k.0));
                }
                ParsedExtension::CRLDistributionPoints(cdp) => {
                    for point in &cdp.points {
                        if let Some(DistributionPointName::FullName(names)) =
                            &point.distribution_point
                        {
                            crl_urls.extend(names.iter().filter_map(|n| match n {
                                GeneralName::URI(u) => Some(u.to_string()),
                                _ => None,
                            }));
                        }
                    }
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    ocsp_urls.extend(aia.iter().filter_map(|d| {
                        match (&d.access_location, d.access_method.to_id_string().as_str()) {
                            (GeneralName::URI(u), OCSP_OID) => Some(u.to_string()),
                            _ => None,
                        }
                    }));
                }
                ParsedExtension::ParseError { error } => {
                    problems.push(format!("{} cannot be decoded: {error}", name()))
                }
                _ => {}
            }
        }
        let key_info = match KeyInfo::from_spki(&parsed) {
            Some(k) => Ok(k),
            None => openssl().and_then(|x| KeyInfo::of(&x)),
        };
        let key = match key_info {
            Ok(key) => {
                if key.algorithm == "EC" && !ec_named_curve(&parsed) {
                    problems.push(
                        "EC public key with explicit curve parameters (RFC 5480: a named curve)"
                            .into(),
                    );
                }
                Some(key)
            }
            Err(e) => {
                problems.push(format!("the public key cannot be decoded ({})", e.reason()));
                None
            }
        };

        let time = |t: x509_parser::time::ASN1Time| t.to_datetime();
        Ok(Facts {
            issuer: parsed.issuer().to_string(),
            serial: serial_hex(parsed.raw_serial()),
            not_before: time(parsed.validity().not_before),
            not_after: time(parsed.validity().not_after),
            key_usage,
            extended_key_usage,
            san,
            subject_key_id,
            authority_key_id,
            sha256: hex::upper(&openssl::sha::sha256(der)),
            key,
            signature_algorithm: openssl::asn1::Asn1Object::from_str(
                &parsed.signature_algorithm.algorithm.to_id_string(),
            )
            .ok()
            .and_then(|o| o.nid().long_name().ok().map(str::to_string))
            .unwrap_or_else(|| "unknown".into()),
            is_ca,
            // Only a certificate naming itself as issuer can be; OpenSSL checks the rest.
            self_signed: parsed.subject().as_raw() == parsed.issuer().as_raw()
                && openssl().is_ok_and(|x| self_signed(&x)),
            crl_urls,
            ocsp_urls,
            subject,
            problems,
        })
    }
}

/// The facts that identify a certificate in a manifest: who, by whom, which, when, hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Summary {
    /// Subject DN.
    pub subject: String,
    /// Issuer DN.
    pub issuer: String,
    /// Serial, uppercase hex, whole bytes.
    pub serial: String,
    /// Start of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// SHA-256 of the DER, uppercase hex.
    pub sha256: String,
}

impl Summary {
    /// Where `at` falls in the validity period.
    pub fn validity(&self, at: OffsetDateTime) -> Validity {
        Validity::of(self.not_before, self.not_after, at)
    }

    /// What is wrong with the validity period at `at`, in words; `None` when valid.
    pub fn validity_problem(&self, at: OffsetDateTime) -> Option<String> {
        Validity::problem(self.not_before, self.not_after, at)
    }
}

impl From<Facts> for Summary {
    fn from(f: Facts) -> Summary {
        Summary {
            subject: f.subject,
            issuer: f.issuer,
            serial: f.serial,
            not_before: f.not_before,
            not_after: f.not_after,
            sha256: f.sha256,
        }
    }
}

/// Where a moment falls in a certificate's validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validity {
    /// Within notBefore..=notAfter.
    Valid,
    /// After notAfter.
    Expired,
    /// Before notBefore.
    NotYetValid,
}

impl Validity {
    /// Where `at` falls in notBefore..=notAfter.
    pub fn of(
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Validity {
        if at < not_before {
            Validity::NotYetValid
        } else if at > not_after {
            Validity::Expired
        } else {
            Validity::Valid
        }
    }

    /// What is wrong at `at`, in words (`expired on 2025-11-23T12:00:00Z`, `not valid
    /// before …`); `None` when valid.
    pub fn problem(
        not_before: OffsetDateTime,
        not_after: OffsetDateTime,
        at: OffsetDateTime,
    ) -> Option<String> {
        match Validity::of(not_before, not_after, at) {
            Validity::Valid => None,
            Validity::Expired => Some(format!("expired on {}", crate::rfc3339(not_after))),
            Validity::NotYetValid => {
                Some(format!("not valid before {}", crate::rfc3339(not_before)))
            }
        }
    }
}

/// `valid`, `expired`, `not yet valid`.
impl std::fmt::Display for Validity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Validity::Valid => "valid",
            Validity::Expired => "expired",
            Validity::NotYetValid => "not yet valid",
        })
    }
}

/// A certificate's facts as `pbkit cert show` prints them: one labelled row each, lists
/// only when not empty, validity judged at `at`.
pub struct FactsReport<'a> {
    /// The facts.
    pub facts: &'a Facts,
    /// The moment the validity is judged at.
    pub at: OffsetDateTime,
}

impl std::fmt::Display for FactsReport<'_> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let f = self.facts;
        let row = |out: &mut std::fmt::Formatter<'_>, label: &str, value: &str| {
            writeln!(out, "  {label:<15}{value}")
        };
        let list = |out: &mut std::fmt::Formatter<'_>, label: &str, values: &[String]| {
            if values.is_empty() {
                Ok(())
            } else {
                row(out, label, &values.join(", "))
            }
        };
        let name = |n: &str| {
            if n.is_empty() {
                "(empty)".to_string()
            } else {
                n.to_string()
            }
        };
        row(out, "subject", &name(&f.subject))?;
        row(out, "issuer", &name(&f.issuer))?;
        row(out, "serial", &f.serial)?;
        let status = match f.validity(self.at) {
            Validity::Valid => String::new(),
            other => format!(" ({other})"),
        };
        row(out, "not before", &crate::rfc3339(f.not_before))?;
        row(
            out,
            "not after",
            &format!("{}{status}", crate::rfc3339(f.not_after)),
        )?;
        let key = f
            .key
            .as_ref()
            .map_or("(cannot be decoded)".to_string(), ToString::to_string);
        row(out, "key", &key)?;
        row(out, "signature", &f.signature_algorithm)?;
        let ku = f
            .key_usage
            .map_or("(no extension)".to_string(), |k| k.to_string());
        row(out, "key usage", &ku)?;
        let ekus: Vec<String> = f
            .extended_key_usage
            .iter()
            .map(|e| e.name().to_string())
            .collect();
        list(out, "ext key usage", &ekus)?;
        list(out, "SAN email", &f.san.email)?;
        list(out, "SAN UPN", &f.san.upn)?;
        list(out, "SAN URI", &f.san.uri)?;
        list(out, "SAN DNS", &f.san.dns)?;
        let ips: Vec<String> = f.san.ip.iter().map(ToString::to_string).collect();
        list(out, "SAN IP", &ips)?;
        if f.is_ca {
            let ca = if f.self_signed {
                "yes, self-signed"
            } else {
                "yes"
            };
            row(out, "CA", ca)?;
        }
        list(out, "CRL", &f.crl_urls)?;
        list(out, "OCSP", &f.ocsp_urls)?;
        if let Some(ski) = &f.subject_key_id {
            row(out, "subject key id", ski)?;
        }
        if let Some(aki) = &f.authority_key_id {
            row(out, "auth key id", aki)?;
        }
        row(out, "SHA-256", &f.sha256)?;
        for p in &f.problems {
            row(out, "problem", p)?;
        }
        Ok(())
    }
}

impl Facts {
    /// Whether the keyUsage extension is present and has `bit` set.
    pub fn has_key_usage(&self, bit: KeyUsageBit) -> bool {
        self.key_usage.is_some_and(|ku| ku.contains(bit))
    }

    /// Whether `at` lies within notBefore..=notAfter.
    pub fn valid_at(&self, at: OffsetDateTime) -> bool {
        self.validity(at) == Validity::Valid
    }

    /// Where `at` falls in the validity period.
    pub fn validity(&self, at: OffsetDateTime) -> Validity {
        Validity::of(self.not_before, self.not_after, at)
    }

    /// What is wrong with the validity period at `at`, in words; `None` when valid.
    pub fn validity_problem(&self, at: OffsetDateTime) -> Option<String> {
        Validity::problem(self.not_before, self.not_after, at)
    }
}

/// One bit of the keyUsage extension (RFC 5280 §4.2.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsageBit {
    /// bit 0
    DigitalSignature,
    /// bit 1 (contentCommitment)
    NonRepudiation,
    /// bit 2
    KeyEncipherment,
    /// bit 3
    DataEncipherment,
    /// bit 4
    KeyAgreement,
    /// bit 5
    KeyCertSign,
    /// bit 6
    CrlSign,
    /// bit 7
    EncipherOnly,
    /// bit 8
    DecipherOnly,
}

impl KeyUsageBit {
    /// All bits in bit order.
    pub const ALL: [KeyUsageBit; 9] = [
        KeyUsageBit::DigitalSignature,
        KeyUsageBit::NonRepudiation,
        KeyUsageBit::KeyEncipherment,
        KeyUsageBit::DataEncipherment,
        KeyUsageBit::KeyAgreement,
        KeyUsageBit::KeyCertSign,
        KeyUsageBit::CrlSign,
        KeyUsageBit::EncipherOnly,
        KeyUsageBit::DecipherOnly,
    ];

    /// The RFC 5280 name, e.g. `digitalSignature`.
    pub fn name(self) -> &'static str {
        match self {
            KeyUsageBit::DigitalSignature => "digitalSignature",
            KeyUsageBit::NonRepudiation => "nonRepudiation",
            KeyUsageBit::KeyEncipherment => "keyEncipherment",
            KeyUsageBit::DataEncipherment => "dataEncipherment",
            KeyUsageBit::KeyAgreement => "keyAgreement",
            KeyUsageBit::KeyCertSign => "keyCertSign",
            KeyUsageBit::CrlSign => "cRLSign",
            KeyUsageBit::EncipherOnly => "encipherOnly",
            KeyUsageBit::DecipherOnly => "decipherOnly",
        }
    }

    fn mask(self) -> u16 {
        1 << (self as u16)
    }
}

/// The set of keyUsage bits of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUsage(u16);

impl KeyUsage {
    /// A set from bits.
    pub fn of(bits: &[KeyUsageBit]) -> KeyUsage {
        KeyUsage(bits.iter().fold(0, |m, b| m | b.mask()))
    }

    /// Whether `bit` is set.
    pub fn contains(self, bit: KeyUsageBit) -> bool {
        self.0 & bit.mask() != 0
    }

    /// The set bits in bit order.
    pub fn bits(self) -> impl Iterator<Item = KeyUsageBit> {
        KeyUsageBit::ALL
            .into_iter()
            .filter(move |b| self.contains(*b))
    }
}

impl fmt::Display for KeyUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.bits().map(KeyUsageBit::name).collect();
        f.write_str(&names.join(", "))
    }
}

impl Serialize for KeyUsage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.bits().map(KeyUsageBit::name))
    }
}

/// An extended key usage purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtendedKeyUsage {
    /// anyExtendedKeyUsage
    Any,
    /// TLS server authentication
    ServerAuth,
    /// TLS client authentication
    ClientAuth,
    /// Code signing
    CodeSigning,
    /// S/MIME
    EmailProtection,
    /// Time stamping
    TimeStamping,
    /// OCSP signing
    OcspSigning,
    /// Microsoft smart card logon (`1.3.6.1.4.1.311.20.2.2`), on DoD signature and PIV
    /// authentication certificates.
    SmartcardLogon,
    /// Any other purpose, by dotted OID.
    Other(String),
}

/// OID of Microsoft smart card logon.
const SMARTCARD_LOGON_OID: &str = "1.3.6.1.4.1.311.20.2.2";
/// id-ad-ocsp: the OCSP access method of authorityInfoAccess (RFC 5280 4.2.2.1).
const OCSP_OID: &str = "1.3.6.1.5.5.7.48.1";

impl ExtendedKeyUsage {
    /// The purpose with this dotted OID.
    pub fn from_oid(oid: &str) -> ExtendedKeyUsage {
        use ExtendedKeyUsage::*;
        [
            Any,
            ServerAuth,
            ClientAuth,
            CodeSigning,
            EmailProtection,
            TimeStamping,
            OcspSigning,
            SmartcardLogon,
        ]
        .into_iter()
        .find(|k| k.oid() == oid)
        .unwrap_or_else(|| Other(oid.to_string()))
    }

    /// The dotted OID.
    pub fn oid(&self) -> &str {
        match self {
            ExtendedKeyUsage::Any => "2.5.29.37.0",
            ExtendedKeyUsage::ServerAuth => "1.3.6.1.5.5.7.3.1",
            ExtendedKeyUsage::ClientAuth => "1.3.6.1.5.5.7.3.2",
            ExtendedKeyUsage::CodeSigning => "1.3.6.1.5.5.7.3.3",
            ExtendedKeyUsage::EmailProtection => "1.3.6.1.5.5.7.3.4",
            ExtendedKeyUsage::TimeStamping => "1.3.6.1.5.5.7.3.8",
            ExtendedKeyUsage::OcspSigning => "1.3.6.1.5.5.7.3.9",
            ExtendedKeyUsage::SmartcardLogon => SMARTCARD_LOGON_OID,
            ExtendedKeyUsage::Other(oid) => oid,
        }
    }

    /// The conventional name (OpenSSL's short names; the OID for unknown purposes).
    pub fn name(&self) -> &str {
        match self {
            ExtendedKeyUsage::Any => "anyExtendedKeyUsage",
            ExtendedKeyUsage::ServerAuth => "serverAuth",
            ExtendedKeyUsage::ClientAuth => "clientAuth",
            ExtendedKeyUsage::CodeSigning => "codeSigning",
            ExtendedKeyUsage::EmailProtection => "emailProtection",
            ExtendedKeyUsage::TimeStamping => "timeStamping",
            ExtendedKeyUsage::OcspSigning => "OCSPSigning",
            ExtendedKeyUsage::SmartcardLogon => "msSmartcardLogin",
            ExtendedKeyUsage::Other(oid) => oid,
        }
    }
}

impl Serialize for ExtendedKeyUsage {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Subject alternative names, grouped by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct San {
    /// rfc822Name entries. iOS Mail signs only when From equals the first one.
    pub email: Vec<String>,
    /// otherName UPN (`1.3.6.1.4.1.311.20.2.3`) values, decoded to text.
    pub upn: Vec<String>,
    /// uniformResourceIdentifier entries (PIV authentication: `urn:uuid:…`).
    pub uri: Vec<String>,
    /// dNSName entries.
    pub dns: Vec<String>,
    /// iPAddress entries (4 or 16 bytes; other lengths are not addresses and are left out).
    pub ip: Vec<std::net::IpAddr>,
    /// otherNames other than the UPN.
    pub other_names: Vec<OtherName>,
}

/// An otherName that is not a UPN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OtherName {
    /// The type OID, dotted.
    pub oid: String,
    /// The value when it is a UTF8String.
    pub text: Option<String>,
}

impl San {
    fn from_general_names(names: &[GeneralName<'_>]) -> Result<San, String> {
        let mut san = San::default();
        for name in names {
            match name {
                GeneralName::RFC822Name(s) => san.email.push(s.to_string()),
                GeneralName::DNSName(s) => san.dns.push(s.to_string()),
                GeneralName::URI(s) => san.uri.push(s.to_string()),
                GeneralName::IPAddress(b) => {
                    if let Ok(v4) = <[u8; 4]>::try_from(*b) {
                        san.ip.push(v4.into());
                    } else if let Ok(v6) = <[u8; 16]>::try_from(*b) {
                        san.ip.push(v6.into());
                    }
                }
                GeneralName::OtherName(oid, value) => {
                    let oid = oid.to_id_string();
                    let text = other_name_text(value)
                        .map_err(|e| format!("otherName {oid} not understood: {e}"))?;
                    match (oid.as_str(), text) {
                        (UPN_OID, Some(upn)) => san.upn.push(upn),
                        (_, text) => san.other_names.push(OtherName { oid, text }),
                    }
                }
                _ => {}
            }
        }
        Ok(san)
    }

    /// Whether the SAN has an otherName whose value is a UTF8String: the UPN test of
    /// Purebred's classification.
    pub fn has_utf8_other_name(&self) -> bool {
        !self.upn.is_empty() || self.other_names.iter().any(|o| o.text.is_some())
    }
}

/// The `[0] EXPLICIT` value of an otherName, as text when it is a UTF8String.
fn other_name_text(explicit: &[u8]) -> Result<Option<String>, String> {
    let (_, outer) = Any::from_der(explicit).map_err(|e| e.to_string())?;
    let (_, inner) = Any::from_der(outer.data).map_err(|e| e.to_string())?;
    if inner.tag() != Tag::Utf8String {
        return Ok(None);
    }
    std::str::from_utf8(inner.data)
        .map(|s| Some(s.to_string()))
        .map_err(|e| e.to_string())
}

/// Public key algorithm and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyInfo {
    /// `RSA`, `EC`, `Ed25519`, `Ed448`, `DSA`, or OpenSSL's name for others.
    pub algorithm: String,
    /// Key size in bits.
    pub bits: u32,
    /// NIST curve name for EC keys (`P-256`, `P-384`, `P-521`), else OpenSSL's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curve: Option<String>,
}

impl KeyInfo {
    /// The key of an RSA or NIST-curve certificate, read from its DER; `None` for others,
    /// which OpenSSL describes ([`KeyInfo::of`]).
    fn from_spki(cert: &X509Certificate) -> Option<KeyInfo> {
        use x509_parser::public_key::PublicKey;
        let spki = cert.public_key();
        match spki.parsed().ok()? {
            PublicKey::RSA(rsa) => {
                let modulus = &rsa.modulus[rsa.modulus.iter().position(|&b| b != 0)?..];
                let bits = (modulus.len() - 1) * 8 + (8 - modulus[0].leading_zeros() as usize);
                Some(KeyInfo {
                    algorithm: "RSA".into(),
                    bits: u32::try_from(bits).ok()?,
                    curve: None,
                })
            }
            PublicKey::EC(_) => {
                let curve = spki.algorithm.parameters.as_ref()?.as_oid().ok()?;
                let (name, bits) = match curve.to_id_string().as_str() {
                    "1.2.840.10045.3.1.7" => ("P-256", 256),
                    "1.3.132.0.34" => ("P-384", 384),
                    "1.3.132.0.35" => ("P-521", 521),
                    _ => return None,
                };
                Some(KeyInfo {
                    algorithm: "EC".into(),
                    bits,
                    curve: Some(name.into()),
                })
            }
            _ => None,
        }
    }

    fn of(x509: &X509Ref) -> Result<KeyInfo, Error> {
        let key = x509.public_key()?;
        let (algorithm, curve) = match key.id() {
            Id::RSA => ("RSA".to_string(), None),
            Id::EC => {
                let nid = key.ec_key()?.group().curve_name();
                let curve = match nid {
                    Some(Nid::X9_62_PRIME256V1) => "P-256".to_string(),
                    Some(Nid::SECP384R1) => "P-384".to_string(),
                    Some(Nid::SECP521R1) => "P-521".to_string(),
                    Some(n) => n.short_name().unwrap_or("unnamed").to_string(),
                    None => "explicit parameters".to_string(),
                };
                ("EC".to_string(), Some(curve))
            }
            Id::ED25519 => ("Ed25519".to_string(), None),
            Id::ED448 => ("Ed448".to_string(), None),
            Id::DSA => ("DSA".to_string(), None),
            other => (
                Nid::from_raw(other.as_raw())
                    .short_name()
                    .unwrap_or("unknown")
                    .to_string(),
                None,
            ),
        };
        Ok(KeyInfo {
            algorithm,
            bits: key.bits(),
            curve,
        })
    }
}

/// An extension's name for messages: x509-parser's registry name, else the OID.
fn extension_name(oid: &Oid) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| format!("extension {oid}"))
}

/// Whether an EC key's parameters name a curve (RFC 5480), rather than spell one out.
fn ec_named_curve(cert: &X509Certificate) -> bool {
    cert.public_key()
        .algorithm
        .parameters
        .as_ref()
        .is_some_and(|p| p.tag() == Tag::Oid)
}

impl fmt::Display for KeyInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.curve {
            Some(c) => write!(f, "{} {} ({} bits)", self.algorithm, c, self.bits),
            None => write!(f, "{} {}", self.algorithm, self.bits),
        }
    }
}
