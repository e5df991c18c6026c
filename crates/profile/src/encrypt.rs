//! Encrypted profiles, by Apple's procedure: the `PayloadContent` array is taken out,
//! serialized as a plist whose top level is that array, encrypted as CMS EnvelopedData to
//! the device's certificate (AES-256-CBC; RSA key transport, or ECDH key agreement for an
//! EC certificate), and stored as DER in `EncryptedPayloadContent`, with `IsEncrypted`
//! set. Only the device holding the key can read the payloads: a profile with an embedded
//! PKCS#12 and its password is then no secret in transit. Sign after encrypting.

use asn1_rs::{Any, Class, FromBer, Tag, ToDer};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::pkey::{PKeyRef, Private};
use openssl::stack::Stack;
use openssl::symm::Cipher;
use pbkit_pki::Certificate;
use plist::{Dictionary, Value};
use serde::Serialize;
use x509_parser::prelude::{FromDer, X509Name};

use crate::model::{read_plist, top_dictionary, xml};
use crate::Error;

/// The key holding the encrypted payloads.
pub const ENCRYPTED_CONTENT: &str = "EncryptedPayloadContent";

/// Why `cert` cannot receive an encrypted profile at `at`, if it cannot: a device's own
/// certificate is an end entity, valid then, whose key usage (if it has one) allows the
/// key transport (RSA: keyEncipherment) or agreement (EC: keyAgreement) CMS uses. A CA
/// certificate, a signing-only one or an expired one would make a profile no device can
/// read.
pub fn recipient_problem(cert: &Certificate, at: time::OffsetDateTime) -> Option<String> {
    use pbkit_pki::KeyUsageBit;
    let facts = match cert.facts() {
        Ok(f) => f,
        Err(e) => return Some(e.to_string()),
    };
    let ec = facts.key.as_ref().is_some_and(|k| k.algorithm == "EC");
    let (bit, name) = if ec {
        (KeyUsageBit::KeyAgreement, "keyAgreement (an EC key)")
    } else {
        (KeyUsageBit::KeyEncipherment, "keyEncipherment (an RSA key)")
    };
    if facts.is_ca {
        Some(
            "a CA certificate, not a device's: encrypt to the device identity's certificate".into(),
        )
    } else if facts.key_usage.is_some_and(|u| !u.contains(bit)) {
        Some(format!(
            "its key usage does not allow {name}: the device could not decrypt"
        ))
    } else {
        facts.validity_problem(at)
    }
}

/// Encrypts a profile's payloads to `recipients` (device certificates), each checked by
/// [`recipient_problem`] at `at`. `plist` is an unsigned profile; the result is one too,
/// to sign if wanted.
pub fn encrypt(
    plist: &[u8],
    recipients: &[Certificate],
    at: time::OffsetDateTime,
) -> Result<Vec<u8>, Error> {
    for r in recipients {
        if let Some(reason) = recipient_problem(r, at) {
            return Err(Error::Recipient {
                subject: r.facts().map(|f| f.subject).unwrap_or_default(),
                reason,
            });
        }
    }
    let mut top = top_dictionary(plist)?;
    if is_encrypted(&top) {
        return Err(Error::Plist("already encrypted".into()));
    }
    let content = match top.remove("PayloadContent") {
        Some(Value::Array(items)) => items,
        Some(_) => {
            return Err(Error::WrongType {
                key: "PayloadContent",
                expected: "an array",
            })
        }
        None => return Err(Error::Missing("PayloadContent")),
    };
    if recipients.is_empty() {
        return Err(Error::Plist(
            "no recipient certificate to encrypt to".into(),
        ));
    }
    let inner = xml(&Value::Array(content));
    let mut stack = Stack::new()?;
    for r in recipients {
        stack.push(r.x509().to_owned())?;
    }
    let envelope =
        CmsContentInfo::encrypt(&stack, &inner, Cipher::aes_256_cbc(), CMSOptions::BINARY)?
            .to_der()?;
    top.insert("IsEncrypted".into(), true.into());
    top.insert(ENCRYPTED_CONTENT.into(), Value::Data(envelope));
    Ok(xml(&Value::Dictionary(top)))
}

