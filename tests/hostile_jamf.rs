//! A hostile or broken Jamf Pro (issue 23), played by the test server's fault answers:
//! token answers that would overflow the clock or leak the token, answers that echo the
//! credentials, control characters in names and error pages, pulls that are not the
//! profile asked for, servers that never answer or throttle without end. Every case ends
//! in bounded time with one clear line and no secret shown.

use crate::common::*;
use crate::jamf::{credentials, exchange_profile, jamf, jamf_server, jamf_with};
use serde_json::json;
use std::os::unix::fs::PermissionsExt as _;
use std::time::Instant;

const PROFILES: &str = "/JSSResource/mobiledeviceconfigurationprofiles";

/// The test server's client secret, in tests/jamf.rs's credentials file.
const CLIENT_SECRET: &str = "pbkit-secret";

#[test]
fn token_answers_that_would_overflow_the_clock_or_leak_are_handled() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    // expires_in = 2^64 - 1: no overflow; the token the server does not know is refused
    // (401) and replaced.
    server.fault_json(json!({"path": "/api/oauth/token", "status": 200,
        "content_type": "application/json",
        "answer": "{\"access_token\":\"Tok3nCanaryA\",\"expires_in\":18446744073709551615}"}));
    let o = run_within(&mut jamf(&server, tmp.path(), &["list", "--rate", "0"]), 30);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // An expires_in that is no number: an error that does not show the token.
    server.fault_json(json!({"path": "/api/oauth/token", "status": 200,
        "content_type": "application/json",
        "answer": "{\"access_token\":\"Tok3nCanaryB\",\"expires_in\":\"soon\"}"}));
    let o = run_within(&mut jamf(&server, tmp.path(), &["list", "--rate", "0"]), 30);
    let all = stdout(&o) + &stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{all}");
    assert!(!all.contains("Tok3nCanaryB"), "{all}");
    assert!(all.contains("unexpected answer"), "{all}");
    assert_eq!(stderr(&o).lines().count(), 1, "{all}");
}

#[test]
fn rates_that_are_no_pace_are_usage_errors() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    for rate in ["1e-300", "-1", "NaN", "inf", "0.001"] {
        let o = run(&mut jamf(
            &server,
            tmp.path(),
            &["list", &format!("--rate={rate}")],
        ));
        assert_eq!(o.status.code(), Some(2), "{rate}: {}", stderr(&o));
        assert!(stderr(&o).contains("--rate"), "{rate}: {}", stderr(&o));
    }
    assert_eq!(server.state()["tokens"], 0, "a request was sent");
}

/// A server (or proxy) whose error pages repeat the request: the client secret, the
/// Basic credentials and the bearer token are never printed.
#[test]
fn answers_that_echo_the_credentials_are_not_shown() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let user = tmp.path().join("user.toml");
    std::fs::write(&user, "user = \"pbkit\"\npassword = \"pbkit-test\"\n").unwrap();
    std::fs::set_permissions(&user, std::fs::Permissions::from_mode(0o600)).unwrap();
    let basic = "cGJraXQ6cGJraXQtdGVzdA=="; // base64 of pbkit:pbkit-test
                                            // Each fault answers every request of one run: a token request is sent once, a GET
                                            // once and retried three times.
    let cases = [
        ("/api/oauth/token", credentials(tmp.path()), 1),
        ("/api/v1/auth/token", user.clone(), 1),
        (PROFILES, credentials(tmp.path()), 4),
        (PROFILES, user.clone(), 4),
    ];
    for (path, creds, times) in cases {
        server.fault_json(json!({"path": path, "status": 500, "echo": true, "times": times}));
        let o = run_within(
            &mut jamf_with(&server, &creds, &["list", "--rate", "0"]),
            30,
        );
        let all = stdout(&o) + &stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{path}: {all}");
        for secret in [
            CLIENT_SECRET,
            "pbkit-test",
            basic,
            "Bearer",
            "Authorization",
        ] {
            assert!(!all.contains(secret), "{path}: {secret} shown: {all}");
        }
        assert!(all.contains("HTTP 500"), "{path}: {all}");
        assert!(all.contains("not shown"), "{path}: {all}");
    }
}

/// Plain http to another machine is refused before anything is sent; loopback (the
/// test server) is allowed.
#[test]
fn plain_http_is_only_for_this_machine() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run(pbkit()
        .args(["jamf", "list", "--url", "http://jamf.example.invalid"])
        .arg("--credentials")
        .arg(credentials(tmp.path())));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("plain http would send the credentials"),
        "{}",
        stderr(&o)
    );
}

