//! Why a rollout could not start, and why one row failed.

use crate::RUN_FILE;

/// Why one roster row failed; the row's outcome is [`Outcome::Failed`](crate::Outcome::Failed) with this reason,
/// and nothing was written for it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RowError {
    /// The CSV record cannot be read or lacks a column.
    #[error("bad row: {0}")]
    Csv(String),
    /// The username cannot be a file name.
    #[error("username {0:?} is not usable as a file name (letters, digits, . _ - @; not starting with .)")]
    Username(String),
    /// The username appeared on an earlier row.
    #[error("username appears twice in the roster")]
    DuplicateUsername,
    /// The email column is not an address.
    #[error("email {0:?} is not an email address")]
    Email(String),
    /// Neither the row nor the command names a password.
    #[error("no password: the row names none and no --in-password-file was given")]
    NoPassword,
    /// The row's password file or variable could not be read.
    #[error(transparent)]
    Password(pbkit_pkcs12::Error),
    /// A file of the row could not be read.
    #[error(transparent)]
    Read(#[from] pbkit_infile::Error),
    /// A file column names a file outside the roster's folder.
    #[error("{column}: {path} is outside the roster's folder {base} (--allow-outside allows it)")]
    Outside {
        /// The column.
        column: &'static str,
        /// The file, resolved.
        path: String,
        /// The roster's folder.
        base: String,
    },
    /// A password_env column names a variable that is not a pbkit password variable.
    #[error("password_env: {0} does not start with PBKIT_ (--allow-outside allows any variable)")]
    Variable(String),
    /// An identity's certificate is expired or not yet valid (see
    /// [`Rollout::allow_expired`](crate::Rollout::allow_expired)).
    #[error("{path}: the {used_for} identity (serial {serial}) {problem} (--allow-expired takes it anyway)")]
    NotValid {
        /// The file.
        path: String,
        /// `signing` or `encryption`.
        used_for: &'static str,
        /// The certificate's serial.
        serial: String,
        /// `expired on …` or `not valid before …`.
        problem: String,
    },
    /// A PKCS#12 of the row could not be read or written.
    #[error("{path}: {source}")]
    Pkcs12 {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: pbkit_pkcs12::Error,
    },
    /// The profile could not be built (the identities do not fit, …), encrypted or signed.
    #[error(transparent)]
    Profile(#[from] pbkit_profile::Error),
    /// The row's device certificate (`--encrypt-to`) is missing or unreadable.
    #[error("{column}: {source}")]
    Device {
        /// The column.
        column: String,
        /// Why.
        #[source]
        source: pbkit_pki::Error,
    },
    /// The row's `--encrypt-to` column is empty.
    #[error("{0}: empty: --encrypt-to needs each row's device certificate")]
    NoDevice(String),
    /// The key-sharing pack could not be made.
    #[error(transparent)]
    Pack(#[from] pbkit_keyshare::Error),
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] pbkit_outfile::Error),
    /// A staged folder could not be written.
    #[error(transparent)]
    Stage(#[from] pbkit_outfile::DirError),
}

/// Why a rollout could not start (a row's problem is an [`Outcome::Failed`](crate::Outcome::Failed) instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The roster cannot be read at all.
    #[error("{path}: {detail}")]
    Roster {
        /// The roster.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The spec lacks a PKCS#12 payload the rollout fills with each user's identity.
    #[error("{spec}: a rollout spec needs a com.apple.security.pkcs12 payload named {name:?}")]
    MissingPayload {
        /// The spec.
        spec: String,
        /// The payload name ([`SIGNING`](crate::SIGNING) or [`ENCRYPTION`](crate::ENCRYPTION)).
        name: &'static str,
    },
    /// The spec cannot be read, or its identities name an unknown suite ([`Spec::suite`](pbkit_profile::Spec::suite)).
    #[error(transparent)]
    Spec(pbkit_profile::Error),
    /// The signer's PKCS#12 or chain files cannot be read.
    #[error(transparent)]
    Signer(pbkit_profile::Error),
    /// A resume's recorded key-sharing format is unknown (a hand-edited record).
    #[error("{RUN_FILE}: {0}")]
    Keyshare(#[from] pbkit_keyshare::UnknownFormat),
    /// Roster, spec or signer is neither given nor recorded in the folder
    /// ([`Request::complete`](crate::Request::complete)).
    #[error("{out}: no run recorded to resume (no {RUN_FILE}): give {what}")]
    NotGiven {
        /// The output folder.
        out: String,
        /// `the roster`, `the spec` or `the signer`.
        what: &'static str,
    },
    /// A resume was asked with settings other than the run's (`--resume` must finish the
    /// same job): each difference in words.
    #[error("{out}: --resume with other settings than the interrupted run: {}", differences.join("; "))]
    ResumeDiffers {
        /// The output folder.
        out: String,
        /// What differs.
        differences: Vec<String>,
    },
    /// A resume was asked of a folder that holds no record of a run.
    #[error("{0}: no {RUN_FILE} here: nothing to resume (start the rollout without --resume)")]
    NothingToResume(String),
    /// The run's record could not be written.
    #[error(transparent)]
    Write(#[from] pbkit_outfile::Error),
    /// The output folder is not empty and resume was not asked.
    #[error("{0}: folder is not empty (use --resume to finish an interrupted rollout there, or name a new folder)")]
    NotEmpty(String),
    /// A `--var` names a variable the spec does not use.
    #[error(transparent)]
    Vars(pbkit_profile::Error),
    /// I/O on the output folder.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
}
