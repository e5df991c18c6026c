#![doc = include_str!("../README.md")]

pub mod convert;
pub mod declaration;
pub mod lint;
pub mod output;

pub use convert::{convert, Options, Set, Unmapped};
pub use declaration::{Declaration, ExternalData};
pub use output::{write, Manifest};

/// Why declarations could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `--asset-base-url` is not an https URL (devices fetch assets over https only).
    #[error("{0:?} is not an https:// URL: devices fetch asset data over https only")]
    AssetUrl(String),
    /// A PKCS#12 payload cannot become an identity asset.
    #[error("payload {payload}: {reason}")]
    Identity {
        /// The payload's PayloadIdentifier.
        payload: String,
        /// Why.
        reason: String,
    },
    /// A reference names no payload of the profile.
    #[error("payload {payload}: {key} names {uuid}, which is no payload of the profile")]
    Dangling {
        /// The payload's PayloadIdentifier.
        payload: String,
        /// The key.
        key: &'static str,
        /// The PayloadUUID it names.
        uuid: String,
    },
    /// The profile has nothing with a declarative form.
    #[error("nothing to declare: no account, identity or certificate payload")]
    Empty,
    /// An output could not be written.
    #[error(transparent)]
    Write(#[from] pbkit_outfile::Error),
    /// The output folder could not be staged.
    #[error(transparent)]
    Stage(#[from] pbkit_outfile::DirError),
    /// A previous build's manifest could not be read.
    #[error("{path}: {reason}")]
    Previous {
        /// The manifest.
        path: String,
        /// Why.
        reason: String,
    },
}