/// Profile names and error pages with ESC, BEL and CR reach the terminal escaped.
#[test]
fn control_characters_from_the_server_are_escaped() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let list = json!({"configuration_profiles": [
        {"id": 7, "name": "evil\u{1b}]0;owned\u{7}\u{1b}[2J\rname"}]});
    server.fault_json(json!({"path": PROFILES, "status": 200,
        "content_type": "application/json", "answer": list.to_string()}));
    let o = run(&mut jamf(&server, tmp.path(), &["list", "--rate", "0"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(!out.contains(['\u{1b}', '\u{7}', '\r']), "{out:?}");
    assert!(out.contains("evil\\u{1b}]0;owned"), "{out:?}");
    server.fault_json(json!({"path": PROFILES, "status": 400,
        "answer": "<p>bad\u{1b}[2J\rrequest</p>"}));
    let o = run(&mut jamf(&server, tmp.path(), &["list", "--rate", "0"]));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains(['\u{1b}', '\r']), "{err:?}");
    // (Runs of white space, CR among them, are one space in an excerpt.)
    assert!(err.contains("bad\\u{1b}[2J request"), "{err:?}");
}

/// `jamf pull` saves only a configuration profile, as XML, with the id asked for.
#[test]
fn pull_saves_only_the_profile_asked_for() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let profile = exchange_profile(tmp.path(), "a.mobileconfig", "Pull me");
    ok(jamf(&server, tmp.path(), &["push", "--rate", "0"]).arg(&profile));
    let deep = format!(
        "<?xml version=\"1.0\"?><plist version=\"1.0\">{}{}</plist>",
        "<array>".repeat(5000),
        "</array>".repeat(5000)
    );
    let cases = [
        (1, "", "the server sent no plist"),
        (1, "#!/bin/sh\nrm -rf ~\n", "not an XML plist"),
        (1, "bplist00\u{1}\u{2}", "not an XML plist"),
        (1, &deep, "nests more than 64 levels deep"),
        (2, "<plist/>", "asked for id 1, the answer is id 2"),
    ];
    for (id, payloads, expected) in cases {
        let answer = json!({"configuration_profile": {"general": {
            "id": id, "name": "Pull me", "uuid": "U", "payloads": payloads}}});
        server.fault_json(json!({"path": format!("{PROFILES}/id/1"), "status": 200,
            "content_type": "application/json", "answer": answer.to_string()}));
        let out = tmp.path().join("pulled.mobileconfig");
        let o = run(jamf(&server, tmp.path(), &["pull", "1", "--rate", "0"])
            .arg(format!("--out={}", out.display())));
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{expected}: {err}");
        assert!(err.contains(expected), "{expected}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!out.exists(), "{expected}: a file was written");
    }
}

/// A read-back after a create that answers a plist nested without end: the push fails
/// with one line (no stack overflow) and the token is still invalidated.
#[test]
fn a_deep_plist_read_back_fails_the_push_cleanly() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let profile = exchange_profile(tmp.path(), "a.mobileconfig", "Deep");
    let deep = format!(
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>x</key>{}{}</dict></plist>",
        "<array>".repeat(20_000),
        "</array>".repeat(20_000)
    );
    let answer = json!({"configuration_profile": {"general": {
        "id": 1, "name": "Deep", "uuid": "U", "payloads": deep}}});
    server.fault_json(
        json!({"path": format!("{PROFILES}/id/1"), "status": 200, "times": 5,
        "content_type": "application/json", "answer": answer.to_string()}),
    );
    let o = run_within(
        jamf(&server, tmp.path(), &["push", "--rate", "0"]).arg(&profile),
        30,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("nests more than 64 levels deep"), "{err}");
    assert_eq!(server.state()["invalidated"], 1, "{err}");
}

/// A server that never answers, or throttles with a Retry-After of days: each wait is
/// said on stderr, and the deadline ends the command within seconds of itself.
#[test]
fn silent_and_throttling_servers_end_at_the_deadline_with_word_of_each_wait() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    // Three tries fit in the deadline: 2 s, 2 s, then what is left.
    server.fault_json(json!({"path": PROFILES, "status": 200, "delay": 3600, "times": 3}));
    let started = Instant::now();
    let o = run_within(
        &mut jamf(
            &server,
            tmp.path(),
            &["list", "--rate", "0", "--timeout", "2", "--deadline", "5"],
        ),
        30,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        started.elapsed().as_secs() < 15,
        "{:?}: {err}",
        started.elapsed()
    );
    assert!(err.contains("no answer in time; retry 1 of 3"), "{err}");
    assert!(err.lines().last().unwrap().starts_with("pbkit: "), "{err}");
    // 429 with Retry-After: 999999 (capped at 60 s, past the 10 s deadline): no wait.
    server.fault_json(
        json!({"path": PROFILES, "status": 429, "retry_after": "999999",
        "times": 100}),
    );
    let started = Instant::now();
    let o = run_within(
        &mut jamf(
            &server,
            tmp.path(),
            &["list", "--rate", "0", "--deadline", "10"],
        ),
        30,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        started.elapsed().as_secs() < 5,
        "{:?}: {err}",
        started.elapsed()
    );
    assert!(err.contains("the deadline of 10 s passed"), "{err}");
}

