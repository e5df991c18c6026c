use std::process::ExitCode;

use clap::Args;
use clap_complete::Shell;

#[derive(Args)]
#[command(
    after_help = "Example:\n  pbkit completions bash > ~/.local/share/bash-completion/completions/pbkit"
)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    shell: Shell,
}

pub fn run(args: CompletionsArgs, mut cmd: clap::Command) -> anyhow::Result<ExitCode> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "pbkit", &mut script);
    crate::out::bytes(&script)?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(cmd: clap::Command) -> anyhow::Result<ExitCode> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    crate::out::bytes(&page)?;
    Ok(ExitCode::SUCCESS)
}
