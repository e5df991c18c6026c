#![doc = include_str!("../README.md")]

pub mod journal;
mod request;
mod settings;

pub use request::{Job, Request};
pub use settings::{RunSettings, RUN_FILE};

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use journal::RowDigest;
use pbkit_outfile::Perm;
use pbkit_pkcs12::{Password, PasswordSource, RawIdentity, Suite, WriteOptions};
use pbkit_profile::seal::{Oversize, Seal};
use pbkit_profile::{BuildContext, ProvidedIdentity, Signer, Spec};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Names of the spec payloads a row's identities replace.
pub const SIGNING: &str = "signing";
/// See [`SIGNING`].
pub const ENCRYPTION: &str = "encryption";

/// Why one roster row failed; the row's outcome is [`Outcome::Failed`] with this reason,
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
    /// [`Rollout::allow_expired`]).
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

/// Why a rollout could not start (a row's problem is an [`Outcome::Failed`] instead).
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
        /// The payload name ([`SIGNING`] or [`ENCRYPTION`]).
        name: &'static str,
    },
    /// The spec cannot be read, or its identities name an unknown suite ([`Spec::suite`]).
    #[error(transparent)]
    Spec(pbkit_profile::Error),
    /// The signer's PKCS#12 or chain files cannot be read.
    #[error(transparent)]
    Signer(pbkit_profile::Error),
    /// A resume's recorded key-sharing format is unknown (a hand-edited record).
    #[error("{RUN_FILE}: {0}")]
    Keyshare(#[from] pbkit_keyshare::UnknownFormat),
    /// Roster, spec or signer is neither given nor recorded in the folder
    /// ([`Request::complete`]).
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

/// The rows of the roster at `roster`, for a progress count: a fast pass that parses no
/// fields, on a regular file only (a device or FIFO is refused before anything is done).
pub fn count_rows(roster: &Path) -> Result<u64, Error> {
    let file = pbkit_infile::open_regular(roster).map_err(|e| Error::Roster {
        path: roster.display().to_string(),
        detail: e.problem.to_string(),
    })?;
    let mut r = csv::Reader::from_reader(std::io::BufReader::new(file));
    let mut rec = csv::ByteRecord::new();
    let mut n = 0;
    while r.read_byte_record(&mut rec).unwrap_or(false) {
        n += 1;
    }
    Ok(n)
}

/// One roster row.
#[derive(Debug, Clone, Deserialize)]
pub struct Row {
    /// The user's email address (EmailAddress; the signing identity's SAN email).
    pub email: String,
    /// The user name; also the output file name.
    pub username: String,
    /// The display name (`$FULLNAME`, `$REALNAME`).
    pub display_name: String,
    /// The signing PKCS#12, relative to the roster.
    pub signing_p12: PathBuf,
    /// The encryption PKCS#12, relative to the roster.
    pub encryption_p12: PathBuf,
    /// A file holding this row's PKCS#12 password, relative to the roster.
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// An environment variable holding this row's PKCS#12 password.
    #[serde(default)]
    pub password_env: Option<String>,
}

/// Where each user's new PKCS#12 password goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordMode {
    /// In the profile (the device installs without asking; the profile is a secret).
    Embed,
    /// In `<username>.password` beside the profile (0600); the device asks at install.
    File,
}

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

/// A configured rollout.
pub struct Rollout {
    spec: Spec,
    spec_origin: String,
    spec_base: PathBuf,
    roster_base: Option<PathBuf>,
    out: PathBuf,
    signer: Signer,
    in_password: Option<Password>,
    password_mode: PasswordMode,
    resume: bool,
    keyshare: Option<pbkit_keyshare::Format>,
    settings: Option<RunSettings>,
    dry_run: bool,
    allow_outside: bool,
    encrypt_to: Option<String>,
    vars: BTreeMap<String, String>,
    at: time::OffsetDateTime,
    allow_expired: bool,
}

