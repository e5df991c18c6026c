//! The PFX structure (RFC 7292 §4), parsed from BER without the password.

use asn1_rs::{Any, Class, Tag};
use zeroize::Zeroizing;

use crate::pbe::{checked_iterations, name_of_oid, Algorithm, Digest};
use crate::{ber, Error};

const DATA: &str = "1.2.840.113549.1.7.1";
const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";
const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const CRL_BAG: &str = "1.2.840.113549.1.12.10.1.4";
const SECRET_BAG: &str = "1.2.840.113549.1.12.10.1.5";
const SAFE_CONTENTS_BAG: &str = "1.2.840.113549.1.12.10.1.6";
const X509_CERTIFICATE: &str = "1.2.840.113549.1.9.22.1";
const FRIENDLY_NAME: &str = "1.2.840.113549.1.9.20";
const LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";

/// A parsed PFX.
#[derive(Debug, Clone)]
pub struct Pfx {
    /// The MAC (password integrity mode); `None` when the file has none.
    pub mac: Option<Mac>,
    /// The SafeContents of the AuthenticatedSafe, in order.
    pub safes: Vec<Safe>,
    /// The bytes the MAC covers (the AuthenticatedSafe's DER/BER).
    pub(crate) auth_safe: Vec<u8>,
    /// The version field (3 in every file made to RFC 7292).
    pub version: u32,
    /// Bytes after the PFX. Ignored, as OpenSSL's `d2i_PKCS12` ignores them (they are
    /// outside the MAC and change nothing), but reported by `inspect`.
    pub trailing_bytes: usize,
}

/// MacData.
#[derive(Debug, Clone)]
pub struct Mac {
    /// HMAC digest.
    pub digest: Digest,
    /// The MAC value.
    pub value: Vec<u8>,
    /// KDF salt.
    pub salt: Vec<u8>,
    /// KDF iterations.
    pub iterations: u32,
    /// PBMAC1 (RFC 9579): the HMAC key comes from PBKDF2 with these parameters, not from
    /// the PKCS#12 KDF; `salt` and `iterations` above are then unused.
    pub pbmac1: Option<Pbmac1>,
}

/// PBMAC1's key derivation (PBKDF2); [`Mac::digest`] is its HMAC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pbmac1 {
    /// PBKDF2's PRF.
    pub prf: Digest,
    /// PBKDF2's salt.
    pub salt: Vec<u8>,
    /// PBKDF2's iterations.
    pub iterations: u32,
    /// The HMAC key length, in bytes: always the HMAC's output size (checked when parsed).
    pub key_length: u32,
}

/// id-PBMAC1 (RFC 8018 appendix A.5).
const PBMAC1: &str = "1.2.840.113549.1.5.14";

/// One SafeContents of the AuthenticatedSafe.
#[derive(Debug, Clone)]
pub enum Safe {
    /// Not encrypted (ContentInfo `data`).
    Plain(Vec<Bag>),
    /// Password-encrypted (ContentInfo `encryptedData`).
    Encrypted {
        /// The scheme.
        algorithm: Algorithm,
        /// The encrypted SafeContents.
        ciphertext: Vec<u8>,
    },
}

/// A SafeBag with its attributes.
#[derive(Debug, Clone)]
pub struct Bag {
    /// The bag's content.
    pub kind: BagKind,
    /// `friendlyName` attribute.
    pub friendly_name: Option<String>,
    /// `localKeyId` attribute.
    pub local_key_id: Option<Vec<u8>>,
}

/// What a bag holds.
#[derive(Debug, Clone)]
pub enum BagKind {
    /// An unencrypted PKCS#8 PrivateKeyInfo.
    Key(Zeroizing<Vec<u8>>),
    /// An EncryptedPrivateKeyInfo.
    ShroudedKey {
        /// The scheme.
        algorithm: Algorithm,
        /// The encrypted PrivateKeyInfo.
        ciphertext: Vec<u8>,
    },
    /// An X.509 certificate (DER).
    Certificate(Vec<u8>),
    /// A CRL (kept, not used).
    Crl,
    /// A secret bag (kept, not used).
    Secret,
    /// A nested SafeContents.
    Nested(Vec<Bag>),
    /// A bag type pbkit does not know, by OID.
    Unknown(String),
}

impl BagKind {
    /// A short name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            BagKind::Key(_) => "key",
            BagKind::ShroudedKey { .. } => "pkcs8-shrouded-key",
            BagKind::Certificate(_) => "certificate",
            BagKind::Crl => "crl",
            BagKind::Secret => "secret",
            BagKind::Nested(_) => "safe-contents",
            BagKind::Unknown(_) => "unknown",
        }
    }
}

