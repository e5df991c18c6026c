#![doc = include_str!("../README.md")]

pub mod bundle;
mod cert;
pub mod crl;
mod error;
pub mod fascn;
pub mod hex;
pub mod path;
mod rfc5280;
pub mod webpki;

pub use cert::{
    openssl_decodes, san_of, Certificate, ExtendedKeyUsage, Facts, FactsReport, KeyInfo, KeyUsage,
    KeyUsageBit, OtherName, San, Summary, Validity,
};
pub use error::Error;

/// OID of the Microsoft User Principal Name otherName (`1.3.6.1.4.1.311.20.2.3`).
pub const UPN_OID: &str = "1.3.6.1.4.1.311.20.2.3";

/// The last common name of a subject as pbkit writes it (`C=US, …, CN=DOD ID CA-63` →
/// `DOD ID CA-63`), or the whole subject when it has none: how reports name certificates.
pub fn common_name(subject: &str) -> String {
    subject
        .rsplit(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .unwrap_or(subject)
        .to_string()
}

/// An OpenSSL time as RFC 3339 (OpenSSL prints `Dec  6 11:49:03 2026 GMT`), as every
/// pbkit report writes times; left as OpenSSL prints it if it does not parse.
pub fn openssl_time(t: &impl std::fmt::Display) -> String {
    let text = t.to_string();
    let format = time::macros::format_description!(
        "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year] GMT"
    );
    time::PrimitiveDateTime::parse(&text, format)
        .map(|t| rfc3339(t.assume_utc()))
        .unwrap_or(text)
}

/// An instant as RFC 3339 (`2026-11-22T00:00:00Z`), as every pbkit report writes times.
pub fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| t.to_string())
}
