use clap::{Args, Subcommand, ValueEnum};
use pbkit_jamf::folder::NAME_TEMPLATE;
use pbkit_jamf::Target;
use std::path::PathBuf;

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
    pub url: Option<String>,
    /// TOML file (mode 0600): client_id and client_secret, or user and password [default:
    /// the JAMF_* environment variables].
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Anchor for the server's TLS certificate (PEM), instead of the system's (an
    /// on-premises Jamf Pro with a DoD certificate); repeatable.
    #[arg(long = "jamf-anchor", value_name = "PEM")]
    pub anchors: Vec<PathBuf>,
    /// Requests per second at most.
    #[arg(long, value_name = "N", default_value_t = 10.0)]
    pub rate: f64,
    /// Retries of a request that met 429, 5xx or a network failure.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub retries: u32,
    /// Seconds the longest wait before a retry may last, whether the server asked for it
    /// (Retry-After, seconds or an HTTP date) or not (a pause from 0.25 s that doubles,
    /// with jitter).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub max_wait: u64,
    /// Seconds one request may take, connecting and reading included.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Seconds all of the command's network work may take (0: no limit) [default: 120;
    /// a rollout folder push: no limit].
    #[arg(long, value_name = "SECONDS")]
    pub deadline: Option<u64>,
    /// Allow plain http:// to a host that is not this machine (a test server): the
    /// credentials and tokens cross the network readable.
    #[arg(long)]
    pub allow_insecure_http: bool,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct PullArgs {
    /// The profile: its Jamf Pro id, or its name.
    pub profile: String,
    /// Where to write it ('-': standard output).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ScopeBy {
    /// Each <username>.mobileconfig to the user of that name.
    Username,
}

#[derive(Args)]
pub struct PushArgs {
    /// Profiles (.mobileconfig, signed or not), or one rollout output folder.
    #[arg(required = true, value_name = "PROFILE|DIR")]
    pub paths: Vec<PathBuf>,
    /// The name in Jamf Pro (one profile only) [default: its PayloadDisplayName].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The category, by name (it must exist in Jamf Pro).
    #[arg(long, value_name = "NAME")]
    pub category: Option<String>,
    /// Scope target: all-devices, device:ID, group:NAME, user:NAME, user-group:NAME;
    /// repeatable [default: an update keeps the server's scope].
    #[arg(long = "scope", value_name = "TARGET")]
    pub scope: Vec<Target>,
    /// A rollout folder: scope each user's profile to that user.
    #[arg(long, value_enum, value_name = "username")]
    pub scope_by: Option<ScopeBy>,
    /// With --scope-by: each profile's name in Jamf Pro.
    #[arg(long, value_name = "TEMPLATE", default_value = NAME_TEMPLATE)]
    pub name_template: String,
    /// With --scope-by: skip the users DIR/jamf-push.journal records with the same file.
    #[arg(long)]
    pub resume: bool,
    /// Write nothing; show what would be created or updated, with the changes.
    #[arg(long)]
    pub dry_run: bool,
    /// With --scope-by: a CSV with one row per user (username, status, action, id, name,
    /// reason).
    #[arg(long, value_name = "FILE.csv")]
    pub report: Option<PathBuf>,
    #[command(flatten)]
    pub connection: Connection,
    /// Print JSON Lines: one object per profile or user ({"status": ok|failed|skipped|
    /// would-create|would-update, "item", "action", …}), then {"summary": {…counts by
    /// status}}.
    #[arg(long)]
    pub json: bool,
}