/// Decrypts an encrypted profile with the device's key and certificate: the profile with
/// its `PayloadContent` back.
pub fn decrypt(plist: &[u8], key: &PKeyRef<Private>, cert: &Certificate) -> Result<Vec<u8>, Error> {
    let mut top = top_dictionary(plist)?;
    let der = match top.remove(ENCRYPTED_CONTENT) {
        Some(Value::Data(d)) => d,
        Some(_) => {
            return Err(Error::WrongType {
                key: ENCRYPTED_CONTENT,
                expected: "data",
            })
        }
        None => {
            return Err(Error::Plist(
                "not encrypted: no EncryptedPayloadContent".into(),
            ))
        }
    };
    let envelope = Envelope::read(&der)?;
    if !envelope.recipients.iter().any(|r| r.names(cert)) {
        let named = cert
            .facts()
            .map(|f| format!("{}, serial {}", f.subject, f.serial))
            .unwrap_or_default();
        return Err(Error::NotRecipient {
            certificate: named,
            recipients: envelope.recipient_list(),
        });
    }
    let cms = CmsContentInfo::from_der(&der)
        .map_err(|e| Error::Cms(format!("EncryptedPayloadContent: not CMS ({e})")))?;
    let inner = cms
        .decrypt(key, &cert.x509().to_owned())
        .map_err(|_| Error::Undecryptable)?;
    let content = match read_plist(&inner) {
        Ok(Value::Array(items)) => items,
        Ok(_) => {
            return Err(Error::Plist(
                "the decrypted content is not an array of payloads".into(),
            ))
        }
        Err(Error::Plist(reason)) => {
            return Err(Error::Cms(format!(
                "the decrypted content is not a plist ({reason}): the envelope was altered"
            )))
        }
        Err(e) => return Err(e),
    };
    top.remove("IsEncrypted");
    top.insert("PayloadContent".into(), Value::Array(content));
    Ok(xml(&Value::Dictionary(top)))
}

/// Whether a profile's top level says it is encrypted.
pub fn is_encrypted(top: &Dictionary) -> bool {
    top.contains_key(ENCRYPTED_CONTENT)
        || top.get("IsEncrypted").and_then(Value::as_boolean) == Some(true)
}

/// What an encrypted profile's envelope says without the key: the cipher and to whom.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Envelope {
    /// The content cipher, e.g. `AES-256-CBC`.
    pub cipher: String,
    /// Who can decrypt.
    pub recipients: Vec<Recipient>,
}

/// One recipient of an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recipient {
    /// `RSA key transport` or `ECDH key agreement`.
    pub method: &'static str,
    /// The recipient certificate's issuer, when named by issuer and serial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// Its serial, hex.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial: Option<String>,
    /// Its subject key identifier, hex, when named by that.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// A recipient as the envelope names it: by its certificate's issuer and serial (the
/// issuer is not the recipient: it is said so), or by its subject key identifier.
impl std::fmt::Display for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.issuer, &self.serial, &self.key_id) {
            (Some(i), Some(s), _) => write!(
                f,
                "the certificate with serial {s} issued by {i} ({})",
                self.method
            ),
            (_, _, Some(k)) => write!(
                f,
                "the certificate with subject key id {k} ({})",
                self.method
            ),
            _ => write!(f, "({})", self.method),
        }
    }
}

impl Recipient {
    /// Whether this recipient is `cert`.
    pub fn names(&self, cert: &Certificate) -> bool {
        let Ok(facts) = cert.facts() else {
            return false;
        };
        let serial = |s: &str| s.trim_start_matches('0').to_ascii_uppercase();
        match (&self.issuer, &self.serial, &self.key_id) {
            (Some(i), Some(s), _) => *i == facts.issuer && serial(s) == serial(&facts.serial),
            (_, _, Some(k)) => facts
                .subject_key_id
                .as_deref()
                .is_some_and(|id| id.eq_ignore_ascii_case(k)),
            _ => false,
        }
    }
}

const ENVELOPED_DATA: &str = "1.2.840.113549.1.7.3";

