//! Signing and verifying profiles: CMS SignedData, DER, content attached.

use std::path::{Path, PathBuf};

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::pkcs7::Pkcs7;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::verify::X509VerifyFlags;
use openssl::x509::X509PurposeId;
use pbkit_pkcs12::{Identity, Password};
use pbkit_pki::Certificate;
use serde::Serialize;

use crate::Error;

/// Who signs profiles: an identity and the certificates embedded with its signature.
///
/// ```no_run
/// use pbkit_profile::Signer;
/// use pbkit_pkcs12::PasswordSource;
/// let password = PasswordSource::Env("SIGNER_PW".into()).read()?;
/// let signer = Signer::load("signer.p12".as_ref(), &password, &["intermediates.pem".into()])?;
/// let signed = signer.sign(b"<?xml version=\"1.0\"?>...")?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Signer {
    identity: Identity,
    chain: Vec<Certificate>,
}

impl Signer {
    /// The identity, embedding the signer's path through its PKCS#12 chain and
    /// `extra_chain` ([`pbkit_pki::path::issuer_chain`]): each certificate once, and none
    /// that does not issue the signer or the path above it.
    pub fn new(identity: Identity, extra_chain: Vec<Certificate>) -> Signer {
        let pool: Vec<Certificate> = identity
            .chain()
            .iter()
            .cloned()
            .chain(extra_chain)
            .collect();
        let chain = pbkit_pki::path::issuer_chain(identity.certificate(), &pool);
        Signer { identity, chain }
    }

    /// Whether the embedded chain ends short of every one of `anchors` (its top
    /// certificate is none of them and is issued by none): a device that trusts only
    /// those shows the profile as Unverified. `None` when it reaches one, or when no
    /// anchors are given.
    pub fn unreached(&self, anchors: &[Certificate]) -> Option<Unreached> {
        let top = self.chain.last().unwrap_or(self.identity.certificate());
        let reached = anchors
            .iter()
            .any(|a| a == top || pbkit_pki::path::issued_by(top, a));
        (!anchors.is_empty() && !reached).then(|| Unreached {
            top: top.facts().map(|f| f.subject).unwrap_or_default(),
        })
    }

    /// Opens the signer's PKCS#12 and reads extra chain certificates (PEM, DER, PKCS#7).
    pub fn load(
        pkcs12: &Path,
        password: &Password,
        chain_files: &[PathBuf],
    ) -> Result<Signer, Error> {
        let der = crate::read_file(pkcs12)?;
        let identity = Identity::from_pkcs12(&der, password).map_err(|source| Error::Signer {
            path: pkcs12.display().to_string(),
            source,
        })?;
        let extra = pbkit_pki::bundle::read_files(chain_files)?;
        Ok(Signer::new(identity, extra))
    }

    /// The signing identity.
    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    /// The signer's certificate.
    pub fn certificate(&self) -> &Certificate {
        self.identity.certificate()
    }

    /// The certificates embedded beside the signer's, in order.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// Signs `content` (the exact plist bytes): CMS SignedData, SHA-256, DER, content
    /// attached, BINARY so that line endings are signed as they are.
    pub fn sign(&self, content: &[u8]) -> Result<Vec<u8>, Error> {
        let mut certs = Stack::new()?;
        for c in &self.chain {
            certs.push(c.x509().to_owned())?;
        }
        let cms = CmsContentInfo::sign(
            Some(self.identity.certificate().x509()),
            Some(self.identity.key()),
            Some(&certs),
            Some(content),
            CMSOptions::BINARY,
        )?;
        Ok(cms.to_der()?)
    }
}

/// A signer whose embedded chain reaches none of the anchors devices trust
/// ([`Signer::unreached`]): the missing intermediates are not embedded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreached {
    /// The subject of the chain's top certificate.
    pub top: String,
}

impl std::fmt::Display for Unreached {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the embedded chain ends at {} and reaches none of the anchors: devices that \
             trust only those will show the profile as Unverified",
            self.top
        )
    }
}

