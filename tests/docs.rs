//! The guides run as written: every `$ command` of their console blocks, in order, in one
//! folder per guide that starts as a fresh clone's (`profiles/`, `tests/fixtures/`), with
//! `pbkit` on the PATH. A command may fail where the guide shows it failing (its output
//! starts with `pbkit:`); otherwise a missing input, a usage error or a panic fails the
//! guide.

use crate::common::*;
use std::path::Path;
use std::process::Command;

/// The `$ ` commands of a guide's console blocks, continuation lines joined, each with the
/// first line of the output the guide shows for it.
fn commands(markdown: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut in_console = false;
    let mut lines = markdown.lines().peekable();
    while let Some(line) = lines.next() {
        if line.starts_with("```") {
            in_console = !in_console && line.trim() == "```console";
            continue;
        }
        let Some(first) = line.strip_prefix("$ ").filter(|_| in_console) else {
            continue;
        };
        let mut command = first.trim_end().to_string();
        while command.ends_with('\\') {
            command.pop();
            match lines.next() {
                Some(next) => {
                    command.push(' ');
                    command.push_str(next.trim());
                }
                None => break,
            }
        }
        let shown = lines
            .peek()
            .filter(|l| !l.starts_with("$ ") && !l.starts_with("```"))
            .map(|l| l.to_string())
            .unwrap_or_default();
        out.push((command.trim().to_string(), shown));
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn run_guide(name: &str) {
    let text = std::fs::read_to_string(root().join("docs").join(name)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&root().join("profiles"), &tmp.path().join("profiles"));
    copy_dir(
        &root().join("tests/fixtures"),
        &tmp.path().join("tests/fixtures"),
    );
    let bin = Path::new(env!("CARGO_BIN_EXE_pbkit")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let commands = commands(&text);
    assert!(!commands.is_empty(), "{name} has no console block");
    for (command, shown) in commands {
        // The library examples run where cargo finds them: the repository.
        let dir = if command.starts_with("cargo ") {
            root()
        } else {
            tmp.path()
        };
        let o = run(Command::new("bash")
            .arg("-c")
            .arg(&command)
            .current_dir(dir)
            .env("PATH", &path));
        let (out, err) = (stdout(&o), stderr(&o));
        let code = o.status.code();
        let context = format!("{name}: `{command}` exited {code:?}\nstdout: {out}\nstderr: {err}");
        assert_ne!(code, Some(101), "panicked: {context}");
        assert!(!err.contains("panicked"), "{context}");
        if shown.starts_with("pbkit:") {
            // The error the guide shows, word for word.
            assert_eq!(err.lines().next(), Some(shown.as_str()), "{context}");
            continue;
        }
        assert_ne!(code, Some(2), "usage error: {context}");
        assert_ne!(code, Some(127), "no such command: {context}");
        // A missing input of the command itself (a row's missing file is a report line).
        assert!(
            !err.lines()
                .any(|l| l.starts_with("pbkit:") && l.contains("no such file"))
                && !err.contains("No such file"),
            "a missing input: {context}"
        );
    }
}

#[test]
fn the_jamf_admin_guide_runs_as_written() {
    run_guide("jamf-admins.md");
}

#[test]
fn the_app_developer_guide_runs_as_written() {
    run_guide("app-developers.md");
}

#[test]
fn the_mdm_server_guide_runs_as_written() {
    run_guide("mdm-servers.md");
}