impl Rollout {
    /// A rollout of `spec` (read from `spec_path`: its name in messages, and the folder
    /// its relative paths start from), each profile signed by `signer`, into the folder
    /// `out`. The defaults: passwords embedded ([`PasswordMode::Embed`]), a new run (not a
    /// resume), no key-sharing packs, no recorded settings, files written, rows' files
    /// confined to the roster's folder, profiles not encrypted, and no password for rows
    /// that name none.
    pub fn new(
        spec: Spec,
        spec_path: impl AsRef<Path>,
        signer: Signer,
        out: impl Into<PathBuf>,
    ) -> Rollout {
        let spec_path = spec_path.as_ref();
        Rollout {
            spec,
            spec_origin: spec_path.display().to_string(),
            spec_base: folder_of(spec_path),
            roster_base: None,
            out: out.into(),
            signer,
            in_password: None,
            password_mode: PasswordMode::Embed,
            resume: false,
            keyshare: None,
            settings: None,
            dry_run: false,
            allow_outside: false,
            encrypt_to: None,
            vars: BTreeMap::new(),
            at: time::OffsetDateTime::now_utc(),
            allow_expired: false,
        }
    }

    /// When identities (and `--encrypt-to` devices) must be valid; now by default.
    pub fn at(mut self, at: time::OffsetDateTime) -> Rollout {
        self.at = at;
        self
    }

    /// Take identities whose certificates are expired or not yet valid at
    /// [`Rollout::at`] (refused by default: Mail would not sign or decrypt with them).
    pub fn allow_expired(mut self, allow: bool) -> Rollout {
        self.allow_expired = allow;
        self
    }

    /// Values for the spec's variables (`{{host}}`), for every user; each must be one the
    /// spec uses ([`Spec::check_vars`]). A row's `email`, `username` and `display_name`
    /// are its own.
    pub fn vars(mut self, vars: BTreeMap<String, String>) -> Rollout {
        self.vars = vars;
        self
    }

    /// The folder rows' relative paths start from (and, unless
    /// [`Rollout::allow_outside`], must stay under); by default the roster's.
    pub fn roster_base(mut self, dir: impl Into<PathBuf>) -> Rollout {
        self.roster_base = Some(dir.into());
        self
    }

    /// The input PKCS#12 password for rows that name none.
    pub fn in_password(mut self, password: Password) -> Rollout {
        self.in_password = Some(password);
        self
    }

    /// Where each user's new PKCS#12 password goes.
    pub fn password_mode(mut self, mode: PasswordMode) -> Rollout {
        self.password_mode = mode;
        self
    }

    /// Finish an interrupted rollout: users the journal records with the same row and
    /// inputs, whose outputs are there, are skipped.
    pub fn resume(mut self, resume: bool) -> Rollout {
        self.resume = resume;
        self
    }

    /// Also write `<username>.keyshare/`, the user's identities as a key-sharing pack of
    /// this format, under the same fresh password.
    pub fn keyshare(mut self, format: Option<pbkit_keyshare::Format>) -> Rollout {
        self.keyshare = format;
        self
    }

    /// The run's settings: recorded at the start, and a resume must have the same.
    /// Without, nothing is recorded or checked (a library caller's own business).
    pub fn settings(mut self, settings: RunSettings) -> Rollout {
        self.settings = Some(settings);
        self
    }

    /// Check every row (files, passwords, addresses, the identity rule, signing) and
    /// write nothing: each good row is [`Outcome::Checked`].
    pub fn dry_run(mut self, dry_run: bool) -> Rollout {
        self.dry_run = dry_run;
        self
    }

    /// Let rows name files outside the roster's folder and any environment variable
    /// (otherwise: files under the roster's folder, variables starting with `PBKIT_`, so
    /// that a roster from elsewhere cannot make pbkit read `/etc/shadow` or `HOME`).
    pub fn allow_outside(mut self, allow: bool) -> Rollout {
        self.allow_outside = allow;
        self
    }

    /// The signer every profile is signed by.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    /// Encrypt each user's profile to the device certificate this roster column names
    /// (a path, like the PKCS#12 columns): the payloads, identities and passwords
    /// included, are then readable only by that device.
    pub fn encrypt_to(mut self, column: Option<String>) -> Rollout {
        self.encrypt_to = column;
        self
    }
}

/// A file's folder: `""` for a bare name, which paths join as the current folder.
fn folder_of(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}

