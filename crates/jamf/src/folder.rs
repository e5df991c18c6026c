//! Pushing a rollout's folder: each `<username>.mobileconfig` to Jamf Pro, scoped to its
//! user, with a journal so that an interrupted push resumes where it stopped.
//!
//! The journal (`jamf-push.journal` in the folder) holds one JSON line per user pushed:
//! the user, the SHA-256 of the file pushed and Jamf Pro's id. Each line is synced before
//! the next user starts, so a kill loses nothing but the user in flight, whose push is
//! simply looked up again by name on resume (no second profile is created).

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::classic::Scope;
use crate::push::{Action, LocalProfile, PushReport, PushRequest, Pusher};
use crate::{Client, Error};

/// The journal's file name in the folder.
pub const JOURNAL_FILE: &str = "jamf-push.journal";

/// How a folder push is done.
#[derive(Debug, Clone)]
pub struct FolderPush {
    /// The rollout's output folder.
    pub dir: PathBuf,
    /// Each profile's name in Jamf Pro; `{name}` is the profile's PayloadDisplayName,
    /// `{username}` the user's.
    pub name_template: String,
    /// The category of every profile.
    pub category: Option<String>,
    /// Keep users the journal records with the same file; otherwise start afresh.
    pub resume: bool,
    /// Write nothing to the server or the folder.
    pub dry_run: bool,
}

/// The default [`FolderPush::name_template`].
pub const NAME_TEMPLATE: &str = "{name} ({username})";

/// What happened to one user.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum UserOutcome {
    /// Pushed (or, dry run, checked): the report's action says what was (or would be)
    /// done.
    #[serde(rename = "ok")]
    Pushed {
        /// The user.
        username: String,
        /// What the push did.
        #[serde(flatten)]
        report: Box<PushReport>,
    },
    /// The journal records this file as pushed (resume).
    Skipped {
        /// The user.
        username: String,
        /// Jamf Pro's id.
        id: u64,
    },
    /// Not pushed; the others go on.
    Failed {
        /// The user.
        username: String,
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
}

impl UserOutcome {
    /// Its status word in pbkit's JSON Lines and the CSV report: that of the push's
    /// action ([`Action::status`]), `skipped` or `failed`.
    pub fn status(&self) -> &'static str {
        match self {
            UserOutcome::Pushed { report, .. } => report.action.status(),
            UserOutcome::Skipped { .. } => "skipped",
            UserOutcome::Failed { .. } => "failed",
        }
    }

    /// The user.
    pub fn username(&self) -> &str {
        match self {
            UserOutcome::Pushed { username, .. }
            | UserOutcome::Skipped { username, .. }
            | UserOutcome::Failed { username, .. } => username,
        }
    }
}

/// The outcomes as CSV, one row per user (`username, status, action, id, name,
/// reason`): the report an admin opens in a spreadsheet.
pub fn report_csv(outcomes: &[UserOutcome]) -> Result<Vec<u8>, csv::Error> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["username", "status", "action", "id", "name", "reason"])?;
    for o in outcomes {
        let row: [String; 6] = match o {
            UserOutcome::Pushed { username, report } => [
                username.clone(),
                o.status().into(),
                report.action.to_string(),
                report.id.map(|i| i.to_string()).unwrap_or_default(),
                report.name.clone(),
                String::new(),
            ],
            UserOutcome::Skipped { username, id } => [
                username.clone(),
                o.status().into(),
                String::new(),
                id.to_string(),
                String::new(),
                "already pushed (journal)".into(),
            ],
            UserOutcome::Failed {
                username, reason, ..
            } => [
                username.clone(),
                o.status().into(),
                String::new(),
                String::new(),
                String::new(),
                reason.clone(),
            ],
        };
        w.write_record(&row)?;
    }
    w.into_inner().map_err(|e| e.into_error().into())
}

/// Counts of a folder push.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Users in the folder.
    pub users: usize,
    /// Profiles created (dry run: that would be).
    pub created: usize,
    /// Profiles updated (dry run: that would be).
    pub updated: usize,
    /// Profiles that already held the same.
    pub unchanged: usize,
    /// Users the journal records as pushed.
    pub skipped: usize,
    /// Users not pushed.
    pub failed: usize,
}

/// A folder push's closing line: what happened to how many users, in what time, for how
/// many requests.
#[derive(Debug, Clone, Copy)]
pub struct FolderReport<'a> {
    /// The rollout folder.
    pub dir: &'a std::path::Path,
    /// The counts.
    pub summary: Summary,
    /// Nothing was written: the counts are what would be.
    pub dry_run: bool,
    /// Seconds the push took.
    pub seconds: f64,
    /// The client's requests.
    pub stats: crate::Stats,
}

impl std::fmt::Display for FolderReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.summary;
        let (create, update) = if self.dry_run {
            ("would be created", "would be updated")
        } else {
            ("created", "updated")
        };
        writeln!(
            f,
            "{}{} in {}: {} {create}, {} {update}, {} unchanged, {} skipped (already \
             pushed), {} failed; {:.1} s, {}",
            if self.dry_run {
                "dry run, nothing written: "
            } else {
                ""
            },
            pbkit_words::plural(s.users, "user"),
            self.dir.display(),
            s.created,
            s.updated,
            s.unchanged,
            s.skipped,
            s.failed,
            self.seconds,
            self.stats
        )
    }
}

