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

use crate::out::outln;

/// Prints `value` as pretty JSON on standard output.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    outln!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Exit 0 when the check passed, 1 when it did not.
pub fn exit(passed: bool) -> std::process::ExitCode {
    if passed {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(crate::EXIT_FAILURE)
    }
}
