//! iOS configuration profiles: a typed model, declarative specs, CMS signing.
//!
//! * [`Profile`] and [`Payload`]: the top level and the payloads pbkit writes
//!   (`com.apple.security.pkcs12`, `.root`, `.pkcs1`, `.pem`, `com.apple.eas.account`,
//!   `com.apple.mail.managed`) as typed structs with every key of Apple's schema; other
//!   payload types and unknown keys are kept as they are, so reading and writing back
//!   loses nothing.
//! * [`Spec`]: TOML specs in which payloads have names, references are by name, UUIDs are
//!   deterministic, and Jamf payload variables pass through untouched.
//! * [`sign()`] / [`verify()`]: CMS SignedData over the exact plist bytes.
//!
//! ```
//! use pbkit_profile::{BuildContext, Content, Spec};
//! let spec = Spec::parse(r#"
//!     [profile]
//!     identifier = "mil.example.purebred"
//!     [[payloads]]
//!     name = "exchange"
//!     type = "com.apple.eas.account"
//!     [payloads.keys]
//!     EmailAddress = "$EMAIL"
//!     SMIMESigningUserOverrideable = true
//! "#, "example.toml")?;
//! let profile = spec.build("example.toml", &BuildContext::default())?;
//! let Content::Exchange(eas) = &profile.payloads[0].content else { unreachable!() };
//! assert_eq!(eas.email_address.as_deref(), Some("$EMAIL"));
//! // Rebuilding gives the same bytes: UUIDs are derived from the identifier and names.
//! assert_eq!(profile.to_xml(), spec.build("example.toml", &BuildContext::default())?.to_xml());
//! # Ok::<(), pbkit_profile::Error>(())
//! ```

pub mod lint;
pub mod model;
pub mod schema;
mod sign;
pub mod spec;

pub use lint::{lint, Finding, LintOptions, Severity};
pub use model::{
    Certificate, Content, Exchange, Mail, Payload, Pkcs12, Profile, TopLevel, REFERENCE_KEYS,
};
pub use sign::{embedded_certificates, is_signed, sign, verify, Verdict};
pub use spec::{BuildContext, Spec};

/// Why a profile or spec could not be read, built, signed or verified.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bytes are not a plist profile.
    #[error("not a configuration profile: {0}")]
    Plist(String),
    /// A required key is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A key has the wrong type.
    #[error("{key} is not a {expected}")]
    WrongType {
        /// The key.
        key: &'static str,
        /// The expected type.
        expected: &'static str,
    },
    /// A payload is malformed.
    #[error("payload {identifier}: {detail}")]
    BadPayload {
        /// Its PayloadIdentifier.
        identifier: String,
        /// What is wrong.
        detail: String,
    },
    /// A spec is wrong: names the file, the key and the problem.
    #[error("{file}: {key}{}{detail}", if key.is_empty() { "" } else { ": " })]
    Spec {
        /// The spec file.
        file: String,
        /// The key, e.g. `payloads[1].keys.SMIMESigningCertificateUUID`.
        key: String,
        /// The problem.
        detail: String,
    },
    /// A signed profile could not be read.
    #[error("CMS: {0}")]
    Cms(String),
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A certificate could not be read.
    #[error(transparent)]
    Pki(#[from] pbkit_pki::Error),
    /// OpenSSL failed.
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}