impl Summary {
    /// The counts of `outcomes`.
    pub fn of(outcomes: &[UserOutcome]) -> Summary {
        let mut s = Summary {
            users: outcomes.len(),
            ..Summary::default()
        };
        for o in outcomes {
            let n = match o {
                UserOutcome::Pushed { report, .. } => match report.action {
                    Action::Created | Action::WouldCreate => &mut s.created,
                    Action::Updated | Action::WouldUpdate => &mut s.updated,
                    Action::Unchanged => &mut s.unchanged,
                },
                UserOutcome::Skipped { .. } => &mut s.skipped,
                UserOutcome::Failed { .. } => &mut s.failed,
            };
            *n += 1;
        }
        s
    }
}

#[derive(Serialize, Deserialize)]
struct Entry {
    user: String,
    sha256: String,
    id: u64,
}

/// The users a folder's profiles are for, in name order: `<username>.mobileconfig`.
pub fn users(dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
    let read_err = |e: std::io::Error| {
        Error::Read(pbkit_infile::Error {
            path: dir.to_path_buf(),
            problem: pbkit_infile::Problem::Io(e),
        })
    };
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_err)? {
        let path = entry.map_err(read_err)?.path();
        let user = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".mobileconfig"))
            .filter(|u| !u.is_empty() && !u.starts_with('.'));
        if let Some(user) = user {
            out.push((user.to_string(), path.clone()));
        }
    }
    out.sort();
    Ok(out)
}

/// Pushes every user's profile; `each` sees every outcome as it happens. Fails as a
/// whole only when the server cannot be used at all or the journal cannot be written.
pub fn push_folder(
    client: &Client,
    how: &FolderPush,
    each: &mut dyn FnMut(&UserOutcome),
) -> Result<Vec<UserOutcome>, Error> {
    let users = users(&how.dir)?;
    let journal_path = how.dir.join(JOURNAL_FILE);
    let (journal, held) = match (how.dry_run, how.resume) {
        // A dry run only reads: nothing is created or emptied.
        (true, true) => (
            None,
            pbkit_infile::read_if_exists(&journal_path, JOURNAL_LIMIT)?.unwrap_or_default(),
        ),
        (true, false) => (None, Vec::new()),
        (false, _) => {
            // Each user recorded as soon as pushed: a push takes far longer than a flush.
            let (journal, held) =
                pbkit_outfile::Journal::<()>::open(&journal_path, how.resume, JOURNAL_LIMIT.bytes)?;
            (Some(journal), held)
        }
    };
    let done = parse_journal(&held);
    let mut pusher = Pusher::new(client, how.dry_run)?;
    let mut outcomes = Vec::with_capacity(users.len());
    for (user, path) in users {
        let outcome = match push_user(&mut pusher, how, &user, &path, &done) {
            Ok((outcome, sha256)) => {
                if let (Some(j), UserOutcome::Pushed { report, .. }) = (&journal, &outcome) {
                    if let Some(id) = report.id {
                        j.record(&entry(&user, &sha256, id), Vec::new(), ())
                            .map_err(|e| Error::Write(e.error))?;
                    }
                }
                outcome
            }
            Err(e) => UserOutcome::Failed {
                username: user.clone(),
                file: path.display().to_string(),
                reason: e.to_string(),
            },
        };
        each(&outcome);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

fn push_user(
    pusher: &mut Pusher<'_>,
    how: &FolderPush,
    user: &str,
    path: &Path,
    done: &HashMap<String, (String, u64)>,
) -> Result<(UserOutcome, String), Error> {
    let bytes = pbkit_profile::read_file(path).map_err(|source| Error::Profile {
        origin: path.display().to_string(),
        source,
    })?;
    let sha256 = pbkit_pki::hex::upper(&sha2::Sha256::digest(&bytes));
    if let Some((recorded, id)) = done.get(user) {
        if *recorded == sha256 {
            let skipped = UserOutcome::Skipped {
                username: user.to_string(),
                id: *id,
            };
            return Ok((skipped, sha256));
        }
    }
    let profile = LocalProfile::read(&bytes, &path.display().to_string())?;
    let name = how
        .name_template
        .replace("{name}", profile.default_name())
        .replace("{username}", user);
    let report: PushReport = pusher.push(&PushRequest {
        profile: &profile,
        name,
        category: how.category.clone(),
        scope: Some(Scope {
            users: vec![user.to_string()],
            ..Scope::default()
        }),
    })?;
    let pushed = UserOutcome::Pushed {
        username: user.to_string(),
        report: Box::new(report),
    };
    Ok((pushed, sha256))
}

/// The largest journal read: a line a user, about 150 bytes.
const JOURNAL_LIMIT: pbkit_infile::Limit = pbkit_infile::Limit::new(64 << 20, "a push journal");

/// The users a journal records: user → (file SHA-256, id). A torn or foreign line is
/// ignored; a later line wins.
fn parse_journal(bytes: &[u8]) -> HashMap<String, (String, u64)> {
    bytes
        .split(|&b| b == b'\n')
        .filter_map(|line| serde_json::from_slice::<Entry>(line).ok())
        .map(|e| (e.user, (e.sha256, e.id)))
        .collect()
}

/// A pushed user's journal line.
fn entry(user: &str, sha256: &str, id: u64) -> Vec<u8> {
    serde_json::to_vec(&Entry {
        user: user.to_string(),
        sha256: sha256.to_string(),
        id,
    })
    .unwrap_or_default()
}
