//! Certificate facts and certificate bundles.
//!
//! `pbkit-pki` answers "what is this certificate?" in the terms pbkit's users need:
//! key usage and extended key usage, the SAN email and UPN that iOS Mail and Purebred's
//! classification look at, serials written the way Purebred names files (uppercase hex,
//! whole bytes), key identifiers for path building, and the SHA-256 fingerprint that a
//! consuming app uses as its keychain label.
//!
//! It reads certificates as people find them: PEM files with one or many certificates, DER,
//! and PKCS#7 bundles (`.p7b`/`.p7c`, DER or PEM), the form in which GSA publishes the
//! Federal PKI.
//!
//! ```
//! use pbkit_pki::{bundle, KeyUsageBit};
//! # let pem = include_bytes!("../tests/data/pb-signature-025722.pem");
//! let certs = bundle::parse(pem, "signature.pem")?;
//! let facts = certs[0].facts()?;
//! assert_eq!(facts.serial, "025722");
//! assert!(facts.has_key_usage(KeyUsageBit::NonRepudiation));
//! assert_eq!(facts.san.email, ["pb.user1@MobilityHorizons.com"]);
//! assert_eq!(facts.san.upn, ["1000011111@mil"]);
//! # Ok::<(), pbkit_pki::Error>(())
//! ```

pub mod bundle;
mod cert;
mod error;
pub mod hex;
pub mod path;

pub use cert::{
    san_of, Certificate, ExtendedKeyUsage, Facts, KeyInfo, KeyUsage, KeyUsageBit, OtherName, San,
    Summary,
};
pub use error::Error;

/// OID of the Microsoft User Principal Name otherName (`1.3.6.1.4.1.311.20.2.3`).
pub const UPN_OID: &str = "1.3.6.1.4.1.311.20.2.3";

/// An instant as RFC 3339 (`2026-11-22T00:00:00Z`), as every pbkit report writes times.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
