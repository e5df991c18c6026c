#![doc = include_str!("../README.md")]

pub mod classic;
pub mod client;
mod credentials;
pub mod folder;
pub mod push;
pub mod retry;

pub use classic::{BadTarget, ProfileKey, ProfileRef, Scope, ServerProfile, Target};
pub use client::{Client, ClientOptions, Credentials, CredentialsProblem, OnWait, Stats, Wait};
pub use push::{Action, LocalProfile, MatchedBy, PushReport, PushRequest, Pusher};
pub use retry::{RetryAfter, RetryPolicy};

/// Why a Jamf Pro request, or a push, did not succeed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `--url` is not an http(s) URL.
    #[error("{0:?} is not a Jamf Pro URL (https://example.jamfcloud.com)")]
    Url(String),
    /// `--url` is plain http to another machine, and insecure http was not allowed.
    #[error("{0:?}: plain http would send the credentials and tokens readable over the network; use https:// (or --allow-insecure-http for a test server)")]
    Insecure(String),
    /// A request rate below [`client::MIN_RATE`] (or not a number).
    #[error("a rate of {0} requests a second: give 0 (no pacing) or at least 0.01")]
    Rate(f64),
    /// The deadline passed before the work was done.
    #[error("{request}: the deadline of {seconds} s passed before the work was done (--deadline)")]
    Deadline {
        /// The request that would have been sent or retried.
        request: String,
        /// The deadline.
        seconds: u64,
    },
    /// Credentials are missing, incomplete or unreadable.
    #[error("credentials: {0}")]
    Credentials(#[source] client::CredentialsProblem),
    /// The server could not be reached (DNS, TCP, TLS, timeout), or the answer was cut
    /// off.
    #[error("{url}: {}", client::network_reason(.cause))]
    Connect {
        /// The request's URL.
        url: String,
        /// What failed. (Not a `source`: the message already says it in words, and a chain
        /// would repeat it as ureq and OpenSSL put it.)
        cause: ureq::Error,
    },
    /// Jamf Pro refused the credentials.
    #[error("{url}: HTTP {status}: Jamf Pro refused the credentials (check them, and that the API client is enabled)")]
    Refused {
        /// The token endpoint.
        url: String,
        /// 400 or 401.
        status: u16,
    },
    /// Jamf Pro answered a request with an error status.
    #[error("{method} {url}: HTTP {status}{}{detail}", if detail.is_empty() { "" } else { ": " })]
    Status {
        /// GET, POST, PUT.
        method: &'static str,
        /// The request's URL.
        url: String,
        /// The status.
        status: u16,
        /// What the answer says (its text, shortened), or what the status means for this
        /// request.
        detail: String,
    },
    /// Jamf Pro's answer is not what its API documents.
    #[error("{url}: unexpected answer: {reason}")]
    Answer {
        /// The request's URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No profile of that id or name.
    #[error("no mobile device configuration profile {0} on the server")]
    NotFound(String),
    /// A local profile could not be read.
    #[error("{origin}: {source}")]
    Profile {
        /// Its file.
        origin: String,
        /// Why.
        source: pbkit_profile::Error,
    },
    /// After a write, the profile Jamf Pro keeps no longer holds together.
    #[error("{name} (id {id}): Jamf Pro changed the profile so that it no longer holds together ({state}): {}", problems.join("; "))]
    Broken {
        /// The profile's name.
        name: String,
        /// Its id.
        id: u64,
        /// What the server holds now, and what devices get.
        state: &'static str,
        /// References that no longer resolve, identifiers Jamf changed, and every real change
        /// between what was sent and what Jamf Pro keeps.
        problems: Vec<String>,
    },
    /// Two local profiles would go to one Jamf profile, or one request is contradictory.
    #[error("{0}")]
    Conflict(String),
    /// A file (credentials, journal, output) could not be read or written.
    #[error(transparent)]
    Read(#[from] pbkit_infile::Error),
    /// An output file could not be written.
    #[error(transparent)]
    Write(#[from] pbkit_outfile::Error),
}

impl Error {
    /// Whether a retry later may succeed: the server or the network, not the input.
    pub fn is_transient(&self) -> bool {
        self.transient().is_some()
    }

    /// For an error a retry may get past: the request's URL and what went wrong, as a
    /// wait message says them (`HTTP 500`, `connection refused`).
    pub(crate) fn transient(&self) -> Option<(&str, String)> {
        match self {
            Error::Connect { url, cause } => Some((url, client::network_reason(cause))),
            Error::Status { url, status, .. } if *status == 429 || *status >= 500 => {
                Some((url, format!("HTTP {status}")))
            }
            _ => None,
        }
    }
}
