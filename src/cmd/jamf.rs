//! `pbkit jamf`: list, pull and push mobile device configuration profiles on Jamf Pro.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};
use pbkit_jamf::folder::{FolderPush, UserOutcome, NAME_TEMPLATE};
use pbkit_jamf::{
    Client, ClientOptions, Credentials, LocalProfile, OnWait, ProfileKey, PushRequest, Pusher,
    Scope, Target, Wait,
};

use crate::jsonl::Lines;
use crate::out::{errln, outln};

/// The connection's help, shared by every jamf command (a literal, for `concat!`).
macro_rules! connection_help {
    () => {
        "\
Connection: --url (or JAMF_URL) names the server. Credentials never come from the command
line: --credentials FILE (TOML, mode 0600) holds client_id and client_secret (an API
client, Jamf Pro > Settings > API roles and clients) or user and password; without it,
JAMF_CLIENT_ID and JAMF_CLIENT_SECRET, or JAMF_USER and JAMF_PASSWORD, are read. The token
lives in memory, is renewed before it expires and invalidated at exit. Requests are paced
(--rate) and retried on 429 and 5xx (--retries), each wait said on stderr; each request
ends after --timeout, all of them after --deadline. Plain http:// is refused except to
this machine (--allow-insecure-http for a test server). The privileges an API role needs
are in docs/jamf-admins.md."
    };
}

#[derive(Subcommand)]
pub enum JamfCommand {
    /// List the server's mobile device configuration profiles (id, name).
    #[command(after_help = concat!("\
Example:
  pbkit jamf list --url https://mdm.example.mil:8443 --json

", connection_help!(), "

Exit codes: 0 listed, 1 the server refused or could not be reached, 2 usage."))]
    List(ListArgs),
    /// Save a profile from the server as a .mobileconfig (unsigned: Jamf signs on delivery).
    #[command(after_help = concat!("\
Example:
  pbkit jamf pull 12 --out smime.mobileconfig \\
      --url https://mdm.example.mil:8443

", connection_help!(), "

Exit codes: 0 saved, 1 not found or not saved, 2 usage."))]
    Pull(PullArgs),
    /// Create or update profiles on the server, keeping their identity; or push a rollout.
    #[command(after_help = concat!("\
Each PROFILE (signed or not; a signed one is sent unsigned, as Jamf Pro signs on
delivery) is matched to a server profile by name (--name, else its PayloadDisplayName),
then by PayloadIdentifier. A match is updated and keeps the server's top-level
PayloadUUID and PayloadIdentifier, so devices replace their profile instead of installing
a second one; no match is created. After each write the profile is read back: the push
fails if a reference (S/MIME identity, certificate) no longer resolves or anything but
UUIDs changed. --dry-run writes nothing and shows what would change.

A rollout's folder (pbkit rollout --out DIR): jamf push DIR --scope-by username pushes
each DIR/<username>.mobileconfig as \"<PayloadDisplayName> (<username>)\", scoped to that
user (the devices assigned to the user in Jamf Pro). Each user pushed is recorded in
DIR/jamf-push.journal; after a kill or a failure, --resume skips the users recorded with
the same file. A failed user is reported and the others go on.

Scope targets (repeatable --scope): all-devices, device:ID, group:NAME (mobile device
group), user:NAME, user-group:NAME. Without --scope an update keeps the server's scope
and a new profile is scoped to nobody.

Examples:
  pbkit jamf push smime.mobileconfig --scope group:Purebred --dry-run
  pbkit jamf push profiles-out --scope-by username --report push.csv

", connection_help!(), "

Exit codes: 0 every profile pushed (or unchanged), 1 some failed, 2 usage."))]
    Push(PushArgs),
}

