use std::process::ExitCode;
use std::sync::Mutex;

use pbkit_rollout::{Outcome, PasswordMode, Request, RunSettings};

use crate::secret::Source;

use crate::jsonl::Lines;
use crate::out::{errln, outln, warnln};

use crate::flags::rollout::*;

pub fn run(a: RolloutArgs) -> anyhow::Result<ExitCode> {
    // A resume takes the interrupted run's settings for the flags it was not given.
    let recorded = if a.resume {
        RunSettings::read(&a.out)?
    } else {
        None
    };
    let job = Request {
        roster: a.roster.clone(),
        spec: a.spec.clone(),
        signer: a.signer.clone(),
        chain: a.chain.clone(),
        signer_password: a.signer_password.source().named(),
        in_password: a.in_password.source().named(),
        password_mode: a.password_mode.map(|m| match m {
            PasswordModeArg::Embed => PasswordMode::Embed,
            PasswordModeArg::File => PasswordMode::File,
        }),
        keyshare: a.keyshare,
        encrypt_to: a.encrypt_to.clone(),
        vars: a.vars.iter().cloned().collect(),
        allow_outside: a.allow_outside,
    }
    .complete(recorded.as_ref(), &a.out)?;
    let signer_password = Source::of(job.signer_password.as_ref(), "--signer-password")
        .required("Password of the signer PKCS#12: ")?;
    let mut rollout = job
        .rollout(&a.out, &signer_password)?
        .resume(a.resume)
        .dry_run(a.dry_run)
        .allow_expired(a.allow_expired)
        .at(a.at.unwrap_or_else(crate::args::now));
    super::warn_unless_reaches(rollout.signer(), &a.signer_anchor)?;
    if let Some(password) = Source::of(job.in_password.as_ref(), "--in-password").given()? {
        rollout = rollout.in_password(password);
    }
    let roster = &job.roster;
    let rows = pbkit_rollout::count_rows(roster)?;
    let bar = crate::progress::bar(rows, "rollout");
    let outcomes = Mutex::new(Vec::new());
    let lines = Lines::new(a.json);
    let report = |o: &Outcome| {
        bar.inc(1);
        if a.report.is_some() {
            outcomes
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(o.clone());
        }
        // `rollout --json | head -2` stops the report, not the rollout: once the reader
        // has gone, outln! writes nothing more (every profile is still written).
        let item = match o.username() {
            Some(user) => user.to_string(),
            None => format!("line {}", o.line()),
        };
        lines.item(o.status(), &item, o);
        // Failures reach stderr with --json too: `--json | head -1` must not hide them.
        if let Outcome::Done {
            username,
            oversize: Some(oversize),
            ..
        }
        | Outcome::Checked {
            username,
            oversize: Some(oversize),
            ..
        } = o
        {
            bar.suspend(|| warnln!("{username}: the profile is {oversize}"));
        }
        if let Outcome::Failed {
            line,
            username,
            reason,
        } = o
        {
            bar.suspend(|| {
                errln!(
                    "line {line} ({}): {reason}",
                    username.as_deref().unwrap_or("?")
                )
            });
        }
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(a.jobs.map_or_else(
            || std::thread::available_parallelism().map_or(2, |n| 2 * n.get()),
            usize::from,
        ))
        .build()?;
    let summary = pool.install(|| rollout.run(roster, &report))?;
    bar.finish_and_clear();
    if let Some(path) = &a.report {
        let mut outcomes = outcomes.into_inner().unwrap_or_else(|p| p.into_inner());
        outcomes.sort_by_key(Outcome::line);
        let csv = pbkit_rollout::report_csv(&outcomes).map_err(|e| anyhow::anyhow!("{e}"))?;
        pbkit_outfile::write(path, &csv, pbkit_outfile::Perm::Public)?;
    }
    if a.json {
        lines.summary(serde_json::json!({ "dry_run": a.dry_run }));
    } else {
        outln!(
            "{}{} in {}: {} done, {} skipped (already done), {} failed",
            if a.dry_run {
                format!(
                    "dry run, nothing written: {} would be done; ",
                    crate::out::plural(summary.checked, "row")
                )
            } else {
                String::new()
            },
            crate::out::plural(summary.done + summary.skipped, "profile"),
            a.out.display(),
            summary.done,
            summary.skipped,
            summary.failed
        );
    }
    Ok(super::exit(summary.failed == 0))
}