impl Rollout {
    fn suite(&self) -> Result<Suite, Error> {
        for name in [SIGNING, ENCRYPTION] {
            if !self
                .spec
                .payloads
                .iter()
                .any(|p| p.name == name && p.payload_type == pbkit_profile::Pkcs12::TYPE)
            {
                return Err(Error::MissingPayload {
                    spec: self.spec_origin.clone(),
                    name,
                });
            }
        }
        // An unknown suite is the spec's error; none named: what every iOS takes.
        let suite = self.spec.suite(&self.spec_origin).map_err(Error::Spec)?;
        Ok(suite.unwrap_or(Suite::IosLegacy))
    }

    /// Prepares the output folder: refuses one that is not empty unless resuming; when
    /// resuming, removes what a killed run staged (nothing else) and checks that the run's
    /// settings are the recorded ones; when starting, records them. Opens the journal.
    fn prepare(&self) -> Result<(Journal, HashMap<String, RowDigest>), Error> {
        let io = |source| Error::Io {
            path: self.out.display().to_string(),
            source,
        };
        if let (true, Some(settings)) = (self.resume, &self.settings) {
            let recorded = RunSettings::read(&self.out)?
                .ok_or_else(|| Error::NothingToResume(self.out.display().to_string()))?;
            let differences = settings.differences(&recorded);
            if !differences.is_empty() {
                return Err(Error::ResumeDiffers {
                    out: self.out.display().to_string(),
                    differences,
                });
            }
        }
        if self.resume {
            pbkit_outfile::remove_stale(&self.out)?;
        } else if std::fs::read_dir(&self.out).is_ok_and(|mut d| d.next().is_some()) {
            return Err(Error::NotEmpty(self.out.display().to_string()));
        }
        // Owner-only whatever the umask: profiles with identities and passwords go here.
        pbkit_outfile::create_dir(&self.out, Perm::Secret)?;
        if let (false, Some(settings)) = (self.resume, &self.settings) {
            let json = serde_json::to_vec_pretty(settings).map_err(|e| {
                io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    e.to_string(),
                ))
            })?;
            pbkit_outfile::write(self.out.join(RUN_FILE), &json, Perm::Public)?;
        }
        let (journal, held) = Journal::open(
            &self.out.join(journal::JOURNAL_FILE),
            self.resume,
            journal::LIMIT,
        )?;
        let journal = journal.batched(journal::BATCH, journal::BATCH_TIME);
        Ok((journal, journal::parse(&held)))
    }

    /// Runs the rollout over the roster at `roster`, calling `report` once per row (from
    /// any thread) as rows finish.
    pub fn run(&self, roster: &Path, report: &(dyn Fn(&Outcome) + Sync)) -> Result<Summary, Error> {
        let suite = self.suite()?;
        self.spec
            .check_vars(&self.spec_origin, self.vars.keys().map(String::as_str))
            .map_err(Error::Vars)?;
        let bad = |detail: String| Error::Roster {
            path: roster.display().to_string(),
            detail,
        };
        // A regular file: it is hashed, counted and read, and /dev/zero never ends.
        let file = pbkit_infile::open_regular(roster).map_err(|e| bad(e.problem.to_string()))?;
        let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
        let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
        for col in [
            "email",
            "username",
            "display_name",
            "signing_p12",
            "encryption_p12",
        ] {
            if !headers.iter().any(|h| h == col) {
                return Err(bad(format!(
                    "missing column {col:?} (header: {})",
                    headers.iter().collect::<Vec<_>>().join(",")
                )));
            }
        }
        let device_column = match &self.encrypt_to {
            Some(col) => Some(headers.iter().position(|h| h == col).ok_or_else(|| {
                bad(format!(
                    "--encrypt-to {col}: no such column (header: {})",
                    headers.iter().collect::<Vec<_>>().join(",")
                ))
            })?),
            None => None,
        };
        // Only a roster that can be read gets an output folder; a dry run gets none.
        let (journal, done) = if self.dry_run {
            (None, HashMap::new())
        } else {
            let (journal, done) = self.prepare()?;
            (Some(journal), done)
        };
        let roster_base = self
            .roster_base
            .clone()
            .unwrap_or_else(|| folder_of(roster));
        let base = if self.allow_outside {
            roster_base.clone()
        } else {
            let base = if roster_base.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &roster_base
            };
            std::fs::canonicalize(base).map_err(|e| bad(pbkit_outfile::io_reason(&e)))?
        };
        let run = Run {
            roster_base,
            journal: journal.as_ref(),
            done,
            base,
            suite,
            device_column,
        };
        // Usernames seen so far, as 128-bit digests: the only state that grows with the
        // roster, at ~20 bytes per user rather than a String each.
        let seen = Mutex::new(HashSet::new());
        let summary = Mutex::new(Summary::default());
        let emit = |outcome: Outcome| {
            {
                let mut s = summary.lock().unwrap_or_else(|p| p.into_inner());
                match outcome {
                    Outcome::Done { .. } => s.done += 1,
                    Outcome::Checked { .. } => s.checked += 1,
                    Outcome::Skipped { .. } => s.skipped += 1,
                    Outcome::Failed { .. } => s.failed += 1,
                }
            }
            report(&outcome);
        };
        // A user is reported done once its batch is committed: its files on disk and in
        // place, its line in the journal. A batch that cannot be committed fails its users.
        let committed =
            |result: Result<Vec<Outcome>, pbkit_outfile::BatchError<Outcome>>| match result {
                Ok(done) => done.into_iter().for_each(&emit),
                Err(e) => {
                    let reason = RowError::Write(e.error).to_string();
                    for o in e.items {
                        emit(Outcome::Failed {
                            line: o.line(),
                            username: o.username().map(str::to_string),
                            reason: reason.clone(),
                        });
                    }
                }
            };
        // Rows stream through: at most a few per thread are in memory at once.
        reader
            .into_records()
            .enumerate()
            .par_bridge()
            .for_each(|(i, record)| {
                let line = i as u64 + 2;
                let outcome = match record {
                    Err(e) => Outcome::Failed {
                        line,
                        username: None,
                        reason: RowError::Csv(csv_reason(&e)).to_string(),
                    },
                    Ok(r) => match r.deserialize::<Row>(Some(&headers)) {
                        Err(e) => Outcome::Failed {
                            line,
                            username: r.get(1).map(str::to_string),
                            reason: RowError::Csv(csv_reason(&e)).to_string(),
                        },
                        Ok(row) => match self.row(line, &row, &r, &run, &seen) {
                            Finished::Now(outcome) => outcome,
                            Finished::ToCommit(entry, files, outcome) => match run.journal {
                                Some(journal) => {
                                    committed(journal.record(&entry, files, outcome));
                                    return;
                                }
                                None => outcome,
                            },
                        },
                    },
                };
                emit(outcome);
            });
        if let Some(journal) = &journal {
            committed(journal.flush());
        }
        Ok(summary.into_inner().unwrap_or_else(|p| p.into_inner()))
    }

    fn row(
        &self,
        line: u64,
        row: &Row,
        record: &csv::StringRecord,
        run: &Run<'_>,
        seen: &Mutex<HashSet<[u8; 16]>>,
    ) -> Finished {
        let file = self.out.join(format!("{}.mobileconfig", row.username));
        let result = self.check_row(row, seen).and_then(|()| {
            let inputs = self.inputs(row, run)?;
            let device = self.device(record, run)?;
            let paths: Vec<&Path> = inputs.iter().chain(&device).map(PathBuf::as_path).collect();
            let digest = journal::row_digest(record.iter().map(str::as_bytes), &paths);
            if self.resume
                && run.done.get(&row.username) == Some(&digest)
                && self.outputs_exist(&file)
            {
                return Ok(None);
            }
            let built = self.build(row, &inputs, device.as_deref(), run, &file)?;
            Ok(Some((built, digest)))
        });
        match result {
            Ok(Some((built, _))) if self.dry_run => Finished::Now(Outcome::Checked {
                line,
                username: row.username.clone(),
                bytes: built.bytes,
                oversize: built.oversize,
            }),
            Ok(Some((built, digest))) => Finished::ToCommit(
                journal::line(&row.username, &digest),
                built.files,
                Outcome::Done {
                    line,
                    username: row.username.clone(),
                    file: file.display().to_string(),
                    bytes: built.bytes,
                    oversize: built.oversize,
                },
            ),
            Ok(None) => Finished::Now(Outcome::Skipped {
                line,
                username: row.username.clone(),
                reason: "done by the interrupted run (same row, same inputs)".into(),
            }),
            Err(e) => Finished::Now(Outcome::Failed {
                line,
                username: Some(row.username.clone()),
                reason: e.to_string(),
            }),
        }
    }

    /// The checks that need no file: a usable, unique username and an address.
    fn check_row(&self, row: &Row, seen: &Mutex<HashSet<[u8; 16]>>) -> Result<(), RowError> {
        check_username(&row.username)?;
        let digest: [u8; 32] = sha2::Sha256::digest(row.username.as_bytes()).into();
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        if !seen.lock().unwrap_or_else(|p| p.into_inner()).insert(key) {
            return Err(RowError::DuplicateUsername);
        }
        check_email(&row.email)
    }

    /// Whether every output of a finished user is there: the profile, and the password
    /// file or key-sharing pack this run writes.
    fn outputs_exist(&self, file: &Path) -> bool {
        file.is_file()
            && (self.password_mode != PasswordMode::File
                || file.with_extension("password").is_file())
            && (self.keyshare.is_none() || file.with_extension("keyshare").is_dir())
    }

    /// The row's input files, resolved from the roster's folder and, unless
    /// `allow_outside`, confined to it: signing, encryption, then the password file if any.
    fn inputs(&self, row: &Row, run: &Run<'_>) -> Result<Vec<PathBuf>, RowError> {
        let mut inputs = Vec::new();
        let columns = [
            ("signing_p12", Some(&row.signing_p12)),
            ("encryption_p12", Some(&row.encryption_p12)),
            ("password_file", row.password_file.as_ref()),
        ];
        for (column, given) in columns {
            if let Some(given) = given {
                inputs.push(self.confined(column, given, run)?);
            }
        }
        if let (Some(var), false) = (&row.password_env, self.allow_outside) {
            if !var.starts_with("PBKIT_") {
                return Err(RowError::Variable(var.clone()));
            }
        }
        Ok(inputs)
    }

    /// A row's file, resolved from the roster's folder and, unless `allow_outside`,
    /// confined to it.
    fn confined(
        &self,
        column: &'static str,
        given: &Path,
        run: &Run<'_>,
    ) -> Result<PathBuf, RowError> {
        let base = &run.base;
        let path = run.roster_base.join(given);
        if self.allow_outside {
            return Ok(path);
        }
        let resolved = std::fs::canonicalize(&path).map_err(|e| {
            RowError::Read(pbkit_infile::Error {
                path: path.clone(),
                problem: pbkit_infile::Problem::Io(e),
            })
        })?;
        if !resolved.starts_with(base) {
            return Err(RowError::Outside {
                column,
                path: resolved.display().to_string(),
                base: base.display().to_string(),
            });
        }
        Ok(resolved)
    }

    /// The row's device certificate file, when profiles are encrypted.
    fn device(
        &self,
        record: &csv::StringRecord,
        run: &Run<'_>,
    ) -> Result<Option<PathBuf>, RowError> {
        let (Some(column), Some(i)) = (&self.encrypt_to, run.device_column) else {
            return Ok(None);
        };
        let given = record.get(i).unwrap_or_default().trim();
        if given.is_empty() {
            return Err(RowError::NoDevice(column.clone()));
        }
        self.confined("--encrypt-to column", Path::new(given), run)
            .map(Some)
    }

    fn password(&self, row: &Row, file: Option<&PathBuf>) -> Result<Password, RowError> {
        let source = match (file, &row.password_env) {
            (Some(f), _) => PasswordSource::File(f.clone()),
            (None, Some(var)) => PasswordSource::Env(var.clone()),
            (None, None) => return self.in_password.clone().ok_or(RowError::NoPassword),
        };
        source.read().map_err(RowError::Password)
    }

    /// Builds, signs and writes one user's profile from its resolved `inputs`; returns its
    /// size and its files, written but not yet committed (none in a dry run).
    fn build(
        &self,
        row: &Row,
        inputs: &[PathBuf],
        device: Option<&Path>,
        run: &Run<'_>,
        file: &Path,
    ) -> Result<Built, RowError> {
        let password = self.password(row, inputs.get(2))?;
        // Bytes only: OpenSSL never decodes these keys (in OpenSSL 3.0 that costs more than
        // the KDF); key and certificate are paired on the public key by pbkit.
        let ders = [
            pbkit_infile::read(&inputs[0], pbkit_pkcs12::FILE_LIMIT)?,
            pbkit_infile::read(&inputs[1], pbkit_pkcs12::FILE_LIMIT)?,
        ];
        // Both files at once: their key derivations share the KDF's lanes.
        let [signing, encryption] = RawIdentity::read_many([&ders[0], &ders[1]], &password);
        let take = |raw: Result<RawIdentity, _>, path: &Path| -> Result<RawIdentity, RowError> {
            let mut raw = raw.map_err(|source| RowError::Pkcs12 {
                path: path.display().to_string(),
                source,
            })?;
            // The leaf alone, as a device needs it.
            raw.chain.clear();
            Ok(raw)
        };
        let signing = take(signing, &inputs[0])?;
        let encryption = take(encryption, &inputs[1])?;
        let path = |origin: &Path| run.roster_base.join(origin).display().to_string();
        // What the build's identity rule and the validity check need, read from the DER
        // (no OpenSSL decode), before any key derivation is spent on the row.
        let facts = |id: &RawIdentity, origin: &Path, used_for| -> Result<_, RowError> {
            let facts =
                pbkit_pki::Facts::from_der(&id.certificate).map_err(|e| RowError::Pkcs12 {
                    path: path(origin),
                    source: e.into(),
                })?;
            match facts.validity_problem(self.at) {
                Some(problem) if !self.allow_expired => Err(RowError::NotValid {
                    path: path(origin),
                    used_for,
                    serial: facts.serial,
                    problem,
                }),
                _ => Ok(facts),
            }
        };
        let signing_facts = facts(&signing, &row.signing_p12, SIGNING)?;
        let encryption_facts = facts(&encryption, &row.encryption_p12, ENCRYPTION)?;
        let fresh = Password::generate();
        let options = WriteOptions::new(run.suite);
        // Both under the fresh password at once: their key derivations share the KDF's lanes.
        let [signing_p12, encryption_p12] =
            RawIdentity::to_pkcs12_many([&signing, &encryption], &fresh, &options).map_err(
                |source| RowError::Pkcs12 {
                    path: format!(
                        "{} and {}",
                        path(&row.signing_p12),
                        path(&row.encryption_p12)
                    ),
                    source,
                },
            )?;
        let provide = |pkcs12: Vec<u8>, facts: pbkit_pki::Facts| ProvidedIdentity {
            pkcs12,
            password: fresh.clone(),
            facts,
        };
        let ctx = BuildContext {
            base: self.spec_base.clone(),
            vars: {
                let mut vars = self.vars.clone();
                vars.extend([
                    ("email".to_string(), row.email.clone()),
                    ("username".to_string(), row.username.clone()),
                    ("display_name".to_string(), row.display_name.clone()),
                ]);
                vars
            },
            identities: BTreeMap::from([
                (SIGNING.to_string(), provide(signing_p12, signing_facts)),
                (
                    ENCRYPTION.to_string(),
                    provide(encryption_p12, encryption_facts),
                ),
            ]),
            jamf: BTreeMap::from([
                ("EMAIL".to_string(), row.email.clone()),
                ("USERNAME".to_string(), row.username.clone()),
                ("FULLNAME".to_string(), row.display_name.clone()),
                ("REALNAME".to_string(), row.display_name.clone()),
            ]),
            embed_password: Some(self.password_mode == PasswordMode::Embed),
            // Every user's profile its own identifier and UUIDs: an MDM server keys profiles
            // on them, and two users sharing one would replace each other.
            identifier_suffix: (!self.spec.identifier_uses("username"))
                .then(|| row.username.clone()),
        };
        // The build applies the one identity rule (pbkit_pkcs12::fitness): swapped or
        // unfit identities, or an address that is not the signing identity's, fail here.
        let profile = self.spec.build(&self.spec_origin, &ctx)?;
        let device = device
            .map(|device| {
                pbkit_pki::bundle::read_one(device).map_err(|source| RowError::Device {
                    column: self.encrypt_to.clone().unwrap_or_default(),
                    source,
                })
            })
            .transpose()?;
        let sealed = Seal::new()
            .encrypt_to(device.as_slice(), self.at)
            .signed_by(&self.signer)
            .profile(&profile)?;
        let oversize = sealed.oversize();
        let signed = sealed.bytes;
        let mut built = Built {
            bytes: signed.len(),
            oversize,
            files: Vec::new(),
        };
        if self.dry_run {
            return Ok(built);
        }
        if let Some(format) = self.keyshare {
            self.pack(row, format, [&signing, &encryption], &fresh, file)?;
        }
        // Committed with the journal's batch, before the user is recorded.
        let mut files = Vec::new();
        if self.password_mode == PasswordMode::File {
            let pw_file = file.with_extension("password");
            files.extend(pbkit_outfile::stage(
                &pw_file,
                fresh.as_str().as_bytes(),
                Perm::Secret,
            )?);
        }
        files.extend(pbkit_outfile::stage(file, &signed, Perm::Secret)?);
        built.files = files;
        Ok(built)
    }
}

