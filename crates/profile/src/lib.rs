#![doc = include_str!("../README.md")]

pub mod builder;
pub mod diff;
pub mod encrypt;
pub mod inspect;
pub mod lint;
pub mod model;
pub mod schema;
pub mod seal;
mod sign;
pub mod spec;

pub use builder::{IdentityRef, PayloadParams, PayloadRef, ProfileBuilder, Smime};
pub use inspect::{inspect, Inspection};
pub use lint::{lint, FileFinding, Finding, LintOptions, Report, Severity};
pub use model::{
    Certificate, Content, Exchange, Mail, Payload, Pkcs12, Profile, TopLevel, REFERENCE_KEYS,
};
pub use sign::{
    embedded_certificates, is_signed, verify, Broken, Signer, Unreached, Untrusted, Verdict,
    Verification,
};
pub use spec::{BuildContext, ProvidedIdentity, Spec, SpecProblem};

/// The largest profile, spec or signer file pbkit reads, and the largest profile it
/// builds: Apple's tools refuse profiles far smaller (1 MB), so anything bigger is not
/// what the user meant.
pub const FILE_LIMIT: pbkit_infile::Limit =
    pbkit_infile::Limit::new(16 << 20, "a profile, spec or signer file");

/// Reads a profile, spec or signer file, refusing one over [`FILE_LIMIT`].
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>, Error> {
    Ok(pbkit_infile::read(path, FILE_LIMIT)?)
}

/// Why a profile or spec could not be read, built, signed or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a plist profile.
    #[error("not a configuration profile: {0}")]
    Plist(String),
    /// The plist nests dictionaries and arrays deeper than [`model::MAX_DEPTH`].
    #[error("the plist nests more than {limit} levels deep")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The plist holds more values than [`model::MAX_VALUES`] (a binary plist that names
    /// one collection from many places expands without end).
    #[error("the plist holds more than {limit} values")]
    TooMany {
        /// The limit.
        limit: usize,
    },
    /// A certificate that cannot receive an encrypted profile.
    #[error("recipient {subject}: {reason}")]
    Recipient {
        /// Its subject.
        subject: String,
        /// Why not ([`encrypt::recipient_problem`]).
        reason: String,
    },
    /// A required key is missing.
    #[error("missing {0}")]
    Missing(&'static str),
    /// A key has the wrong type.
    #[error("{key} is not {expected}")]
    WrongType {
        /// The key.
        key: &'static str,
        /// The expected type, with its article (`an integer`).
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
    #[error("{file}: {key}{}{problem}", if key.is_empty() { "" } else { ": " })]
    Spec {
        /// The spec file.
        file: String,
        /// The key, e.g. `payloads[1].keys.SMIMESigningCertificateUUID`.
        key: String,
        /// The problem.
        problem: Box<SpecProblem>,
    },
    /// A built profile larger than pbkit reads back ([`Profile::to_bounded_xml`]).
    #[error(
        "the built profile is {bytes} bytes, over the {limit} pbkit writes (Intune and Fleet \
         reject profiles over {} bytes)",
        lint::MAX_SIZE
    )]
    TooLarge {
        /// Its size.
        bytes: usize,
        /// The limit.
        limit: pbkit_infile::Limit,
    },
    /// A value was given for a variable the spec does not use ([`Spec::check_vars`]).
    #[error(
        "{spec} uses no variable {name:?} (it uses: {})",
        if uses.is_empty() { "none".to_string() } else { uses.join(", ") }
    )]
    UnusedVariable {
        /// The spec.
        spec: String,
        /// The variable given.
        name: String,
        /// The variables the spec uses.
        uses: Vec<String>,
    },
    /// Two payloads of one profile have the same name.
    #[error("payload name {0:?} is used twice")]
    DuplicateName(String),
    /// A payload name is empty.
    #[error("payload name {0:?} is empty")]
    PayloadName(String),
    /// An explicit PayloadUUID that is not a UUID.
    #[error("{0:?} is not a UUID")]
    NotUuid(String),
    /// An identity payload must be a PKCS#12 payload.
    #[error("payload {0:?} is added as an identity but is not a PKCS#12 payload")]
    NotIdentity(String),
    /// A signed profile given where an unsigned one is needed (to sign or encrypt it):
    /// unsign it first.
    #[error("already signed (unsign it first: a profile is signed once, after encrypting)")]
    AlreadySigned,
    /// The file could not be written.
    #[error(transparent)]
    Write(#[from] pbkit_outfile::Error),
    /// The signed file is broken: no content can be trusted.
    #[error("Invalid: {0}")]
    Invalid(#[source] Broken),
    /// The signer's PKCS#12 could not be opened.
    #[error("{path}: {source}")]
    Signer {
        /// The PKCS#12 file.
        path: String,
        /// Why.
        #[source]
        source: pbkit_pkcs12::Error,
    },
    /// A PKCS#12 could not be written.
    #[error(transparent)]
    Pkcs12(#[from] pbkit_pkcs12::Error),
    /// A file could not be read (missing, larger than [`FILE_LIMIT`], not a file).
    #[error(transparent)]
    Read(#[from] pbkit_infile::Error),
    /// A signed profile, or an encrypted profile's envelope, could not be read.
    #[error("CMS: {0}")]
    Cms(String),
    /// The certificate given to decrypt is none of the envelope's recipients.
    #[error("CMS: the certificate {certificate} is not a recipient (the profile is encrypted to: {recipients})")]
    NotRecipient {
        /// The certificate given: subject and serial.
        certificate: String,
        /// The envelope's recipients, in words.
        recipients: String,
    },
    /// The key does not open the envelope: not the recipient's key, or the envelope was
    /// altered (OpenSSL does not tell the two apart).
    #[error(
        "CMS: cannot decrypt: the key does not match the recipient certificate, or the \
         envelope was altered"
    )]
    Undecryptable,
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
