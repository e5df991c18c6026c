#![doc = include_str!("../README.md")]

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
mod work;
mod write;

pub use error::Error;
pub use work::{kdf_iterations_spent, set_kdf_limits, DEFAULT_FILE_LIMIT};

/// The largest PKCS#12 file read: one identity with its chain is a few KiB.
pub const FILE_LIMIT: pbkit_infile::Limit = pbkit_infile::Limit::new(4 << 20, "a PKCS#12 file");

/// The largest private key file read (PEM or DER): an RSA-16384 key is under 13 KiB.
pub const KEY_FILE_LIMIT: pbkit_infile::Limit =
    pbkit_infile::Limit::new(1 << 20, "a private key file");
pub use fitness::{fitness, SmimeUse, Unfit};
pub use identity::{private_key_from_bytes, read_private_key, Identity, WriteOptions};
pub use inspect::{
    inspect, BagReport, IdentityReport, IosImport, IosVerdict, MacReport, Report, SafeReport,
};
pub use password::{Password, PasswordSource, ALPHABET};
pub use provider::ensure_legacy_provider;
pub use read::{CertEntry, Contents, EmptyPassword, KeyEntry, RawIdentity};
pub use suite::{Suite, UnknownSuite};

#[doc(hidden)]
/// A throwaway self-signed identity for doc examples.
#[expect(
    clippy::unwrap_used,
    reason = "a doc-example helper on constant inputs"
)]
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