impl Envelope {
    /// Reads the envelope of an `EncryptedPayloadContent` (DER or BER).
    pub fn read(der: &[u8]) -> Result<Envelope, Error> {
        let bad = |what: &str| Error::Cms(format!("EncryptedPayloadContent: {what}"));
        let info = children(der).ok_or_else(|| bad("not CMS"))?;
        match info.first().map(oid) {
            Some(Some(o)) if o == ENVELOPED_DATA => {}
            Some(Some(o)) => return Err(bad(&format!("CMS of type {o}, not EnvelopedData"))),
            _ => return Err(bad("not CMS")),
        }
        // [0] EXPLICIT: the EnvelopedData SEQUENCE is its content.
        let enveloped = info
            .get(1)
            .and_then(|c| Any::from_ber(c.data).ok())
            .map(|(_, e)| e)
            .ok_or_else(|| bad("no EnvelopedData"))?;
        let fields = children_of(&enveloped).ok_or_else(|| bad("EnvelopedData unreadable"))?;
        // version, [0] originatorInfo?, recipientInfos SET, encryptedContentInfo, …
        let rest: Vec<&Any> = fields
            .iter()
            .skip(1)
            .filter(|f| !(f.class() == Class::ContextSpecific && f.tag() == Tag(0)))
            .collect();
        let (Some(set), Some(content)) = (rest.first(), rest.get(1)) else {
            return Err(bad("EnvelopedData unreadable"));
        };
        let recipients = children_of(set)
            .ok_or_else(|| bad("recipientInfos unreadable"))?
            .iter()
            .flat_map(recipients_of)
            .collect::<Vec<_>>();
        if recipients.is_empty() {
            return Err(bad("no recipient"));
        }
        let algorithm = children_of(content)
            .and_then(|c| c.get(1).and_then(children_of))
            .and_then(|a| a.first().and_then(oid))
            .ok_or_else(|| bad("encryptedContentInfo unreadable"))?;
        Ok(Envelope {
            cipher: cipher_name(&algorithm),
            recipients,
        })
    }

    /// The recipients, on one line.
    pub fn recipient_list(&self) -> String {
        self.recipients
            .iter()
            .map(Recipient::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The elements inside the one BER value `bytes` starts with.
fn children(bytes: &[u8]) -> Option<Vec<Any<'_>>> {
    let (_, any) = Any::from_ber(bytes).ok()?;
    children_of(&any)
}

/// The elements inside a constructed value.
fn children_of<'a>(any: &Any<'a>) -> Option<Vec<Any<'a>>> {
    let mut rest: &'a [u8] = any.data;
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (next, child) = Any::from_ber(rest).ok()?;
        out.push(child);
        rest = next;
    }
    Some(out)
}

fn oid(any: &Any<'_>) -> Option<String> {
    any.clone().oid().ok().map(|o| o.to_id_string())
}

/// Issuer and serial, or a subject key identifier: a RecipientIdentifier.
fn identified(method: &'static str, rid: &Any<'_>) -> Recipient {
    let mut r = Recipient {
        method,
        issuer: None,
        serial: None,
        key_id: None,
    };
    if rid.class() == Class::ContextSpecific {
        // [0] SubjectKeyIdentifier, or for key agreement [0] RecipientKeyIdentifier.
        let id = children_of(rid)
            .and_then(|c| c.first().map(|k| k.data.to_vec()))
            .filter(|_| method == ECDH)
            .unwrap_or_else(|| rid.data.to_vec());
        r.key_id = Some(pbkit_pki::hex::upper(&id));
    } else if let Some(parts) = children_of(rid) {
        if let (Some(name), Some(serial)) = (parts.first(), parts.get(1)) {
            let der = name.to_der_vec().unwrap_or_default();
            r.issuer = X509Name::from_der(&der).ok().map(|(_, n)| n.to_string());
            r.serial = Some(pbkit_pki::hex::upper(serial.data));
        }
    }
    r
}

const RSA: &str = "RSA key transport";
const ECDH: &str = "ECDH key agreement";

fn recipients_of(info: &Any<'_>) -> Vec<Recipient> {
    let Some(fields) = children_of(info) else {
        return Vec::new();
    };
    match (info.class(), info.tag()) {
        // KeyTransRecipientInfo: version, rid, keyEncryptionAlgorithm, encryptedKey.
        (Class::Universal, Tag::Sequence) => fields
            .get(1)
            .map(|rid| vec![identified(RSA, rid)])
            .unwrap_or_default(),
        // [1] KeyAgreeRecipientInfo: version, [0] originator, [1] ukm?, algorithm,
        // recipientEncryptedKeys (each: rid, encryptedKey).
        (Class::ContextSpecific, Tag(1)) => fields
            .last()
            .and_then(children_of)
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| {
                        children_of(k).and_then(|p| p.first().map(|rid| identified(ECDH, rid)))
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => vec![Recipient {
            method: "another method",
            issuer: None,
            serial: None,
            key_id: None,
        }],
    }
}

fn cipher_name(oid: &str) -> String {
    match oid {
        "2.16.840.1.101.3.4.1.2" => "AES-128-CBC".into(),
        "2.16.840.1.101.3.4.1.22" => "AES-192-CBC".into(),
        "2.16.840.1.101.3.4.1.42" => "AES-256-CBC".into(),
        "1.2.840.113549.3.7" => "DES-EDE3-CBC".into(),
        "1.2.840.113549.3.2" => "RC2-CBC".into(),
        other => other.into(),
    }
}
