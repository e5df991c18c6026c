//! PKCS#12 files that iOS imports, written with named suites.
//!
//! iOS is particular about PKCS#12: OpenSSL 3's default (PBES2, AES-256, SHA-256 MAC) is
//! the best-known cause of "the password for the certificate is incorrect" on devices,
//! and a file without a password cannot be imported at all. So in pbkit the algorithms
//! are never implicit: every write names a [`Suite`], and an empty password is refused.
//!
//! | suite | key bag | certificate bag | MAC |
//! |---|---|---|---|
//! | `ios-legacy` | pbeWithSHA1And3-KeyTripleDES-CBC | pbeWithSHA1And40BitRC2-CBC | SHA-1 |
//! | `purebred` | pbeWithSHA1And3-KeyTripleDES-CBC | not encrypted | SHA-1, 1 iteration |
//! | `modern` | PBES2 PBKDF2-HMAC-SHA256 AES-256-CBC | the same | SHA-256 |
//!
//! All with 2048 iterations unless told otherwise. The legacy suites are read and written by
//! pbkit's own PBE path (the RFC 7292 KDF, a file's independent derivations interleaved on
//! SHA-NI; 3DES from OpenSSL's default provider; RustCrypto's RC2), so OpenSSL 3's legacy
//! provider is not needed; `modern` is OpenSSL's.
//!
//! ```
//! use pbkit_pkcs12::{Identity, Password, Suite, WriteOptions};
//! # let (key, cert) = pbkit_pkcs12::doc_identity();
//! let identity = Identity::new(key, cert)?;
//! let password = Password::generate();
//! let der = identity.to_pkcs12(&password, &WriteOptions::new(Suite::IosLegacy))?;
//!
//! let back = Identity::from_pkcs12(&der, &password)?;
//! assert_eq!(back.certificate(), identity.certificate());
//! # Ok::<(), pbkit_pkcs12::Error>(())
//! ```

mod ber;
mod error;
mod fitness;
mod identity;
mod inspect;
pub mod kdf;
mod keymatch;
mod password;
pub mod pbe;
mod provider;
mod read;
pub mod structure;
mod suite;
mod write;

pub use error::Error;
pub use fitness::{fitness, SmimeUse, Unfit};
pub use identity::{Identity, WriteOptions};
pub use inspect::{
    inspect, BagReport, IdentityReport, IosImport, IosVerdict, MacReport, Report, SafeReport,
};
pub use password::{Password, PasswordSource, ALPHABET};
pub use provider::ensure_legacy_provider;
pub use read::{CertEntry, Contents, KeyEntry, RawIdentity};
pub use suite::{Suite, UnknownSuite};

#[doc(hidden)]
/// A throwaway self-signed identity for doc examples.
pub fn doc_identity() -> (
    openssl::pkey::PKey<openssl::pkey::Private>,
    pbkit_pki::Certificate,
) {
    use openssl::{asn1::Asn1Time, ec, hash::MessageDigest, nid::Nid, pkey::PKey, x509};
    let group = ec::EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(ec::EcKey::generate(&group).unwrap()).unwrap();
    let mut name = x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "doc").unwrap();
    let name = name.build();
    let mut b = x509::X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = pbkit_pki::Certificate::from_x509(b.build()).unwrap();
    (key, cert)
}
