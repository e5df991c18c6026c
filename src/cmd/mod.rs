//! The commands: each maps its flags ([`crate::flags`]) to a library options struct and
//! one library call, then prints the result as text or JSON.

pub mod cert;
pub mod chain;
pub mod completions;
pub mod ddm;
pub mod demo;
pub mod fixtures;
pub mod jamf;
pub mod keyshare;
pub mod p12;
pub mod preflight;
pub mod profile;
pub mod rollout;
pub mod token;

use std::path::PathBuf;
use std::process::ExitCode;

use pbkit_profile::{Report, Severity, Signer};

use crate::out::{outln, warnln};

/// Prints `value` as pretty JSON on standard output.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Exit 0 when the check passed, 1 when it did not.
pub fn exit(passed: bool) -> ExitCode {
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(crate::EXIT_FAILURE)
    }
}

/// Warns when `anchors` were given and the signer's embedded chain reaches none of them.
pub fn warn_unless_reaches(signer: &Signer, anchors: &[PathBuf]) -> anyhow::Result<()> {
    if let Some(unreached) = signer.unreached(&pbkit_pki::bundle::read_files(anchors)?) {
        warnln!("--signer-anchor: {unreached} (give the missing intermediates with --chain)");
    }
    Ok(())
}

/// Prints a lint report (text, or JSON: an array of findings); exit 1 when any is an error.
pub fn print_findings(report: &Report, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(&report.findings)?;
    } else {
        crate::out::text(&report.to_string());
    }
    Ok(exit(report.count(Severity::Error) == 0))
}