/// Where Jamf Pro is and how pbkit signs in.
#[derive(Args, Clone)]
pub struct Connection {
    /// Jamf Pro's URL, e.g. https://example.jamfcloud.com.
    #[arg(long, env = "JAMF_URL", value_name = "URL")]
    url: Option<String>,
    /// TOML file (mode 0600): client_id and client_secret, or user and password [default:
    /// the JAMF_* environment variables].
    #[arg(long, value_name = "FILE")]
    credentials: Option<PathBuf>,
    /// Anchor for the server's TLS certificate (PEM), instead of the system's (an
    /// on-premises Jamf Pro with a DoD certificate); repeatable.
    #[arg(long = "jamf-anchor", value_name = "PEM")]
    anchors: Vec<PathBuf>,
    /// Requests per second at most.
    #[arg(long, value_name = "N", default_value_t = 10.0)]
    rate: f64,
    /// Retries of a request that met 429, 5xx or a network failure.
    #[arg(long, value_name = "N", default_value_t = 3)]
    retries: u32,
    /// Seconds the longest wait before a retry may last, whether the server asked for it
    /// (Retry-After, seconds or an HTTP date) or not (a pause from 0.25 s that doubles,
    /// with jitter).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    max_wait: u64,
    /// Seconds one request may take, connecting and reading included.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: u64,
    /// Seconds all of the command's network work may take (0: no limit) [default: 120;
    /// a rollout folder push: no limit].
    #[arg(long, value_name = "SECONDS")]
    deadline: Option<u64>,
    /// Allow plain http:// to a host that is not this machine (a test server): the
    /// credentials and tokens cross the network readable.
    #[arg(long)]
    allow_insecure_http: bool,
}

/// The default of --deadline for one-shot commands: list, pull, push of files.
const DEADLINE: u64 = 120;

impl Connection {
    /// Signs in to the server; every wait for a retry is told on stderr. `deadline` is
    /// the command's default for --deadline (`None`: no limit).
    pub fn connect(&self) -> anyhow::Result<Client> {
        self.connect_within(Some(DEADLINE))
    }

