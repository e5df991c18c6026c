//! Bulk S/MIME rollout: one signed configuration profile per user.
//!
//! The S/MIME identities must sit in the same profile as the Exchange (or mail) payload, so
//! a rollout needs a profile per user. [`Rollout::run`] reads a CSV roster as a stream,
//! builds each user's profile from a spec (the user's identities in place of the spec's,
//! repacked with a fresh password), signs it, and writes `<username>.mobileconfig`
//! atomically (mode 0600), in parallel. A bad row is reported and skipped; the others
//! complete. Killed mid-run, a rerun with `resume` finishes the job without redoing
//! finished users and without leaving half-written files.
//!
//! Roster columns (header required): `email`, `username`, `display_name`, `signing_p12`,
//! `encryption_p12` (paths relative to the roster), and optionally `password_file` or
//! `password_env`, naming where that row's PKCS#12 password is (never the password).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pbkit_outfile::Perm;
use pbkit_pkcs12::{write_legacy, Identity, Password, RawIdentity, Suite, WriteOptions};
use pbkit_pki::Certificate;
use pbkit_profile::{sign, verify, BuildContext, Spec, Verdict};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::Digest;

/// Names of the spec payloads a row's identities replace.
pub const SIGNING: &str = "signing";
/// See [`SIGNING`].
pub const ENCRYPTION: &str = "encryption";