impl Pfx {
    /// Parses a PFX (BER or DER). Needs no password.
    pub fn parse(der: &[u8]) -> Result<Pfx, Error> {
        let (trailing, top) = ber::element(der, "PFX").map_err(|_| Error::NotPkcs12)?;
        let items = ber::sequence(&top, "PFX").map_err(|_| Error::NotPkcs12)?;
        let (Some(version), Some(auth_safe)) = (items.first(), items.get(1)) else {
            return Err(Error::NotPkcs12);
        };
        // RFC 7292 says 3; OpenSSL reads any, and so does pbkit (`inspect` shows it).
        let version = ber::uint(version, "PFX version").map_err(|_| Error::NotPkcs12)?;
        let (kind, content) = content_info(auth_safe, "authSafe").map_err(|_| Error::NotPkcs12)?;
        match kind.as_str() {
            DATA => {}
            SIGNED_DATA => {
                return Err(Error::UnsupportedAlgorithm(
                    "public-key integrity mode (signedData authSafe)".into(),
                ))
            }
            _ => return Err(Error::NotPkcs12),
        }
        let content = content.ok_or(Error::NotPkcs12)?;
        let auth_safe = ber::octets(&content, "authSafe content")?.into_owned();
        let mac = items.get(2).map(parse_mac).transpose()?;
        let safes = {
            let seq = ber::only(&auth_safe, "AuthenticatedSafe")?;
            ber::sequence(&seq, "AuthenticatedSafe")?
                .iter()
                .map(parse_safe)
                .collect::<Result<_, _>>()?
        };
        Ok(Pfx {
            mac,
            safes,
            auth_safe,
            version,
            trailing_bytes: trailing.len(),
        })
    }
}

/// ContentInfo: (contentType, [0] EXPLICIT content).
fn content_info<'a>(any: &Any<'a>, what: &str) -> Result<(String, Option<Any<'a>>), Error> {
    let items = ber::sequence(any, what)?;
    let kind = ber::oid(items.first().ok_or_else(|| missing(what))?, what)?;
    let content = items
        .get(1)
        .map(|c| ber::explicit(c, 0, what))
        .transpose()?;
    Ok((kind, content))
}

fn parse_mac(any: &Any<'_>) -> Result<Mac, Error> {
    let what = "MacData";
    let items = ber::sequence(any, what)?;
    let digest_info = ber::sequence(items.first().ok_or_else(|| missing(what))?, what)?;
    let algorithm = digest_info.first().ok_or_else(|| missing(what))?;
    let (digest, pbmac1) = match pbmac1_params(algorithm)? {
        Some((hmac, p)) => (hmac, Some(p)),
        None => (Digest::from_mac_algorithm(algorithm, "MAC")?, None),
    };
    let value = ber::octets(digest_info.get(1).ok_or_else(|| missing(what))?, what)?.into_owned();
    let salt = ber::octets(items.get(1).ok_or_else(|| missing(what))?, what)?.into_owned();
    let iterations = match items.get(2) {
        Some(i) => checked_iterations(ber::uint(i, what)?)?,
        None => 1,
    };
    Ok(Mac {
        digest,
        value,
        salt,
        iterations,
        pbmac1,
    })
}

/// PBMAC1-params of a MAC AlgorithmIdentifier, if it names PBMAC1: the HMAC digest and the
/// key derivation. RFC 9879 requires PBKDF2's keyLength, equal to the HMAC's output size:
/// a shorter key is the known bypass (a one-byte key is guessed in 256 tries).
fn pbmac1_params(algorithm: &Any<'_>) -> Result<Option<(Digest, Pbmac1)>, Error> {
    let what = "PBMAC1";
    let items = ber::sequence(algorithm, what)?;
    let oid = ber::oid(items.first().ok_or_else(|| missing(what))?, what)?;
    if oid != PBMAC1 {
        return Ok(None);
    }
    let params = ber::sequence(items.get(1).ok_or_else(|| missing(what))?, what)?;
    let [kdf, scheme] = &params[..] else {
        return Err(missing(what));
    };
    let kdf = crate::pbe::parse_pbkdf2(kdf, what)?;
    let hmac = Digest::from_prf_algorithm(scheme, what)?;
    let size = hmac.openssl().size() as u32;
    let key_length = match kdf.key_length {
        Some(n) if n == size => n,
        Some(n) => {
            return Err(Error::Malformed(format!(
                "PBMAC1 key length {n} is not the {}-byte output of HMAC-{} (RFC 9879: a \
                 shorter key makes the MAC guessable)",
                size,
                hmac.name()
            )))
        }
        None => {
            return Err(Error::Malformed(
                "PBMAC1 without a PBKDF2 key length (RFC 9879 requires it)".into(),
            ))
        }
    };
    Ok(Some((
        hmac,
        Pbmac1 {
            prf: kdf.prf,
            salt: kdf.salt,
            iterations: kdf.iterations,
            key_length,
        },
    )))
}

