#![doc = include_str!("../README.md")]

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