/// Why a rollout could not start (a row's problem is an [`Outcome::Failed`] instead).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The roster cannot be read at all.
    #[error("{path}: {detail}")]
    Roster {
        /// The roster.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// The spec does not fit a rollout.
    #[error("{0}")]
    Spec(String),
    /// The output folder holds profiles and resume was not asked.
    #[error("{0}: holds profiles already (use --resume to finish an interrupted rollout)")]
    NotEmpty(String),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordMode {
    /// In the profile (the device installs without asking; the profile is a secret).
    Embed,
    /// In `<username>.password` beside the profile (0600); the device asks at install.
    File,
}

/// What happened to one row.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum Outcome {
    /// The profile was written.
    Done {
        /// CSV line.
        line: u64,
        /// The user.
        username: String,
        /// The profile.
        file: String,
        /// Its size.
        bytes: usize,
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

/// Counts of a finished rollout.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Profiles written.
    pub done: usize,
    /// Users already done (resume).
    pub skipped: usize,
    /// Rows that failed.
    pub failed: usize,
}

/// A configured rollout.
pub struct Rollout {
    /// The spec, with payloads named [`SIGNING`] and [`ENCRYPTION`].
    pub spec: Spec,
    /// The spec's name in messages.
    pub spec_origin: String,
    /// The spec's folder.
    pub spec_base: PathBuf,
    /// The roster's folder (row paths start here).
    pub roster_base: PathBuf,
    /// The output folder.
    pub out: PathBuf,
    /// Who signs every profile.
    pub signer: Identity,
    /// Chain certificates to embed with the signature.
    pub chain: Vec<Certificate>,
    /// The input PKCS#12 password for rows that name none.
    pub in_password: Option<Password>,
    /// Where new passwords go.
    pub password_mode: PasswordMode,
    /// Finish an interrupted rollout.
    pub resume: bool,
    /// Also write `<username>.keyshare/`, the user's identities as a key-sharing pack of
    /// this format, under the same fresh password.
    pub keyshare: Option<pbkit_keyshare::Format>,
}

impl Rollout {
    fn suite(&self) -> Result<Suite, Error> {
        for name in [SIGNING, ENCRYPTION] {
            if !self
                .spec
                .payloads
                .iter()
                .any(|p| p.name == name && p.payload_type == "com.apple.security.pkcs12")
            {
                return Err(Error::Spec(format!(
                    "{}: a rollout spec needs a com.apple.security.pkcs12 payload named {name:?}",
                    self.spec_origin
                )));
            }
        }
        let named = self
            .spec
            .payloads
            .iter()
            .find(|p| p.name == SIGNING)
            .and_then(|p| p.suite.as_deref());
        named
            .unwrap_or("ios-legacy")
            .parse()
            .map_err(|e: pbkit_pkcs12::UnknownSuite| Error::Spec(e.to_string()))
    }

    /// Prepares the output folder: refuses one with profiles unless resuming; when
    /// resuming, removes temporary files a killed run left.
    fn prepare(&self) -> Result<(), Error> {
        let io = |source| Error::Io {
            path: self.out.display().to_string(),
            source,
        };
        std::fs::create_dir_all(&self.out).map_err(io)?;
        for entry in std::fs::read_dir(&self.out).map_err(io)? {
            let path = entry.map_err(io)?.path();
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with(".pbkit-") && self.resume {
                // A staged file, or a staged key-sharing pack folder, of a killed run.
                if path.is_dir() {
                    std::fs::remove_dir_all(&path).map_err(io)?;
                } else {
                    std::fs::remove_file(&path).map_err(io)?;
                }
            } else if name.ends_with(".mobileconfig") && !self.resume {
                return Err(Error::NotEmpty(self.out.display().to_string()));
            }
        }
        Ok(())
    }

    /// Runs the rollout over the roster at `roster`, calling `report` once per row (from
    /// any thread) as rows finish.
    pub fn run(&self, roster: &Path, report: &(dyn Fn(&Outcome) + Sync)) -> Result<Summary, Error> {
        let suite = self.suite()?;
        let bad = |detail: String| Error::Roster {
            path: roster.display().to_string(),
            detail,
        };
        let mut reader = csv::Reader::from_path(roster).map_err(|e| bad(e.to_string()))?;
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
        // Only a roster that can be read gets an output folder.
        self.prepare()?;
        // Usernames seen so far, as 128-bit digests: the only state that grows with the
        // roster, at ~20 bytes per user rather than a String each.
        let seen = Mutex::new(HashSet::new());
        let summary = Mutex::new(Summary::default());
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
                        reason: format!("unreadable CSV row: {e}"),
                    },
                    Ok(r) => match r.deserialize::<Row>(Some(&headers)) {
                        Err(e) => Outcome::Failed {
                            line,
                            username: r.get(1).map(str::to_string),
                            reason: format!("bad row: {e}"),
                        },
                        Ok(row) => self.row(line, &row, suite, &seen),
                    },
                };
                {
                    let mut s = summary.lock().expect("not poisoned");
                    match outcome {
                        Outcome::Done { .. } => s.done += 1,
                        Outcome::Skipped { .. } => s.skipped += 1,
                        Outcome::Failed { .. } => s.failed += 1,
                    }
                }
                report(&outcome);
            });
        Ok(summary.into_inner().expect("not poisoned"))
    }

    fn row(&self, line: u64, row: &Row, suite: Suite, seen: &Mutex<HashSet<[u8; 16]>>) -> Outcome {
        let fail = |reason: String| Outcome::Failed {
            line,
            username: Some(row.username.clone()),
            reason,
        };
        if let Err(e) = check_username(&row.username) {
            return fail(e);
        }
        let digest: [u8; 32] = sha2::Sha256::digest(row.username.as_bytes()).into();
        let key: [u8; 16] = digest[..16].try_into().expect("16 of 32 bytes");
        if !seen.lock().expect("not poisoned").insert(key) {
            return fail("username appears twice in the roster".into());
        }
        if let Err(e) = check_email(&row.email) {
            return fail(e);
        }
        let file = self.out.join(format!("{}.mobileconfig", row.username));
        if self.resume {
            if let Ok(bytes) = std::fs::read(&file) {
                if matches!(
                    verify(&bytes, &[]).0,
                    Verdict::Verified | Verdict::Unverified(_)
                ) {
                    return Outcome::Skipped {
                        line,
                        username: row.username.clone(),
                        reason: "a valid signed profile is already there".into(),
                    };
                }
            }
        }
        match self.build(row, suite, &file) {
            Ok(bytes) => Outcome::Done {
                line,
                username: row.username.clone(),
                file: file.display().to_string(),
                bytes,
            },
            Err(reason) => fail(reason),
        }
    }

    fn password(&self, row: &Row) -> Result<Password, String> {
        if let Some(f) = &row.password_file {
            let path = self.roster_base.join(f);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("password_file {}: {e}", path.display()))?;
            let text = text.strip_suffix('\n').unwrap_or(&text);
            return Ok(Password::new(text.strip_suffix('\r').unwrap_or(text)));
        }
        if let Some(var) = &row.password_env {
            return std::env::var(var)
                .map(Password::new)
                .map_err(|_| format!("password_env {var}: not set"));
        }
        self.in_password.clone().ok_or_else(|| {
            "no password: the row names none and no --in-password-file was given".into()
        })
    }

    /// Builds, signs and writes one user's profile; returns its size.
    fn build(&self, row: &Row, suite: Suite, file: &Path) -> Result<usize, String> {
        let password = self.password(row)?;
        // Bytes only: OpenSSL never decodes these keys (in OpenSSL 3.0 that costs more than
        // the KDF); key and certificate are paired on the public key by pbkit.
        let open = |p: &Path| -> Result<RawIdentity, String> {
            let path = self.roster_base.join(p);
            let der = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            RawIdentity::read(&der, &password).map_err(|e| format!("{}: {e}", path.display()))
        };
        let signing = open(&row.signing_p12)?;
        let encryption = open(&row.encryption_p12)?;
        let san = pbkit_pki::san_of(&signing.certificate)
            .map_err(|e| e.to_string())?
            .email;
        match san.first() {
            Some(first) if first.eq_ignore_ascii_case(&row.email) => {}
            Some(first) => {
                return Err(format!(
                "the signing identity's email is {first}, the row says {}: iOS Mail would not sign",
                row.email
            ))
            }
            None => {
                return Err(
                    "the signing identity has no SAN email: iOS Mail cannot sign with it".into(),
                )
            }
        }
        let fresh = Password::generate();
        // The leaf alone, as a device needs it.
        let repack = |id: &RawIdentity| -> Result<Vec<u8>, String> {
            match suite {
                Suite::IosLegacy | Suite::Purebred => {
                    write_legacy(&id.pkcs8, &id.certificate, &[], &fresh, suite, 2048, None)
                }
                Suite::Modern => id.to_identity().and_then(|i| {
                    i.with_chain(Vec::new())
                        .to_pkcs12(&fresh, &WriteOptions::new(suite))
                }),
            }
            .map_err(|e| e.to_string())
        };
        let ctx = BuildContext {
            base: self.spec_base.clone(),
            vars: BTreeMap::from([
                ("email".to_string(), row.email.clone()),
                ("username".to_string(), row.username.clone()),
                ("display_name".to_string(), row.display_name.clone()),
            ]),
            identities: BTreeMap::from([
                (SIGNING.to_string(), (repack(&signing)?, fresh.clone())),
                (
                    ENCRYPTION.to_string(),
                    (repack(&encryption)?, fresh.clone()),
                ),
            ]),
            jamf: BTreeMap::from([
                ("EMAIL".to_string(), row.email.clone()),
                ("USERNAME".to_string(), row.username.clone()),
                ("FULLNAME".to_string(), row.display_name.clone()),
                ("REALNAME".to_string(), row.display_name.clone()),
            ]),
            embed_password: Some(self.password_mode == PasswordMode::Embed),
        };
        let profile = self
            .spec
            .build(&self.spec_origin, &ctx)
            .map_err(|e| e.to_string())?;
        let signed =
            sign(&profile.to_xml(), &self.signer, &self.chain).map_err(|e| e.to_string())?;
        if let Some(format) = self.keyshare {
            self.pack(row, format, [&signing, &encryption], &fresh, file)?;
        }
        if self.password_mode == PasswordMode::File {
            let pw_file = file.with_extension("password");
            pbkit_outfile::write(&pw_file, fresh.as_str().as_bytes(), Perm::Secret)
                .map_err(|e| e.to_string())?;
        }
        // Last: the profile's presence is what marks the user done.
        pbkit_outfile::write(file, &signed, Perm::Secret).map_err(|e| e.to_string())?;
        Ok(signed.len())
    }
}

