#![doc = include_str!("../README.md")]

pub mod ios;
pub mod outgoing;
mod ports;
pub mod revocation;
mod starttls;
mod tls;

pub use ports::{
    all_open, check_ports, port_table, PortResult, PortRule, PortState, PortsReport, Product,
};
pub use starttls::StartTls;
pub use tls::{
    probe_tls, AnchorResult, SentCertificate, Target, TlsOptions, TlsReport, VersionResult,
    WeakSuite,
};

/// Why a preflight could not run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The target is not `HOST[:PORT]`.
    #[error("{0:?} is not HOST or HOST:PORT")]
    BadTarget(String),
    /// The product is unknown.
    #[error("unknown product {0:?} (expected ivanti-epmm, mobileiron-core or jamf-pro)")]
    UnknownProduct(String),
    /// A targets file cannot be read, or is not UTF-8 text.
    #[error(transparent)]
    Read(#[from] pbkit_infile::Error),
    /// A line of a targets file is no target.
    #[error("{path}:{line}: {source}")]
    TargetLine {
        /// The file.
        path: String,
        /// The line (from 1).
        line: usize,
        /// Why.
        #[source]
        source: Box<Error>,
    },
    /// A targets file names no target.
    #[error("{0}: no target in it")]
    NoTargets(String),
}
