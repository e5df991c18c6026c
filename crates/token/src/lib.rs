#![doc = include_str!("../README.md")]

use std::fmt;

pub mod app;

use pbkit_keyshare::{classify, CertType};
use pbkit_pki::{Certificate, KeyUsageBit};
use serde::Serialize;

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A certificate's facts could not be read.
    #[error(transparent)]
    Pki(#[from] pbkit_pki::Error),
    /// Not a team's App ID prefix.
    #[error(
        "{0:?} is not a team's App ID prefix (ten capital letters and digits, e.g. ABCDE12345)"
    )]
    TeamPrefix(String),
    /// Not a bundle identifier or access group.
    #[error("{0:?} is not a bundle identifier (letters, digits, - and ., reverse-DNS)")]
    BundleId(String),
}

/// A private-key operation iOS asks a token for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// Sign (S/MIME signing, TLS client authentication).
    Sign,
    /// Decrypt (S/MIME: unwrap the message key).
    Decrypt,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Operation::Sign => "sign",
            Operation::Decrypt => "decrypt",
        })
    }
}

/// The credential's key, as the extension sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Key {
    /// `RSA`, `EC`, …
    pub algorithm: String,
    /// Its size in bits.
    pub bits: u32,
}

/// Whether Purebred's sample token extension can do what Mail needs of a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SampleExtension {
    /// Every operation Mail needs is one the extension performs with this key.
    pub serves: bool,
    /// Why not, one reason each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// One credential as a persistent-token provider registers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Registration {
    /// Where the identity was read from.
    pub origin: String,
    /// The certificate's subject.
    pub subject: String,
    /// Its serial, hex.
    pub serial: String,
    /// When it expires (RFC 3339).
    pub not_after: String,
    /// Its Purebred role (`signature`, `encryption`, `authentication`, `device`,
    /// `unknown`), by the key-sharing classification.
    pub role: CertType,
    /// The token configuration's instance ID.
    pub token_instance_id: String,
    /// The `TKTokenKeychainCertificate`'s object ID.
    pub certificate_object_id: String,
    /// The `TKTokenKeychainKey`'s object ID.
    pub key_object_id: String,
    /// The `kSecAttrLabel` of the key and certificate in the shared access group.
    pub label: String,
    /// The key.
    pub key: Option<Key>,
    /// What Mail needs of a credential of this role.
    pub mail_needs: Vec<Operation>,
    /// Whether the sample extension can serve it.
    pub sample_extension: SampleExtension,
}

impl Registration {
    /// What a provider registers for `certificate` (read from `origin`).
    pub fn of(origin: &str, certificate: &Certificate) -> Result<Registration, Error> {
        let facts = certificate.facts()?;
        // One rule: the sample's label, instance ID and object IDs are all this.
        let id = certificate.sha256_hex();
        let role = classify(&facts).cert_type;
        let mail_needs = match role {
            CertType::Signature | CertType::Authentication => vec![Operation::Sign],
            CertType::Encryption => vec![Operation::Decrypt],
            CertType::Device => vec![Operation::Sign, Operation::Decrypt],
            CertType::Unknown => Vec::new(),
        };
        let key = facts.key.as_ref().map(|k| Key {
            algorithm: k.algorithm.clone(),
            bits: k.bits,
        });
        let mut problems = Vec::new();
        if mail_needs.is_empty() {
            problems.push(
                "no Purebred role (keyUsage and SAN fit no row of the classification): Mail \
                 does not offer it"
                    .to_string(),
            );
        }
        match &key {
            Some(k) if k.algorithm == "RSA" => {
                if k.bits < 2048 {
                    problems.push(format!(
                        "RSA-{}: below the 2048 bits the DoD PKI issues",
                        k.bits
                    ));
                }
            }
            Some(k) if !mail_needs.is_empty() => problems.push(format!(
                "an {} key: the sample extension signs and decrypts with RSA only and \
                 refuses key exchange, so Mail cannot {} with it",
                k.algorithm,
                join(&mail_needs, " or ")
            )),
            Some(_) => {}
            None => problems.push("the key's algorithm cannot be read".into()),
        }
        // The key usage must allow what Mail asks (absent: no restriction).
        if let Some(ku) = facts.key_usage {
            for op in &mail_needs {
                let (bit, name) = match op {
                    Operation::Sign => (KeyUsageBit::DigitalSignature, "digitalSignature"),
                    Operation::Decrypt => (KeyUsageBit::KeyEncipherment, "keyEncipherment"),
                };
                if !ku.contains(bit) {
                    problems.push(format!("keyUsage lacks {name}: Mail cannot {op} with it"));
                }
            }
        }
        Ok(Registration {
            origin: origin.to_string(),
            subject: facts.subject,
            serial: facts.serial,
            not_after: pbkit_pki::rfc3339(facts.not_after),
            role,
            token_instance_id: id.clone(),
            certificate_object_id: id.clone(),
            key_object_id: id.clone(),
            label: id,
            key,
            mail_needs,
            sample_extension: SampleExtension {
                serves: problems.is_empty(),
                problems,
            },
        })
    }
}

fn join(ops: &[Operation], separator: &str) -> String {
    ops.iter()
        .map(Operation::to_string)
        .collect::<Vec<_>>()
        .join(separator)
}

/// Registrations as `pbkit token plan` prints them: per credential its role, file and
/// subject, the ID every registration uses, the key, and the sample extension's verdict.
pub struct PlanReport<'a>(pub &'a [Registration]);

impl fmt::Display for PlanReport<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for r in self.0 {
            writeln!(f, "{} {}: {}", r.role.label(), r.origin, r.subject)?;
            writeln!(
                f,
                "  token instance, certificate and key object ID, kSecAttrLabel: {}",
                r.token_instance_id
            )?;
            let key = r.key.as_ref().map_or_else(
                || "unknown".to_string(),
                |k| format!("{}-{}", k.algorithm, k.bits),
            );
            let needs = if r.mail_needs.is_empty() {
                "nothing".to_string()
            } else {
                join(&r.mail_needs, " and ")
            };
            writeln!(
                f,
                "  key {key}; Mail needs: {needs}; expires {}",
                r.not_after
            )?;
            if r.sample_extension.serves {
                writeln!(f, "  sample extension: serves it")?;
            } else {
                for p in &r.sample_extension.problems {
                    writeln!(f, "  sample extension: {p}")?;
                }
            }
        }
        let serves = self.0.iter().filter(|r| r.sample_extension.serves).count();
        writeln!(
            f,
            "{serves} of {} served by the sample extension",
            pbkit_words::plural(self.0.len(), "credential")
        )
    }
}
