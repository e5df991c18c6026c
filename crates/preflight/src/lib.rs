//! MDM server preflight: what a server's TLS endpoint accepts and sends, and which of the
//! ports the DISA procedures require answer.
//!
//! All of pbkit's network I/O lives here. Every connection has a timeout: a host that
//! does not answer is a result, not a hang.
//!
//! ```no_run
//! use pbkit_preflight::{probe_tls, Target, TlsOptions};
//! let target = Target::parse("mdm.example.mil:443")?;
//! let report = probe_tls(&target, &TlsOptions::default());
//! for v in &report.versions {
//!     println!("{}: {}", v.version, if v.accepted { "accepted" } else { "refused" });
//! }
//! # Ok::<(), pbkit_preflight::Error>(())
//! ```

mod ports;
mod tls;

pub use ports::{all_open, check_ports, port_table, PortResult, PortRule, PortState, Product};
pub use tls::{
    probe_tls, AnchorResult, SentCertificate, Target, TlsOptions, TlsReport, VersionResult,
};

/// Why a preflight could not run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The target is not `HOST[:PORT]`.
    #[error("{0:?} is not HOST or HOST:PORT")]
    BadTarget(String),
    /// The product is unknown.
    #[error("unknown product {0:?} (expected ivanti-epmm, mobileiron-core or jamf-pro)")]
    UnknownProduct(String),
}
