//! Signing and verifying profiles: CMS SignedData, DER, content attached.

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::pkcs7::Pkcs7;
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::X509PurposeId;
use pbkit_pkcs12::Identity;
use pbkit_pki::Certificate;
use serde::Serialize;

use crate::Error;

/// Signs `content` (the exact plist bytes) with `signer`, embedding the signer's whole
/// chain: its PKCS#12 chain plus `extra_chain`. SHA-256, DER, content attached, BINARY so
/// that line endings are signed as they are.
pub fn sign(
    content: &[u8],
    signer: &Identity,
    extra_chain: &[Certificate],
) -> Result<Vec<u8>, Error> {
    let mut certs = Stack::new()?;
    for c in signer.chain().iter().chain(extra_chain) {
        certs.push(c.x509().to_owned())?;
    }
    let cms = CmsContentInfo::sign(
        Some(signer.certificate().x509()),
        Some(signer.key()),
        Some(&certs),
        Some(content),
        CMSOptions::BINARY,
    )?;
    Ok(cms.to_der()?)
}

/// What `verify` concluded, in iOS's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", content = "reason")]
pub enum Verdict {
    /// The signature is valid and the signer chains to an anchor.
    Verified,
    /// The signature is valid but the chain is untrusted or incomplete.
    Unverified(String),
    /// The signature or the content is broken.
    Invalid(String),
    /// Not signed.
    Unsigned,
}

impl Verdict {
    /// `Verified`, `Unverified`, `Invalid` or `Unsigned`.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Verified => "Verified",
            Verdict::Unverified(_) => "Unverified",
            Verdict::Invalid(_) => "Invalid",
            Verdict::Unsigned => "Unsigned",
        }
    }
}

/// Whether `bytes` look like a signed profile (DER SEQUENCE) rather than a plist.
pub fn is_signed(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x30)
}

/// Verifies a signed profile against `anchors`; returns the verdict and, when the
/// signature itself is valid (or the file is unsigned), the plist bytes.
pub fn verify(bytes: &[u8], anchors: &[Certificate]) -> (Verdict, Option<Vec<u8>>) {
    if !is_signed(bytes) {
        return (Verdict::Unsigned, Some(bytes.to_vec()));
    }
    let mut cms = match CmsContentInfo::from_der(bytes) {
        Ok(c) => c,
        Err(e) => {
            return (
                Verdict::Invalid(format!("not a CMS SignedData: {}", reason(&e))),
                None,
            )
        }
    };
    let store = (|| {
        let mut b = X509StoreBuilder::new()?;
        for a in anchors {
            b.add_cert(a.x509().to_owned())?;
        }
        // A profile signer is often a TLS server certificate: any purpose will do.
        b.set_purpose(X509PurposeId::ANY)?;
        Ok::<_, openssl::error::ErrorStack>(b.build())
    })();
    let store = match store {
        Ok(s) => s,
        Err(e) => return (Verdict::Invalid(reason(&e)), None),
    };
    let mut out = Vec::new();
    let chain_error = match cms.verify(None, Some(&store), None, Some(&mut out), CMSOptions::BINARY)
    {
        Ok(()) => return (Verdict::Verified, Some(out)),
        Err(e) => e,
    };
    let mut out = Vec::new();
    match cms.verify(
        None,
        None,
        None,
        Some(&mut out),
        CMSOptions::BINARY | CMSOptions::NO_SIGNER_CERT_VERIFY,
    ) {
        Ok(()) => {
            let why = if anchors.is_empty() {
                "no anchor given".to_string()
            } else {
                reason(&chain_error)
            };
            (Verdict::Unverified(why), Some(out))
        }
        Err(e) => (Verdict::Invalid(reason(&e)), None),
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

/// OpenSSL's most specific reason, with its detail ("Verify error:…") when it has one.
fn reason(e: &openssl::error::ErrorStack) -> String {
    e.errors()
        .iter()
        .rev()
        .find_map(|e| {
            e.reason().map(|r| match e.data() {
                Some(d) if !d.is_empty() => format!("{r}: {d}"),
                _ => r.to_string(),
            })
        })
        .unwrap_or_else(|| "unknown reason".into())
}