/// A row's profile, built and signed: its size, and the files staged to commit with the
/// journal's batch (none in a dry run).
struct Built {
    bytes: usize,
    oversize: Option<Oversize>,
    files: Vec<pbkit_outfile::Pending>,
}

/// A run's journal: a finished user's outcome is reported once its batch is committed.
type Journal = pbkit_outfile::Journal<Outcome>;

/// How a row ended: at once (failed, skipped, checked), or written and waiting to be
/// committed with its journal line.
enum Finished {
    Now(Outcome),
    ToCommit(Vec<u8>, Vec<pbkit_outfile::Pending>, Outcome),
}

/// What every row of one run shares.
struct Run<'a> {
    /// The folder rows' paths start from, as given.
    roster_base: PathBuf,
    /// The journal; `None` in a dry run.
    journal: Option<&'a Journal>,
    /// The users the interrupted run finished (resume), with their rows' digests.
    done: HashMap<String, RowDigest>,
    /// The roster's folder, resolved (rows' files must be under it).
    base: PathBuf,
    /// The suite the identities are written in.
    suite: Suite,
    /// The roster column of the device certificates (`--encrypt-to`).
    device_column: Option<usize>,
}

impl Rollout {
    /// Writes the user's key-sharing pack beside the profile.
    fn pack(
        &self,
        row: &Row,
        format: pbkit_keyshare::Format,
        ids: [&RawIdentity; 2],
        password: &Password,
        file: &Path,
    ) -> Result<(), RowError> {
        let mut sources = Vec::new();
        for (id, origin) in ids.into_iter().zip([&row.signing_p12, &row.encryption_p12]) {
            let identity = id.to_identity().map_err(|source| RowError::Pkcs12 {
                path: origin.display().to_string(),
                source,
            })?;
            sources.push(pbkit_keyshare::Source {
                origin: origin.display().to_string(),
                identity,
            });
        }
        let plan = pbkit_keyshare::Plan::new(sources, time::OffsetDateTime::now_utc())?;
        let dir = file.with_extension("keyshare");
        let staged =
            pbkit_outfile::StagedDir::new(&dir, pbkit_outfile::Existing::Replace, Perm::Secret)?;
        plan.write(
            staged.path(),
            pbkit_keyshare::PackOptions::for_format(format),
            password,
        )?;
        staged.commit()?;
        Ok(())
    }
}