/// What `verify` concluded, in iOS's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason")]
pub enum Verdict {
    /// The signature is valid and the signer chains to an anchor.
    Verified,
    /// The signature is valid but the chain is untrusted or incomplete.
    Unverified(#[serde(serialize_with = "as_text")] Untrusted),
    /// The signature or the content is broken.
    Invalid(#[serde(serialize_with = "as_text")] Broken),
    /// Not signed.
    Unsigned,
}

fn as_text<T: std::fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl Verdict {
    /// How bad it is, to judge several files by their worst: Verified 0, Unsigned 1,
    /// Unverified 2, Invalid 3.
    pub fn rank(&self) -> u8 {
        match self {
            Verdict::Verified => 0,
            Verdict::Unsigned => 1,
            Verdict::Unverified(_) => 2,
            Verdict::Invalid(_) => 3,
        }
    }
}

/// `Verified`, `Unverified (why)`, `Invalid (why)`, `Unsigned`; the alternate form
/// (`{:#}`) says what each means: `Unverified: the signature is valid, the chain is not
/// trusted (why)`.
impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if f.alternate() {
            return match self {
                Verdict::Verified => f.write_str(
                    "Verified: the signature is valid and the signer chains to an anchor",
                ),
                Verdict::Unverified(why) => write!(
                    f,
                    "Unverified: the signature is valid, the chain is not trusted ({why})"
                ),
                Verdict::Invalid(why) => write!(f, "Invalid: {why}"),
                Verdict::Unsigned => f.write_str("Unsigned: the file is a plain plist"),
            };
        }
        match self {
            Verdict::Verified => f.write_str("Verified"),
            Verdict::Unsigned => f.write_str("Unsigned"),
            Verdict::Unverified(why) => write!(f, "Unverified ({why})"),
            Verdict::Invalid(why) => write!(f, "Invalid ({why})"),
        }
    }
}

/// Why a validly signed profile is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Untrusted {
    /// No anchor was given to judge the signer by.
    #[error("no anchor given")]
    NoAnchor,
    /// The signer does not chain to a given anchor: OpenSSL's reason (`unable to get
    /// local issuer certificate`, `certificate has expired`).
    #[error("{0}")]
    Chain(String),
}

/// Why a file is no profile iOS can import: nothing in it can be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Broken {
    /// Neither DER nor a readable plist: the plist reader's reason.
    #[error("neither a signed profile nor a plist ({0})")]
    NotAProfile(String),
    /// A plist beyond pbkit's bounds ([`crate::model::MAX_DEPTH`], [`crate::model::MAX_VALUES`]).
    #[error("{0}")]
    Unbounded(String),
    /// DER, but not a CMS SignedData: OpenSSL's reason.
    #[error("not a CMS SignedData: {0}")]
    NotSignedData(String),
    /// The signature does not match the content, or the trust store could not be set
    /// up: OpenSSL's reason.
    #[error("{0}")]
    Signature(String),
}

/// What `verify` found, with the plist bytes wherever the signature itself holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The signature is valid and the signer chains to an anchor.
    Verified {
        /// The signed plist, exactly as signed.
        content: Vec<u8>,
    },
    /// The signature is valid but the chain is untrusted or incomplete.
    Unverified {
        /// Why the chain is not trusted.
        reason: Untrusted,
        /// The signed plist, exactly as signed.
        content: Vec<u8>,
    },
    /// The signature or the structure is broken: no content can be trusted.
    Invalid {
        /// What is broken.
        reason: Broken,
    },
    /// Not signed: the bytes are the plist.
    Unsigned {
        /// The file's bytes.
        content: Vec<u8>,
    },
}

impl Verification {
    /// The verdict alone, as reports show it.
    pub fn verdict(&self) -> Verdict {
        match self {
            Verification::Verified { .. } => Verdict::Verified,
            Verification::Unverified { reason, .. } => Verdict::Unverified(reason.clone()),
            Verification::Invalid { reason } => Verdict::Invalid(reason.clone()),
            Verification::Unsigned { .. } => Verdict::Unsigned,
        }
    }

    /// The plist bytes, unless the file is [`Verification::Invalid`].
    pub fn content(&self) -> Option<&[u8]> {
        match self {
            Verification::Verified { content }
            | Verification::Unverified { content, .. }
            | Verification::Unsigned { content } => Some(content),
            Verification::Invalid { .. } => None,
        }
    }

