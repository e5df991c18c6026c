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
    clap_complete::generate(args.shell, &mut cmd, "pbkit", &mut std::io::stdout());
    Ok(ExitCode::SUCCESS)
}

pub fn man(cmd: clap::Command) -> anyhow::Result<ExitCode> {
    clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
    Ok(ExitCode::SUCCESS)
}