/// A CSV error without the crate's internal wording ("CSV deserialize error: record 3 …").
fn csv_reason(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => match err.field() {
            Some(i) => format!("field {}: {}", i + 1, err.kind()),
            None => err.kind().to_string(),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("{len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "not UTF-8".into(),
        _ => e.to_string(),
    }
}

fn check_username(u: &str) -> Result<(), RowError> {
    let ok = !u.is_empty()
        && u.len() <= 128
        && !u.starts_with('.')
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(RowError::Username(u.to_string()))
    }
}

fn check_email(e: &str) -> Result<(), RowError> {
    let ok = match e.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !e
                    .chars()
                    .any(|c| c.is_whitespace() || c == ',' || c == '<' || c == '>')
        }
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(RowError::Email(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_and_emails() {
        for ok in ["test.user1", "jane_doe-2", "a@b"] {
            assert!(check_username(ok).is_ok(), "{ok}");
        }
        for bad in ["", ".hidden", "../x", "a/b", "sp ace"] {
            assert!(
                matches!(check_username(bad), Err(RowError::Username(u)) if u == bad),
                "{bad}"
            );
        }
        assert!(check_email("a.b@mail.example.mil").is_ok());
        for bad in ["nobody", "@x.mil", "a@b", "a b@c.mil", "a@.mil", "a@mil."] {
            assert!(
                matches!(check_email(bad), Err(RowError::Email(e)) if e == bad),
                "{bad}"
            );
        }
    }
}
