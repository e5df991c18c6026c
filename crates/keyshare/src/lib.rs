//! Purebred key sharing, as the reference provider does it.
//!
//! The Purebred app shares PKCS#12 identities with other apps through its document
//! provider. This crate reproduces the provider's side exactly, so that a pack made by
//! pbkit cannot be told apart, by a consuming app, from what Purebred serves:
//!
//! * [`classify`]: the certificate type of an identity, from keyUsage bits and the SAN;
//! * [`Selector`]: which identities each [`Selection`] offers (the most recent of each
//!   type, every encryption identity);
//! * [`Plan`]: names (`signature_025722.p12`), archives (`All.zip`, `All User.zip`, …),
//!   one password for the pack, and a manifest saying which archive holds what and why;
//! * [`Uti`]: the legacy and 2025 UTI families and the Info.plist declarations a consumer
//!   needs; [`open`]: what a consumer would import from a pack.
//!
//! ```
//! use pbkit_keyshare::{Plan, Selection, Source};
//! use pbkit_pkcs12::{Identity, Password};
//! # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/purebred-skp");
//! let mut sources = Vec::new();
//! for entry in std::fs::read_dir(dir)? {
//!     let path = entry?.path();
//!     let identity = Identity::from_pkcs12(&std::fs::read(&path)?, &Password::new("password"))?;
//!     sources.push(Source { origin: path.display().to_string(), identity });
//! }
//! let plan = Plan::new(sources, time::OffsetDateTime::now_utc())?;
//! let all: Vec<_> = plan.selection(Selection::All).iter().map(|e| e.name.as_str()).collect();
//! assert_eq!(all, ["encryption_02571D.p12", "encryption_02571F.p12", "encryption_025721.p12",
//!                  "encryption_025723.p12", "signature_025722.p12"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod classify;
mod open;
mod pack;
mod select;
mod uti;

pub use classify::{classify, CertType, Classification};
pub use open::{open, Imported};
pub use pack::{
    archive_name, ArchiveManifest, Entry, EntryManifest, Manifest, PackOptions, Placement, Plan,
    Source, FRIENDLY_NAME,
};
pub use select::{Candidate, Selection, Selector};
pub use uti::{info_plist, Format, UnknownUti, Uti, UtiKind};

/// Why a pack could not be made, written or opened.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// There was nothing to pack.
    #[error("no identities to pack")]
    NoIdentities,
    /// A zip archive holds no files.
    #[error("{0}: archive holds no files")]
    EmptyArchive(String),
    /// Reading a certificate failed.
    #[error(transparent)]
    Pki(#[from] pbkit_pki::Error),
    /// Reading or writing a PKCS#12 failed.
    #[error(transparent)]
    Pkcs12(#[from] pbkit_pkcs12::Error),
    /// Writing a file failed.
    #[error(transparent)]
    Write(#[from] pbkit_outfile::Error),
    /// Creating a folder failed.
    #[error("{path}: {source}")]
    Io {
        /// The folder.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A zip archive could not be read or written.
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}