    /// [`Connection::connect`] with another default deadline.
    pub fn connect_within(&self, deadline: Option<u64>) -> anyhow::Result<Client> {
        let url = self.url.as_deref().ok_or_else(|| {
            crate::Usage("no Jamf Pro server: give --url URL or set JAMF_URL".into())
        })?;
        let credentials = match &self.credentials {
            Some(path) => Credentials::from_file(path)?,
            None => Credentials::from_env()?,
        };
        let anchors = if self.anchors.is_empty() {
            None
        } else {
            let (certs, _) = pbkit_pki::bundle::read_pool(&self.anchors)?;
            Some(certs.iter().map(|c| c.der().to_vec()).collect())
        };
        let mut options = ClientOptions::default();
        options.rate = self.rate;
        options.retries = self.retries;
        options.max_wait = Duration::from_secs(self.max_wait);
        options.timeout = Duration::from_secs(self.timeout);
        options.deadline = match self.deadline.or(deadline) {
            Some(0) | None => None,
            Some(s) => Some(Duration::from_secs(s)),
        };
        options.allow_insecure_http = self.allow_insecure_http;
        options.anchors = anchors;
        options.on_wait = Some(OnWait(Arc::new(|w: &Wait| errln!("pbkit: {w}"))));
        Ok(Client::connect(url, credentials, options)?)
    }
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    connection: Connection,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct PullArgs {
    /// The profile: its Jamf Pro id, or its name.
    profile: String,
    /// Where to write it ('-': standard output).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    #[command(flatten)]
    connection: Connection,
}

#[derive(Clone, Copy, ValueEnum)]
enum ScopeBy {
    /// Each <username>.mobileconfig to the user of that name.
    Username,
}

#[derive(Args)]
pub struct PushArgs {
    /// Profiles (.mobileconfig, signed or not), or one rollout output folder.
    #[arg(required = true, value_name = "PROFILE|DIR")]
    paths: Vec<PathBuf>,
    /// The name in Jamf Pro (one profile only) [default: its PayloadDisplayName].
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// The category, by name (it must exist in Jamf Pro).
    #[arg(long, value_name = "NAME")]
    category: Option<String>,
    /// Scope target: all-devices, device:ID, group:NAME, user:NAME, user-group:NAME;
    /// repeatable [default: an update keeps the server's scope].
    #[arg(long = "scope", value_name = "TARGET")]
    scope: Vec<Target>,
    /// A rollout folder: scope each user's profile to that user.
    #[arg(long, value_enum, value_name = "username")]
    scope_by: Option<ScopeBy>,
    /// With --scope-by: each profile's name in Jamf Pro.
    #[arg(long, value_name = "TEMPLATE", default_value = NAME_TEMPLATE)]
    name_template: String,
    /// With --scope-by: skip the users DIR/jamf-push.journal records with the same file.
    #[arg(long)]
    resume: bool,
    /// Write nothing; show what would be created or updated, with the changes.
    #[arg(long)]
    dry_run: bool,
    /// With --scope-by: a CSV with one row per user (username, status, action, id, name,
    /// reason).
    #[arg(long, value_name = "FILE.csv")]
    report: Option<PathBuf>,
    #[command(flatten)]
    connection: Connection,
    /// Print JSON Lines: one object per profile or user ({"status": ok|failed|skipped|
    /// would-create|would-update, "item", "action", …}), then {"summary": {…counts by
    /// status}}.
    #[arg(long)]
    json: bool,
}

pub fn run(c: JamfCommand) -> anyhow::Result<ExitCode> {
    match c {
        JamfCommand::List(a) => list(a),
        JamfCommand::Pull(a) => pull(a),
        JamfCommand::Push(a) => push(a),
    }
}

fn list(a: ListArgs) -> anyhow::Result<ExitCode> {
    let client = a.connection.connect()?;
    let profiles = client.list_profiles()?;
    if a.json {
        super::print_json(&profiles)?;
    } else {
        outln!(
            "{} on {}",
            crate::out::plural(profiles.len(), "profile"),
            client.url()
        );
        for p in &profiles {
            outln!("{:>6}  {}", p.id, p.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn pull(a: PullArgs) -> anyhow::Result<ExitCode> {
    let client = a.connection.connect()?;
    let p = client.get_profile(&ProfileKey::parse(&a.profile))?;
    // It may hold PKCS#12 identities and their passwords: owner-only.
    pbkit_outfile::write(&a.out, p.profile_plist()?, pbkit_outfile::Perm::Secret)?;
    outln!(
        "wrote {} ({} bytes): id {} {:?}, uuid {}, scope: {}",
        a.out.display(),
        p.payloads.len(),
        p.id,
        p.name,
        p.uuid,
        p.scope
    );
    Ok(ExitCode::SUCCESS)
}

/// A `jamf:ID` or `jamf:NAME` profile, for `profile diff`.
pub fn fetch(connection: &Connection, key: &str) -> anyhow::Result<Vec<u8>> {
    let client = connection.connect()?;
    Ok(client
        .get_profile(&ProfileKey::parse(key))?
        .profile_plist()?
        .to_vec())
}

fn push(a: PushArgs) -> anyhow::Result<ExitCode> {
    let usage = |m: &str| -> anyhow::Result<ExitCode> { Err(crate::Usage(m.into()).into()) };
    let folder = a.paths.len() == 1 && a.paths[0].is_dir();
    match (folder, a.scope_by) {
        (true, None) => {
            return usage(
                "a folder is pushed per user: add --scope-by username (or name the \
                 .mobileconfig files)",
            )
        }
        (false, Some(_)) => return usage("--scope-by takes one rollout folder"),
        _ => {}
    }
    if folder && (a.name.is_some() || !a.scope.is_empty()) {
        return usage(
            "--name and --scope are for files; a folder's profiles are named by \
                      --name-template and scoped by --scope-by",
        );
    }
    if !folder && (a.resume || a.report.is_some()) {
        return usage("--resume and --report are for a rollout folder (--scope-by)");
    }
    if a.name.is_some() && a.paths.len() > 1 {
        return usage("--name names one profile: push the files one by one");
    }
    // Every file is read before the server is asked anything: a typo costs no request.
    let profiles = if folder {
        Vec::new()
    } else {
        a.paths
            .iter()
            .map(|p| {
                let bytes = pbkit_profile::read_file(p)?;
                Ok(LocalProfile::read(&bytes, &p.display().to_string())?)
            })
            .collect::<anyhow::Result<Vec<_>>>()?
    };
    let client = a.connection.connect_within((!folder).then_some(DEADLINE))?;
    if folder {
        return push_folder(&client, &a);
    }
    let scope = if a.scope.is_empty() {
        None
    } else {
        let mut s = Scope::default();
        a.scope.iter().cloned().for_each(|t| s.add(t));
        Some(s)
    };
    let mut pusher = Pusher::new(&client, a.dry_run)?;
    let mut failed = 0;
    let lines = Lines::new(a.json);
    for profile in &profiles {
        let request = PushRequest {
            profile,
            name: a
                .name
                .clone()
                .unwrap_or_else(|| profile.default_name().to_string()),
            category: a.category.clone(),
            scope: scope.clone(),
        };
        match pusher.push(&request) {
            Ok(report) => {
                lines.item(report.action.status(), &profile.origin, &report);
                if !a.json {
                    crate::out::text(&format!("{report:#}"));
                }
            }
            Err(e) => {
                failed += 1;
                let reason = e.to_string();
                lines.item(
                    "failed",
                    &profile.origin,
                    &serde_json::json!({ "reason": reason }),
                );
                errln!("pbkit: {reason}");
            }
        }
    }
    lines.summary(serde_json::json!({ "dry_run": a.dry_run, "client": client.stats() }));
    Ok(super::exit(failed == 0))
}

/// A push's report, a few lines; `say_unsigned`: with the note that a signed file goes
/// unsigned (a folder push says it once, not per user).
fn push_folder(client: &Client, a: &PushArgs) -> anyhow::Result<ExitCode> {
    let dir = &a.paths[0];
    let how = FolderPush {
        dir: dir.clone(),
        name_template: a.name_template.clone(),
        category: a.category.clone(),
        resume: a.resume,
        dry_run: a.dry_run,
    };
    let users = pbkit_jamf::folder::users(dir)?;
    let bar = crate::progress::bar(users.len() as u64, "pushing");
    if a.json {
        bar.hide_bar();
    }
    let started = std::time::Instant::now();
    let lines = Lines::new(a.json);
    let said_unsigned = std::cell::Cell::new(false);
    let outcomes = pbkit_jamf::folder::push_folder(client, &how, &mut |o| {
        bar.inc(1);
        lines.item(o.status(), o.username(), o);
        match o {
            // On stderr with --json too: `--json | head -2` must not hide a failure.
            UserOutcome::Failed {
                username, reason, ..
            } => bar.suspend(|| errln!("{username}: {reason}")),
            // A dry run is read user by user.
            UserOutcome::Pushed { report, .. } if a.dry_run && !a.json => bar.suspend(|| {
                if report.unsigned && !said_unsigned.replace(true) {
                    outln!(
                        "(the files are signed: Jamf Pro gets their content unsigned, and \
                             signs on delivery)"
                    );
                }
                crate::out::text(&report.to_string())
            }),
            _ => {}
        }
    })?;
    bar.finish_and_clear();
    let summary = pbkit_jamf::folder::Summary::of(&outcomes);
    if let Some(path) = &a.report {
        let csv = pbkit_jamf::folder::report_csv(&outcomes)?;
        pbkit_outfile::write(path, &csv, pbkit_outfile::Perm::Public)?;
    }
    let stats = client.stats();
    let seconds = started.elapsed().as_secs_f64();
    if a.json {
        lines.summary(serde_json::json!({
            "dry_run": a.dry_run,
            "seconds": seconds,
            "client": stats,
            "actions": {
                "created": summary.created,
                "updated": summary.updated,
                "unchanged": summary.unchanged,
            },
        }));
    } else {
        let (create, update) = if a.dry_run {
            ("would be created", "would be updated")
        } else {
            ("created", "updated")
        };
        outln!(
            "{}{} in {}: {} {create}, {} {update}, {} unchanged, {} skipped (already \
             pushed), {} failed; {seconds:.1} s, {} ({}, {})",
            if a.dry_run {
                "dry run, nothing written: "
            } else {
                ""
            },
            crate::out::plural(summary.users, "user"),
            dir.display(),
            summary.created,
            summary.updated,
            summary.unchanged,
            summary.skipped,
            summary.failed,
            crate::out::plural(stats.requests, "request"),
            crate::out::count(stats.retries, "retry", "retries"),
            crate::out::plural(stats.tokens, "token")
        );
    }
    Ok(super::exit(summary.failed == 0))
}
