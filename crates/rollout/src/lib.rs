#![doc = include_str!("../README.md")]

mod error;
pub mod journal;
mod outcome;
mod request;
mod roster;
mod settings;

pub use error::{Error, RowError};
pub use outcome::{report_csv, Outcome, Summary};
pub use request::{Job, Request};
pub use roster::{count_rows, Row};
pub use settings::{RunSettings, RUN_FILE};

use roster::{check_email, check_username, csv_reason};

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

/// Where each user's new PKCS#12 password goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordMode {
    /// In the profile (the device installs without asking; the profile is a secret).
    Embed,
    /// In `<username>.password` beside the profile (0600); the device asks at install.
    File,
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
