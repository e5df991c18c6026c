//! `pbkit jamf`: list, pull and push mobile device configuration profiles on Jamf Pro.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use pbkit_jamf::folder::{FolderPush, UserOutcome};
use pbkit_jamf::{
    Client, ClientOptions, Credentials, LocalProfile, OnWait, ProfileKey, PushRequest, Pusher,
    Scope, Wait,
};

use crate::jsonl::Lines;
use crate::out::{errln, outln};

use crate::flags::jamf::*;

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
        let report = pbkit_jamf::folder::FolderReport {
            dir,
            summary,
            dry_run: a.dry_run,
            seconds,
            stats,
        };
        crate::out::text(&report.to_string());
    }
    Ok(super::exit(summary.failed == 0))
}
