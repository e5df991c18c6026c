//! How each row ended, the CSV report of them, and the counts.

use serde::Serialize;

use pbkit_profile::seal::Oversize;

/// What happened to one row; serialized with the `status` pbkit's JSON Lines give it
/// (`ok`, `would-write`, `skipped`, `failed`).
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// The profile was written.
    #[serde(rename = "ok")]
    Done {
        /// CSV line.
        line: u64,
        /// The user.
        username: String,
        /// The profile.
        file: String,
        /// Its size.
        bytes: usize,
        /// Larger than Intune and Fleet take (a warning: Jamf Pro and iOS take it).
        #[serde(skip_serializing_if = "Option::is_none")]
        oversize: Option<Oversize>,
    },
    /// Dry run: the row would be done (files, passwords, address, identity rule and
    /// signature all hold); nothing was written.
    #[serde(rename = "would-write")]
    Checked {
        /// CSV line.
        line: u64,
        /// The user.
        username: String,
        /// The size the profile would have.
        bytes: usize,
        /// Larger than Intune and Fleet take.
        #[serde(skip_serializing_if = "Option::is_none")]
        oversize: Option<Oversize>,
    },
    /// A valid profile was already there (resume).
    Skipped {
        /// CSV line.
        line: u64,
        /// The user.
        username: String,
        /// Why.
        reason: String,
    },
    /// The row could not be processed; nothing was written for it.
    Failed {
        /// CSV line.
        line: u64,
        /// The user, when the row names one.
        username: Option<String>,
        /// Why.
        reason: String,
    },
}

impl Outcome {
    /// The roster line the outcome is about.
    pub fn line(&self) -> u64 {
        match self {
            Outcome::Done { line, .. }
            | Outcome::Checked { line, .. }
            | Outcome::Skipped { line, .. }
            | Outcome::Failed { line, .. } => *line,
        }
    }

    /// Its status word, as serialized and in the CSV report: `ok`, `would-write`,
    /// `skipped`, `failed`.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Done { .. } => "ok",
            Outcome::Checked { .. } => "would-write",
            Outcome::Skipped { .. } => "skipped",
            Outcome::Failed { .. } => "failed",
        }
    }

    /// The user the outcome is about, when the row names one.
    pub fn username(&self) -> Option<&str> {
        match self {
            Outcome::Done { username, .. }
            | Outcome::Checked { username, .. }
            | Outcome::Skipped { username, .. } => Some(username),
            Outcome::Failed { username, .. } => username.as_deref(),
        }
    }
}

/// The outcomes as CSV, one row per roster row (`line, username, status, file, bytes,
/// reason`): the report an admin opens in a spreadsheet.
pub fn report_csv(outcomes: &[Outcome]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["line", "username", "status", "file", "bytes", "reason"])?;
    for o in outcomes {
        let line = o.line().to_string();
        let warning = |o: &Option<Oversize>| o.map(|o| o.to_string()).unwrap_or_default();
        let (file, bytes, reason) = match o {
            Outcome::Done {
                file,
                bytes,
                oversize,
                ..
            } => (file.as_str(), bytes.to_string(), warning(oversize)),
            Outcome::Checked {
                bytes, oversize, ..
            } => ("", bytes.to_string(), warning(oversize)),
            _ => ("", String::new(), String::new()),
        };
        let row: [&str; 6] = match o {
            Outcome::Done { username, .. } | Outcome::Checked { username, .. } => {
                [&line, username, o.status(), file, &bytes, &reason]
            }
            Outcome::Skipped {
                username, reason, ..
            } => [&line, username, o.status(), "", "", reason],
            Outcome::Failed {
                username, reason, ..
            } => [
                &line,
                username.as_deref().unwrap_or(""),
                o.status(),
                "",
                "",
                reason,
            ],
        };
        w.write_record(row)?;
    }
    w.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

/// Counts of a finished rollout.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Profiles written.
    pub done: usize,
    /// Rows checked by a dry run.
    #[serde(skip_serializing_if = "is_zero")]
    pub checked: usize,
    /// Users already done (resume).
    pub skipped: usize,
    /// Rows that failed.
    pub failed: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
