#![doc = include_str!("../README.md")]

mod classify;
mod open;
mod pack;
mod select;
mod uti;

pub use classify::{classify, classify_files, CertType, Classification, Classified};

/// The PKCS#12 files of `inputs`: files as named, folders as their `.p12`/`.pfx` files
/// (any case), each folder's in name order, so that a pack does not depend on the order
/// the file system lists them in.
pub fn pkcs12_inputs(inputs: &[std::path::PathBuf]) -> Result<Vec<std::path::PathBuf>, Error> {
    let mut out = Vec::new();
    for input in inputs {
        if !input.is_dir() {
            out.push(input.clone());
            continue;
        }
        let io = |source| Error::Io {
            path: input.display().to_string(),
            source,
        };
        let mut found = Vec::new();
        for entry in std::fs::read_dir(input).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let pkcs12 = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("p12") || e.eq_ignore_ascii_case("pfx"));
            if pkcs12 && path.is_file() {
                found.push(path);
            }
        }
        if found.is_empty() {
            return Err(Error::NoPkcs12InFolder(input.display().to_string()));
        }
        found.sort();
        out.extend(found);
    }
    Ok(out)
}
pub use open::{
    open, open_folder, open_path, Imported, OpenReport, MAX_ENTRIES, MAX_INFLATED, MAX_RATIO,
};

/// The largest pack file `open` reads: [`MAX_INFLATED`] stored, or one PKCS#12.
pub const FILE_LIMIT: pbkit_infile::Limit =
    pbkit_infile::Limit::new(MAX_INFLATED, "a key-sharing pack");
pub use pack::{
    archive_name, ArchiveManifest, Entry, EntryManifest, Manifest, PackOptions, PackReport,
    Placement, Plan, Source, FRIENDLY_NAME,
};
pub use select::{Candidate, Selection, Selector};
pub use uti::{info_plist, Format, UnknownFormat, UnknownUti, Uti, UtiKind, UtiRow, UtiTable};

/// Why a pack could not be made, written or opened.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A folder given as input holds no PKCS#12 file.
    #[error("{0}: folder holds no .p12 or .pfx files")]
    NoPkcs12InFolder(String),
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
    /// A zip archive breaks a limit of [`open`] (a zip bomb, or not a pack).
    #[error("{archive}: {detail}")]
    ZipLimit {
        /// The archive.
        archive: String,
        /// Which limit, and by how much.
        detail: String,
    },
    /// A file of a folder could not be read.
    #[error(transparent)]
    Read(#[from] pbkit_infile::Error),
    /// An input PKCS#12 does not open (wrong password, damaged, no identity).
    #[error("{path}: {source}")]
    Input {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: pbkit_pkcs12::Error,
    },
    /// A zip archive could not be read or written.
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
}