/// An invalidation that is never answered holds pbkit at most a few seconds.
#[test]
fn a_hung_token_invalidation_does_not_hold_the_exit() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    server.fault_json(
        json!({"path": "/api/v1/auth/invalidate-token", "status": 204,
        "delay": 3600}),
    );
    let started = Instant::now();
    let o = run_within(&mut jamf(&server, tmp.path(), &["list", "--rate", "0"]), 30);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

/// What stands where a journal goes, when it is not a regular file.
fn hostile_journals(dir: &std::path::Path) -> Vec<(&'static str, std::path::PathBuf)> {
    std::fs::create_dir_all(dir).unwrap();
    let zero = memory_device(dir, "zero", 5);
    let fifo = fifo(dir, "fifo");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    vec![
        ("a symbolic link", zero),
        ("a symbolic link", victim),
        ("not a regular file", fifo),
    ]
}

/// Puts `what` at `journal`: the FIFO itself, a symbolic link to anything else.
fn plant(journal: &std::path::Path, what: &std::path::Path) {
    let _ = std::fs::remove_file(journal);
    if what.ends_with("fifo") {
        std::fs::rename(what, journal).unwrap();
    } else {
        std::os::unix::fs::symlink(what, journal).unwrap();
    }
}

/// `jamf-push.journal` and `rollout.journal` that are symbolic links (to a file the
/// journal would wipe, to an endless device) or FIFOs: refused at once with one line,
/// the file they point at untouched, nothing pushed.
#[test]
fn journals_that_are_not_regular_files_are_refused() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let out = crate::jamf::rollout_folder(tmp.path(), 1);
    let journal = out.join("jamf-push.journal");
    for resume in [false, true] {
        for (expected, what) in hostile_journals(&tmp.path().join(format!("j{resume}"))) {
            plant(&journal, &what);
            let mut args = vec!["push", "--scope-by", "username", "--rate", "0"];
            args.extend(resume.then_some("--resume"));
            let o = run_within(jamf(&server, tmp.path(), &args).arg(&out), 30);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(1), "{expected}: {err}");
            assert!(
                err.contains("jamf-push.journal: open the journal: ") && err.contains(expected),
                "{err}"
            );
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }
    assert_eq!(server.state()["profiles"], json!({}));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("jtrue/victim")).unwrap(),
        "precious"
    );
    // The rollout's own journal and settings, on --resume.
    let journal = out.join("rollout.journal");
    let roster = crate::rollout::roster(tmp.path(), 1, &[]);
    for (expected, what) in hostile_journals(&tmp.path().join("r")) {
        plant(&journal, &what);
        let o = run_within(rollout_command(&roster, &out).arg("--resume"), 60);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{expected}: {err}");
        assert!(
            err.contains("rollout.journal: open the journal: ") && err.contains(expected),
            "{err}"
        );
    }
    std::fs::remove_file(&journal).unwrap();
    let settings = out.join("rollout.json");
    std::fs::remove_file(&settings).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("r/zero"), &settings).unwrap();
    let o = run_within(rollout_command(&roster, &out).arg("--resume"), 60);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("larger than 1 MiB"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join("r/victim")).unwrap(),
        "precious"
    );
}

/// One retry rule for every request (issue 26, item 1): a Retry-After given as an HTTP
/// date is obeyed (the wait said is the time to that date), one of seconds is capped by
/// --max-wait, and either way the request then succeeds.
#[test]
fn retry_after_as_an_http_date_is_obeyed_and_max_wait_caps_every_wait() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let in_five = time::OffsetDateTime::now_utc() + time::Duration::seconds(5);
    let date = in_five
        .format(time::macros::format_description!(
            "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
        ))
        .unwrap();
    server.fault_json(json!({"path": PROFILES, "status": 503, "retry_after": date, "times": 1}));
    let o = run_within(&mut jamf(&server, tmp.path(), &["list", "--rate", "0"]), 30);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    let said: f64 = err
        .lines()
        .find_map(|l| l.split("retry 1 of 3 in ").nth(1))
        .and_then(|rest| rest.strip_suffix(" s"))
        .unwrap_or_else(|| panic!("no wait said: {err}"))
        .parse()
        .unwrap();
    // Not the server-less pause (at most 0.25 s on a first retry): the date's.
    assert!(said > 0.3 && said <= 5.0, "{err}");

    server.fault_json(json!({"path": PROFILES, "status": 429, "retry_after": "30", "times": 1}));
    let o = run_within(
        &mut jamf(
            &server,
            tmp.path(),
            &["list", "--rate", "0", "--max-wait", "1"],
        ),
        30,
    );
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("HTTP 429; retry 1 of 3 in 1.0 s"), "{err}");
    let o = run(&mut jamf(&server, tmp.path(), &["list", "--max-wait", "0"]));
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}