impl Rollout {
    /// Writes the user's key-sharing pack beside the profile (before it: the profile's
    /// presence is what marks the user done).
    fn pack(
        &self,
        row: &Row,
        format: pbkit_keyshare::Format,
        ids: [&RawIdentity; 2],
        password: &Password,
        file: &Path,
    ) -> Result<(), String> {
        let mut sources = Vec::new();
        for (id, origin) in ids.into_iter().zip([&row.signing_p12, &row.encryption_p12]) {
            let identity = id.to_identity().map_err(|e| e.to_string())?;
            sources.push(pbkit_keyshare::Source {
                origin: origin.display().to_string(),
                identity,
            });
        }
        let plan = pbkit_keyshare::Plan::new(sources, time::OffsetDateTime::now_utc())
            .map_err(|e| e.to_string())?;
        let dir = file.with_extension("keyshare");
        let staged = pbkit_outfile::StagedDir::new(&dir, pbkit_outfile::Existing::Replace)
            .map_err(|e| e.to_string())?;
        plan.write(
            staged.path(),
            pbkit_keyshare::PackOptions::for_format(format),
            password,
        )
        .map_err(|e| e.to_string())?;
        staged.commit().map_err(|e| e.to_string())
    }
}

fn check_username(u: &str) -> Result<(), String> {
    let ok = !u.is_empty()
        && u.len() <= 128
        && !u.starts_with('.')
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(format!("username {u:?} is not usable as a file name (letters, digits, . _ - @; not starting with .)"))
    }
}

fn check_email(e: &str) -> Result<(), String> {
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
        Err(format!("email {e:?} is not an email address"))
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
            assert!(check_username(bad).is_err(), "{bad}");
        }
        assert!(check_email("a.b@mail.example.mil").is_ok());
        for bad in ["nobody", "@x.mil", "a@b", "a b@c.mil", "a@.mil", "a@mil."] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