fn parse_safe(any: &Any<'_>) -> Result<Safe, Error> {
    let (kind, content) = content_info(any, "AuthenticatedSafe entry")?;
    let content = content.ok_or_else(|| missing("AuthenticatedSafe entry"))?;
    match kind.as_str() {
        DATA => Ok(Safe::Plain(parse_safe_contents(&ber::octets(
            &content,
            "SafeContents",
        )?)?)),
        ENCRYPTED_DATA => {
            let what = "EncryptedData";
            let items = ber::sequence(&content, what)?;
            let eci = ber::sequence(items.get(1).ok_or_else(|| missing(what))?, what)?;
            let algorithm = Algorithm::parse(
                eci.get(1).ok_or_else(|| missing(what))?,
                "certificate safe encryption",
            )?;
            let ciphertext = implicit_octets(eci.get(2).ok_or_else(|| missing(what))?, what)?;
            Ok(Safe::Encrypted {
                algorithm,
                ciphertext,
            })
        }
        ENVELOPED_DATA => Err(Error::UnsupportedAlgorithm(
            "public-key privacy mode (envelopedData safe)".into(),
        )),
        other => Err(Error::UnsupportedAlgorithm(format!(
            "safe content type {}",
            name_of_oid(other)
        ))),
    }
}

/// `[0] IMPLICIT OCTET STRING`, primitive or constructed.
fn implicit_octets(any: &Any<'_>, what: &str) -> Result<Vec<u8>, Error> {
    if any.class() != Class::ContextSpecific || any.tag() != Tag(0) {
        return Err(Error::Malformed(format!(
            "{what}: expected [0] encrypted content"
        )));
    }
    Ok(ber::octet_content(any, what)?.into_owned())
}

/// Parses a SafeContents (SEQUENCE OF SafeBag).
pub(crate) fn parse_safe_contents(bytes: &[u8]) -> Result<Vec<Bag>, Error> {
    let seq = ber::only(bytes, "SafeContents")?;
    ber::sequence(&seq, "SafeContents")?
        .iter()
        .map(parse_bag)
        .collect()
}

fn parse_bag(any: &Any<'_>) -> Result<Bag, Error> {
    let what = "SafeBag";
    let items = ber::sequence(any, what)?;
    let id = ber::oid(items.first().ok_or_else(|| missing(what))?, what)?;
    let value = ber::explicit(items.get(1).ok_or_else(|| missing(what))?, 0, what)?;
    let kind = match id.as_str() {
        KEY_BAG => BagKind::Key(Zeroizing::new(raw(&value))),
        SHROUDED_KEY_BAG => {
            let epki = ber::sequence(&value, "EncryptedPrivateKeyInfo")?;
            BagKind::ShroudedKey {
                algorithm: Algorithm::parse(
                    epki.first().ok_or_else(|| missing(what))?,
                    "key bag encryption",
                )?,
                ciphertext: ber::octets(epki.get(1).ok_or_else(|| missing(what))?, what)?
                    .into_owned(),
            }
        }
        CERT_BAG => {
            let cb = ber::sequence(&value, "CertBag")?;
            let cert_type = ber::oid(cb.first().ok_or_else(|| missing("CertBag"))?, "CertBag")?;
            if cert_type != X509_CERTIFICATE {
                BagKind::Unknown(format!("certificate type {}", name_of_oid(&cert_type)))
            } else {
                let inner =
                    ber::explicit(cb.get(1).ok_or_else(|| missing("CertBag"))?, 0, "CertBag")?;
                BagKind::Certificate(ber::octets(&inner, "CertBag")?.into_owned())
            }
        }
        CRL_BAG => BagKind::Crl,
        SECRET_BAG => BagKind::Secret,
        SAFE_CONTENTS_BAG => BagKind::Nested(
            ber::sequence(&value, "nested SafeContents")?
                .iter()
                .map(parse_bag)
                .collect::<Result<_, _>>()?,
        ),
        other => BagKind::Unknown(name_of_oid(other)),
    };
    let mut bag = Bag {
        kind,
        friendly_name: None,
        local_key_id: None,
    };
    if let Some(attrs) = items.get(2) {
        for attr in ber::items(attrs, Tag::Set, "bag attributes")? {
            let a = ber::sequence(&attr, "bag attribute")?;
            let oid = ber::oid(
                a.first().ok_or_else(|| missing("bag attribute"))?,
                "bag attribute",
            )?;
            let Some(values) = a.get(1) else { continue };
            let first = ber::items(values, Tag::Set, "bag attribute values")?
                .into_iter()
                .next();
            match (oid.as_str(), first) {
                (FRIENDLY_NAME, Some(v)) => {
                    bag.friendly_name = Some(ber::bmp_string(&v, "friendlyName")?)
                }
                (LOCAL_KEY_ID, Some(v)) => {
                    bag.local_key_id = Some(ber::octets(&v, "localKeyId")?.into_owned())
                }
                _ => {}
            }
        }
    }
    Ok(bag)
}

/// The whole encoding of an element (header and content), for handing to OpenSSL.
fn raw(any: &Any<'_>) -> Vec<u8> {
    use asn1_rs::ToDer;
    any.to_der_vec().unwrap_or_default()
}

fn missing(what: &str) -> Error {
    Error::Malformed(format!("{what}: missing fields"))
}