    /// The plist bytes, or why there are none.
    pub fn into_content(self) -> Result<Vec<u8>, Broken> {
        match self {
            Verification::Verified { content }
            | Verification::Unverified { content, .. }
            | Verification::Unsigned { content } => Ok(content),
            Verification::Invalid { reason } => Err(reason),
        }
    }
}

/// Whether `bytes` look like a signed profile (DER SEQUENCE) rather than a plist.
pub fn is_signed(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
}

/// Verifies a signed profile against `anchors` (each trusted as it is, root or not).
pub fn verify(bytes: &[u8], anchors: &[Certificate]) -> Verification {
    let invalid = |reason: Broken| Verification::Invalid { reason };
    if !is_signed(bytes) {
        // Unsigned means a plain plist; anything else (empty, random bytes) is no profile.
        if let Err(e) = crate::model::read_plist(bytes) {
            return invalid(match e {
                crate::Error::Plist(why) => Broken::NotAProfile(why),
                e => Broken::Unbounded(e.to_string()),
            });
        }
        return Verification::Unsigned {
            content: bytes.to_vec(),
        };
    }
    let mut cms = match CmsContentInfo::from_der(bytes) {
        Ok(c) => c,
        Err(e) => return invalid(Broken::NotSignedData(reason(&e))),
    };
    let store = (|| {
        let mut b = X509StoreBuilder::new()?;
        for a in anchors {
            b.add_cert(a.x509().to_owned())?;
        }
        // A profile signer is often a TLS server certificate: any purpose will do.
        b.set_purpose(X509PurposeId::ANY)?;
        // An anchor is an anchor, self-signed or not (openssl cms -verify -partial_chain).
        b.set_flags(X509VerifyFlags::PARTIAL_CHAIN)?;
        Ok::<_, openssl::error::ErrorStack>(b.build())
    })();
    let store = match store {
        Ok(s) => s,
        Err(e) => return invalid(Broken::Signature(reason(&e))),
    };
    let mut content = Vec::new();
    let chain_error = match cms.verify(
        None,
        Some(&store),
        None,
        Some(&mut content),
        CMSOptions::BINARY,
    ) {
        Ok(()) => return Verification::Verified { content },
        Err(e) => e,
    };
    let mut content = Vec::new();
    match cms.verify(
        None,
        None,
        None,
        Some(&mut content),
        CMSOptions::BINARY | CMSOptions::NO_SIGNER_CERT_VERIFY,
    ) {
        Ok(()) => Verification::Unverified {
            reason: if anchors.is_empty() {
                Untrusted::NoAnchor
            } else {
                Untrusted::Chain(reason(&chain_error))
            },
            content,
        },
        Err(e) => invalid(Broken::Signature(reason(&e))),
    }
}

/// The certificates embedded in a signed profile, signer first.
pub fn embedded_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, Error> {
    let p7 = Pkcs7::from_der(bytes).map_err(|e| Error::Cms(reason(&e)))?;
    let all: Vec<_> = p7
        .signed()
        .and_then(|s| s.certificates())
        .map(|s| s.iter().map(|c| c.to_owned()).collect())
        .unwrap_or_default();
    let empty = Stack::new()?;
    let signers: Vec<_> = p7
        .signers(&empty, openssl::pkcs7::Pkcs7Flags::empty())
        .map(|s| s.iter().map(|c| c.to_owned()).collect())
        .unwrap_or_default();
    let mut ordered: Vec<_> = signers.clone();
    ordered.extend(
        all.into_iter()
            .filter(|c| !signers.iter().any(|s| s.to_der().ok() == c.to_der().ok())),
    );
    ordered
        .into_iter()
        .map(|c| Certificate::from_x509(c).map_err(Error::from))
        .collect()
}

/// OpenSSL's most specific reason, with its detail when it has one: `unable to get local
/// issuer certificate`, not `certificate verify error: Verify error:unable to get…`.
fn reason(e: &openssl::error::ErrorStack) -> String {
    e.errors()
        .iter()
        .rev()
        .find_map(|e| {
            e.reason().map(|r| match e.data() {
                Some(d) if d.starts_with("Verify error:") => {
                    d.trim_start_matches("Verify error:").trim().to_string()
                }
                Some(d) if !d.is_empty() => format!("{r}: {d}"),
                _ => r.to_string(),
            })
        })
        .unwrap_or_else(|| "unknown reason".into())
}
