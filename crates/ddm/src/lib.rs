#![doc = include_str!("../README.md")]

pub mod convert;
pub mod declaration;
pub mod lint;
pub mod output;

pub use convert::{convert, Options, Set, Unmapped};
pub use declaration::{Declaration, ExternalData};
pub use output::{write, Manifest};

/// The largest declaration file (or build manifest) pbkit reads; Apple's declarations are
/// a few hundred bytes.
pub const DECLARATION_LIMIT: pbkit_infile::Limit =
    pbkit_infile::Limit::new(1 << 20, "a declaration or manifest");
/// The largest asset data file pbkit reads (an identity asset: a PKCS#12 in base64).
pub const ASSET_LIMIT: pbkit_infile::Limit =
    pbkit_infile::Limit::new(16 << 20, "an asset data file");

/// Why declarations could not be made or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `--asset-base-url` is not an https URL with a host and no query or fragment
    /// (devices fetch assets over https only, and each DataURL is it and a file name).
    #[error("{url:?} {problem}")]
    AssetUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        problem: &'static str,
    },
    /// A PKCS#12 payload cannot become an identity asset: it has no data or no password.
    #[error("payload {payload}: {missing}")]
    Identity {
        /// The payload's PayloadIdentifier.
        payload: String,
        /// What it lacks, in words.
        missing: &'static str,
    },
    /// A PKCS#12 payload's identity cannot be read or written again.
    #[error("payload {payload}: {source}")]
    Pkcs12 {
        /// The payload's PayloadIdentifier.
        payload: String,
        /// Why.
        #[source]
        source: pbkit_pkcs12::Error,
    },
    /// A PayloadIdentifier that cannot name a file: declarations and assets are written
    /// as `declarations/IDENTIFIER.json` and `assets/IDENTIFIER.json`.
    #[error(
        "PayloadIdentifier {identifier:?} cannot name a file under the output folder: {reason}"
    )]
    Identifier {
        /// The identifier, as the profile has it.
        identifier: String,
        /// Why.
        reason: &'static str,
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
    #[error(transparent)]
    Previous(pbkit_infile::Error),
    /// A previous build's manifest is not the JSON pbkit writes.
    #[error("{path}: {source}")]
    PreviousManifest {
        /// The manifest.
        path: String,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}
