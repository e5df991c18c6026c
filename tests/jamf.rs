//! The Jamf Pro API test server (tests/jamf/server.py), proven to speak Jamf's protocol by
//! Jamf's own Python SDK (`jamf-pro-sdk`, PyPI), before pbkit is tested against it.

use crate::common::*;
use std::io::BufRead;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The test server on a free port; killed when dropped.
pub struct JamfServer {
    child: Child,
    pub port: u16,
    tls: bool,
}

impl Drop for JamfServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts tests/jamf/server.py with `args`, once it says which port it listens on.
pub fn jamf_server(args: &[&str]) -> JamfServer {
    let mut child = Command::new("python3")
        .arg(root().join("tests/jamf/server.py"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 (.ci/run installs it)");
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .unwrap();
    let port = line
        .trim()
        .strip_prefix("listening on ")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the Jamf test server said {line:?}"));
    let tls = args.contains(&"--tls-cert");
    JamfServer { child, port, tls }
}

/// jamf-pro-sdk authenticates against the test server with a user bearer token and with
/// OAuth client credentials, lists, creates (a name with `&`, XML-escaped) and reads back a
/// mobile device configuration profile whose PayloadIdentifier survives.
#[test]
fn jamf_pro_sdk_speaks_to_the_test_server() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("exchange.mobileconfig");
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/purebred-exchange.toml"))
        .arg("--out")
        .arg(&profile));
    let out = ok(Command::new("python3")
        .arg(root().join("tests/jamf/sdk_check.py"))
        .arg(server.port.to_string())
        .arg(&profile));
    assert_eq!(
        out,
        "user token: listed 0 profiles\n\
         oauth token: listed 0 profiles\n\
         created: HTTP 201\n\
         read back: id 1, PayloadIdentifier mil.example.purebred.exchange\n"
    );
}

impl JamfServer {
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://localhost:{}", self.port)
    }

    /// GET /_test/state: profiles, ghosts, token counts.
    pub(crate) fn state(&self) -> serde_json::Value {
        let body = ureq::get(format!("http://127.0.0.1:{}/_test/state", self.port))
            .call()
            .unwrap()
            .into_body()
            .read_to_string()
            .unwrap();
        serde_json::from_str(&body).unwrap()
    }

    /// POST /_test/fault: the next `times` requests whose path holds `path` and whose
    /// body holds `body` are answered `status`.
    pub(crate) fn fault(&self, path: &str, body: &str, status: u16, times: u32) {
        let f = serde_json::json!({"path": path, "body": body, "status": status, "times": times});
        ureq::post(format!("http://127.0.0.1:{}/_test/fault", self.port))
            .send(f.to_string().as_bytes())
            .unwrap();
    }

    /// POST /_test/fault with every field given: a hostile answer (`answer`,
    /// `content_type`, `echo`, `retry_after`, `delay`) to requests whose path holds `path`.
    pub(crate) fn fault_json(&self, fault: serde_json::Value) {
        ureq::post(format!("http://127.0.0.1:{}/_test/fault", self.port))
            .send(fault.to_string().as_bytes())
            .unwrap();
    }

    /// The profile the server keeps under `id`.
    pub(crate) fn profile(&self, id: u64) -> serde_json::Value {
        self.state()["profiles"][id.to_string()].clone()
    }
}

/// A credentials file (0600) for the test server's API client, in `dir`.
pub(crate) fn credentials(dir: &Path) -> PathBuf {
    let path = dir.join("jamf.toml");
    std::fs::write(
        &path,
        "client_id = \"pbkit-client\"\nclient_secret = \"pbkit-secret\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// `pbkit jamf ARGS --url … --credentials …` with the test server's API client.
pub(crate) fn jamf(server: &JamfServer, dir: &Path, args: &[&str]) -> Command {
    jamf_with(server, &credentials(dir), args)
}

/// `pbkit jamf ARGS --url … --credentials CREDS`, without the caller's JAMF_* variables.
pub(crate) fn jamf_with(server: &JamfServer, creds: &Path, args: &[&str]) -> Command {
    let mut c = pbkit();
    for v in [
        "JAMF_URL",
        "JAMF_CLIENT_ID",
        "JAMF_CLIENT_SECRET",
        "JAMF_USER",
        "JAMF_PASSWORD",
    ] {
        c.env_remove(v);
    }
    c.arg("jamf")
        .args(args)
        .arg("--url")
        .arg(server.url())
        .arg("--credentials")
        .arg(creds);
    c
}

/// profiles/purebred-exchange.toml built into `dir`, with its display name and
/// description set to `name` (plistlib writes them).
pub(crate) fn exchange_profile(dir: &Path, file: &str, name: &str) -> PathBuf {
    let path = dir.join(file);
    ok(pbkit()
        .args(["profile", "build"])
        .arg(root().join("profiles/purebred-exchange.toml"))
        .arg("--out")
        .arg(&path));
    edit_plist(
        &path,
        "p['PayloadDisplayName']=sys.argv[2]; p['PayloadDescription']=sys.argv[2]",
        &[name],
    );
    path
}

/// Runs Python statements on a profile's plist `p` (plistlib), `args` as sys.argv[2:].
pub(crate) fn edit_plist(path: &Path, statements: &str, args: &[&str]) {
    ok(Command::new("python3")
        .arg("-c")
        .arg(format!(
            "import plistlib,sys\np=plistlib.load(open(sys.argv[1],'rb'))\n{statements}\n\
             plistlib.dump(p, open(sys.argv[1],'wb'))"
        ))
        .arg(path)
        .args(args));
}

/// A rollout of `copies` x 2 users into `dir/out`: signed S/MIME profiles with two
/// PKCS#12 identities each, referenced by UUID from the Exchange payload.
pub(crate) fn rollout_folder(dir: &Path, copies: usize) -> PathBuf {
    let roster = crate::rollout::roster(dir, copies, &[]);
    let out = dir.join("out");
    ok(&mut rollout_command(&roster, &out));
    out
}

/// `pbkit jamf push OUT --scope-by username --rate 0 EXTRA` (unpaced: the test server).
fn push_folder(server: &JamfServer, dir: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut args = vec!["push", "--scope-by", "username", "--rate", "0"];
    args.extend(extra);
    let mut c = jamf(server, dir, &args);
    c.arg(out);
    c
}

/// A push creates; a second push of a changed profile (other top-level UUID, other
/// identifier, same name) updates that profile and carries the server's PayloadUUID and
/// PayloadIdentifier back: no ghost, one profile.
#[test]
fn an_update_keeps_the_servers_identifiers() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let first = exchange_profile(tmp.path(), "a.mobileconfig", "Exchange S/MIME");
    let out = ok(jamf(&server, tmp.path(), &["push", "--json"]).arg(&first));
    let created = &json_lines(&out)[0];
    assert_eq!(created["action"], "created");
    assert_eq!(created["id"], 1);
    let kept = server.profile(1);
    let jamf_uuid = kept["uuid"].as_str().unwrap().to_string();

    // The same name, another identifier and UUID, another host.
    let second = exchange_profile(tmp.path(), "b.mobileconfig", "Exchange S/MIME");
    edit_plist(
        &second,
        "p['PayloadIdentifier']='mil.example.other'; \
         p['PayloadUUID']='0C1F1C8B-8E6B-4F3E-9C1A-111111111111'; \
         p['PayloadContent'][0]['Host']='mail2.example.mil'",
        &[],
    );
    let out = ok(jamf(&server, tmp.path(), &["push", "--json"]).arg(&second));
    let updated = &json_lines(&out)[0];
    assert_eq!(updated["action"], "updated", "{out}");
    assert_eq!(updated["id"], 1);
    assert_eq!(updated["matched_by"], "name");
    assert_eq!(updated["kept_uuid"], jamf_uuid.as_str());
    assert_eq!(updated["kept_identifier"], "mil.example.purebred.exchange");
    assert_eq!(updated["diff"]["real_changes"], 1, "{out}");
    let state = server.state();
    assert_eq!(state["ghosts"], serde_json::json!([]));
    assert_eq!(state["profiles"].as_object().unwrap().len(), 1);
    let stored = state["profiles"]["1"]["payloads"].as_str().unwrap();
    assert!(stored.contains("mail2.example.mil"));
    assert!(stored.contains(&jamf_uuid));
    assert!(stored.contains("<string>mil.example.purebred.exchange</string>"));
    assert!(!stored.contains("mil.example.other"));
    // The token was invalidated at exit: none is left alive.
    assert_eq!(state["live_tokens"], 0);
    assert_eq!(state["invalidated"], 2);

    // Pushed again as it is: nothing to send.
    let out = ok(jamf(&server, tmp.path(), &["push"]).arg(&second));
    assert!(
        out.starts_with("unchanged \"Exchange S/MIME\" (id 1)"),
        "{out}"
    );
}

/// `&`, `<`, `>` and non-ASCII in the name and the plist reach Jamf Pro as they are (its
/// XML parser refuses a bare `&` or `<` with 409), and come back the same: `profile diff`
/// against `jamf:NAME` finds no real change, `jamf pull` writes the same strings.
#[test]
fn ampersands_angle_brackets_and_non_ascii_survive_the_round_trip() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let name = "R&D <S/MIME> café – Ωmega ✓";
    let local = exchange_profile(tmp.path(), "odd.mobileconfig", name);
    let out = ok(jamf(
        &server,
        tmp.path(),
        &["push", "--category", "Mail & <Security>"],
    )
    .arg(&local));
    assert!(
        out.starts_with(&format!("created {name:?} (id 1)")),
        "{out}"
    );
    let kept = server.profile(1);
    assert_eq!(kept["name"], name);
    assert_eq!(kept["category"], "Mail & <Security>");

    let mut diff = pbkit();
    diff.args(["profile", "diff"])
        .arg(&local)
        .arg(format!("jamf:{name}"))
        .arg("--url")
        .arg(server.url())
        .arg("--credentials")
        .arg(credentials(tmp.path()));
    let out = ok(&mut diff);
    assert!(out.contains("same: 0 real changes, 1 UUID-only"), "{out}");

    let pulled = tmp.path().join("pulled.mobileconfig");
    ok(&mut jamf(
        &server,
        tmp.path(),
        &["pull", "1", "--out", pulled.to_str().unwrap()],
    ));
    assert_eq!(
        std::fs::metadata(&pulled).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let read = ok(Command::new("python3")
        .arg("-c")
        .arg("import plistlib,sys; p=plistlib.load(open(sys.argv[1],'rb')); print(p['PayloadDisplayName']); print(p['PayloadDescription'])")
        .arg(&pulled));
    assert_eq!(read, format!("{name}\n{name}\n"));
}

/// A rollout's folder goes to Jamf Pro one profile per user, scoped to the user, sent
/// unsigned, with every S/MIME reference intact; a second run with --resume skips them
/// all; a plain rerun finds them unchanged.
#[test]
fn a_rollout_folder_is_pushed_per_user_and_resumes() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let out = rollout_folder(tmp.path(), 3);
    let report = tmp.path().join("push.csv");
    let extra = ["--json", "--report", report.to_str().unwrap()];
    let text = ok(&mut push_folder(&server, tmp.path(), &out, &extra));
    let lines = json_lines(&text);
    assert_eq!(lines.len(), 7, "{text}");
    assert_eq!(lines[6]["actions"]["created"], 6);
    assert_eq!(lines[6]["summary"]["failed"], 0);
    for l in &lines[..6] {
        assert_eq!(l["action"], "created");
        assert_eq!(l["unsigned"], true);
        let user = l["username"].as_str().unwrap();
        assert_eq!(l["scope"]["users"], serde_json::json!([user]));
        assert_eq!(
            l["name"],
            format!("Exchange with S/MIME identities ({user})").as_str()
        );
    }
    let state = server.state();
    for (_, p) in state["profiles"].as_object().unwrap() {
        let payloads = p["payloads"].as_str().unwrap();
        assert!(payloads.starts_with("<?xml"), "sent unsigned");
        assert_eq!(p["scope"]["jss_users"].as_array().unwrap().len(), 1);
    }
    let csv = std::fs::read_to_string(&report).unwrap();
    assert_eq!(csv.lines().count(), 7);
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("user1-0,ok,created,"),
        "{csv}"
    );

    let text = ok(&mut push_folder(&server, tmp.path(), &out, &["--resume"]));
    assert!(text.contains("6 users in"), "{text}");
    assert!(
        text.contains("6 skipped (already pushed), 0 failed"),
        "{text}"
    );
    let text = ok(&mut push_folder(&server, tmp.path(), &out, &[]));
    assert!(text.contains("0 created, 0 updated, 6 unchanged"), "{text}");
}

/// A token that Jamf Pro stops taking in the middle of a rollout (after 5 requests here)
/// is replaced, and every user is pushed.
#[test]
fn a_token_expiring_mid_rollout_is_replaced() {
    let server = jamf_server(&["--token-uses", "5"]);
    let tmp = tempfile::tempdir().unwrap();
    let out = rollout_folder(tmp.path(), 3);
    let text = ok(&mut push_folder(&server, tmp.path(), &out, &["--json"]));
    let summary = json_lines(&text).pop().unwrap();
    assert_eq!(summary["actions"]["created"], 6, "{text}");
    assert_eq!(summary["summary"]["failed"], 0);
    // 6 users x (create, read back, scope) + the list: 19 requests, 5 per token.
    assert!(summary["client"]["tokens"].as_u64().unwrap() >= 4, "{text}");
    assert_eq!(server.state()["profiles"].as_object().unwrap().len(), 6);
}

/// A user account's token is renewed with keep-alive before it expires (2 s here; the
/// pacing makes the push last longer than that).
#[test]
fn a_user_token_is_kept_alive() {
    let server = jamf_server(&["--token-seconds", "2"]);
    let tmp = tempfile::tempdir().unwrap();
    let out = rollout_folder(tmp.path(), 3);
    let mut c = pbkit();
    c.env("JAMF_USER", "pbkit")
        .env("JAMF_PASSWORD", "pbkit-test")
        .env("JAMF_URL", server.url())
        .env_remove("JAMF_CLIENT_ID")
        .env_remove("JAMF_CLIENT_SECRET")
        .args([
            "jamf",
            "push",
            "--scope-by",
            "username",
            "--rate",
            "8",
            "--json",
        ])
        .arg(&out);
    let text = ok(&mut c);
    let summary = json_lines(&text).pop().unwrap();
    assert_eq!(summary["actions"]["created"], 6, "{text}");
    let state = server.state();
    // 19 requests at 8 a second: over 2 s, so at least one renewal before expiry.
    assert!(state["keep_alives"].as_u64().unwrap() >= 1, "{state}");
    assert_eq!(state["live_tokens"], 0);
}

/// Jamf Pro answers 500 to every create of one user: that user fails once its retries
/// are spent (each looked for first: nothing was created), the others are pushed, the
/// report says why; a 429 and a 503 on the way are waited out and retried. After the
/// fault is gone, --resume pushes only the failed user.
#[test]
fn a_server_error_on_one_user_fails_that_user_only_and_resume_finishes() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let out = rollout_folder(tmp.path(), 3);
    server.fault("/id/0", "(user1-1)", 500, 4);
    server.fault("/id/", "(user2-0)", 429, 1);
    server.fault("/id/", "(user2-2)", 503, 1);
    let report = tmp.path().join("push.csv");
    let extra = ["--json", "--report", report.to_str().unwrap()];
    let o = run(&mut push_folder(&server, tmp.path(), &out, &extra));
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let lines = json_lines(&stdout(&o));
    let summary = lines.last().unwrap();
    assert_eq!(summary["actions"]["created"], 5);
    assert_eq!(summary["summary"]["failed"], 1);
    // The 429, the 503, and the failed user's three creates again.
    assert_eq!(summary["client"]["retries"], 5);
    assert_eq!(server.state()["profiles"].as_object().unwrap().len(), 5);
    let failed: Vec<_> = lines.iter().filter(|l| l["status"] == "failed").collect();
    assert_eq!(failed[0]["username"], "user1-1");
    assert!(
        failed[0]["reason"].as_str().unwrap().contains("HTTP 500"),
        "{failed:?}"
    );
    let csv = std::fs::read_to_string(&report).unwrap();
    assert!(csv.contains("user1-1,failed,,,,"), "{csv}");
    // With --json too, the failure is on stderr: `--json | head` cannot hide it.
    assert!(
        stderr(&o).lines().any(|l| l.starts_with("user1-1: ")),
        "{}",
        stderr(&o)
    );

    let text = ok(&mut push_folder(&server, tmp.path(), &out, &["--resume"]));
    assert!(
        text.contains("1 created, 0 updated, 0 unchanged, 5 skipped"),
        "{text}"
    );
    assert_eq!(server.state()["profiles"].as_object().unwrap().len(), 6);
}

/// Jamf Pro fails every 3rd create with a 500 and every 4th request with a 503: each
/// create is retried (looked for first, so never made twice) and every one of 50 users is
/// pushed in one run, with no resume (issue 26's "done when").
#[test]
fn creates_that_fail_on_the_server_are_retried_until_done() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let out = rollout_folder(tmp.path(), 25);
    server.fault_json(
        serde_json::json!({"path": "/id/0", "method": "POST", "status": 500,
        "every": 3, "times": 1000}),
    );
    server.fault_json(
        serde_json::json!({"path": "/JSSResource/", "status": 503, "every": 4,
        "times": 1000}),
    );
    let o = run(&mut push_folder(&server, tmp.path(), &out, &["--json"]));
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines = json_lines(&stdout(&o));
    let summary = lines.last().unwrap();
    assert_eq!(summary["actions"]["created"], 50, "{summary}");
    assert_eq!(summary["summary"]["failed"], 0, "{summary}");
    assert!(
        summary["client"]["retries"].as_u64().unwrap() >= 4,
        "{summary}"
    );
    let err = stderr(&o);
    assert!(err.contains("HTTP 500; not created"), "{err}");
    // One profile per user: a retried create never made a second.
    let profiles = server.state()["profiles"].as_object().unwrap().len();
    assert_eq!(profiles, 50);
}

/// When Jamf Pro gives the payloads inside new PayloadUUIDs, the Exchange payload's
/// S/MIME references lead nowhere: the push fails naming them, and the profile stays
/// scoped to nobody, so no device gets it.
#[test]
fn rederived_payload_uuids_fail_the_push_and_leave_it_unscoped() {
    let server = jamf_server(&["--rederive-payloads"]);
    let tmp = tempfile::tempdir().unwrap();
    let out = rollout_folder(tmp.path(), 1);
    let mut c = jamf(&server, tmp.path(), &["push", "--scope", "all-devices"]);
    let o = run(c.arg(out.join("user1-0.mobileconfig")));
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("no longer holds together (created unscoped: no device gets it)"),
        "{err}"
    );
    assert!(err.contains("SMIMESigningCertificateUUID names"), "{err}");
    assert!(
        err.contains("SMIMEEncryptionCertificateUUID names"),
        "{err}"
    );
    assert_eq!(server.profile(1)["scope"]["all_mobile_devices"], false);
}

/// --dry-run shows what would change, key by key, and writes nothing.
#[test]
fn a_dry_run_shows_the_changes_and_writes_nothing() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let local = exchange_profile(tmp.path(), "a.mobileconfig", "Exchange S/MIME");
    ok(jamf(&server, tmp.path(), &["push", "--scope", "group:Purebred"]).arg(&local));
    let before = server.state();
    edit_plist(
        &local,
        "p['PayloadContent'][0]['SMIMEEncryptByDefault']=True",
        &[],
    );
    let args = ["push", "--dry-run", "--scope", "user:alice"];
    let out = ok(jamf(&server, tmp.path(), &args).arg(&local));
    assert!(
        out.starts_with("would update \"Exchange S/MIME\" (id 1)"),
        "{out}"
    );
    assert!(
        out.contains("scope group \"Purebred\" -> user \"alice\""),
        "{out}"
    );
    assert!(
        out.contains("SMIMEEncryptByDefault: false -> true"),
        "{out}"
    );
    let fresh = exchange_profile(tmp.path(), "b.mobileconfig", "Another");
    edit_plist(&fresh, "p['PayloadIdentifier']='mil.example.another'", &[]);
    let out = ok(jamf(&server, tmp.path(), &["push", "--dry-run"]).arg(&fresh));
    assert!(out.starts_with("would create \"Another\": "), "{out}");
    let after = server.state();
    assert_eq!(before["profiles"], after["profiles"]);
}

/// Over HTTPS with the test PKI's server certificate: refused without the anchor (the
/// system does not trust the test root), pushed with --jamf-anchor.
#[test]
fn https_needs_the_servers_anchor() {
    let pki = generated_pki();
    let tmp = tempfile::tempdir().unwrap();
    let chain = tmp.path().join("chain.pem");
    let mut pem = std::fs::read(pki.join("server/mdm-server.pem")).unwrap();
    pem.extend(std::fs::read(pki.join("trust/intermediates.pem")).unwrap());
    std::fs::write(&chain, pem).unwrap();
    let key = pki.join("server/mdm-server.key.pem");
    let server = jamf_server(&[
        "--tls-cert",
        chain.to_str().unwrap(),
        "--tls-key",
        key.to_str().unwrap(),
    ]);
    let o = run(&mut jamf(&server, tmp.path(), &["list"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(
            "the server's TLS certificate is not trusted: unable to get local issuer certificate"
        ),
        "{}",
        stderr(&o)
    );
    let roots = pki.join("trust/anchor.pem");
    let out = ok(&mut jamf(
        &server,
        tmp.path(),
        &["list", "--jamf-anchor", roots.to_str().unwrap()],
    ));
    assert_eq!(out, format!("0 profiles on {}\n", server.url()));
}

/// Credentials never come from argv; a file others can read is refused; wrong ones are
/// a one-line error, exit 1; no server or a bad scope target is a usage error, exit 2.
#[test]
fn credentials_and_usage_mistakes_get_clear_errors() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let creds = credentials(tmp.path());
    std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = run(&mut jamf_with(&server, &creds, &["list"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is readable by others (mode 0644): chmod 600"),
        "{}",
        stderr(&o)
    );

    std::fs::write(
        &creds,
        "client_id = \"pbkit-client\"\nclient_secret = \"wrong\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&creds, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(&mut jamf_with(&server, &creds, &["list"]));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("HTTP 401: Jamf Pro refused the credentials"),
        "{}",
        stderr(&o)
    );
    assert!(!stderr(&o).contains("wrong"));

    let o = run(pbkit().env_remove("JAMF_URL").args(["jamf", "list"]));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("give --url URL or set JAMF_URL"),
        "{}",
        stderr(&o)
    );

    let o = run(&mut jamf(
        &server,
        tmp.path(),
        &["push", "x.mobileconfig", "--scope", "usr:alice"],
    ));
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("a scope target is all-devices, device:ID"),
        "{}",
        stderr(&o)
    );

    let o = run(&mut jamf(
        &server,
        tmp.path(),
        &["list", "--client-secret", "x"],
    ));
    assert_eq!(o.status.code(), Some(2));

    let o = run(&mut jamf(
        &server,
        tmp.path(),
        &["pull", "7", "--out", "x.mobileconfig"],
    ));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no mobile device configuration profile id 7"),
        "{}",
        stderr(&o)
    );
}

/// A push killed (SIGKILL) after a few users, then resumed: every user ends up with
/// exactly one profile, none twice, and the users the journal recorded are skipped.
#[test]
fn a_killed_push_resumes_without_duplicates() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let out = rollout_folder(tmp.path(), 3);
    // 5 requests a second: about 3 users a second, slow enough to be killed mid-run.
    let mut child = jamf(
        &server,
        tmp.path(),
        &["push", "--scope-by", "username", "--rate", "5"],
    )
    .arg(&out)
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    let journal = out.join("jamf-push.journal");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::fs::read_to_string(&journal).map_or(0, |j| j.lines().count()) < 2 {
        assert!(std::time::Instant::now() < deadline, "no user was recorded");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the push ended before the kill"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let recorded = std::fs::read_to_string(&journal).unwrap().lines().count();
    assert!(
        recorded < 6,
        "the kill came too late to test anything: {recorded} recorded"
    );

    let text = ok(&mut push_folder(
        &server,
        tmp.path(),
        &out,
        &["--resume", "--json"],
    ));
    let summary = &json_lines(&text).pop().unwrap()["summary"];
    assert_eq!(summary["skipped"], recorded as u64, "{text}");
    assert_eq!(summary["failed"], 0);
    let state = server.state();
    let profiles = state["profiles"].as_object().unwrap();
    assert_eq!(profiles.len(), 6, "one profile per user");
    let mut names: Vec<_> = profiles
        .values()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 6);
    assert_eq!(state["ghosts"], serde_json::json!([]));
}

/// A rerun of a rollout (issue 26, item 6): every PKCS#12 repacked under a new password
/// around the same certificate. With the passwords in the profiles, the server's profiles
/// are left alone (devices hold those identities: no reinstall); with `--password-mode
/// file`, they are replaced, since each user's new password opens only the new bytes.
#[test]
fn a_rerun_rollout_is_left_alone_unless_its_passwords_travel_apart() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let out = rollout_folder(tmp.path(), 1);
    ok(&mut push_folder(&server, tmp.path(), &out, &[]));
    let before = server.state()["profiles"].clone();
    let again = tmp.path().join("again");
    ok(&mut rollout_command(&tmp.path().join("roster.csv"), &again));
    let text = ok(&mut push_folder(&server, tmp.path(), &again, &["--json"]));
    let lines = json_lines(&text);
    for l in &lines[..2] {
        assert_eq!(l["action"], "unchanged", "{text}");
        assert_eq!(l["repacked_only"], true, "{text}");
        assert_eq!(l["diff"]["same"], true, "{text}");
    }
    assert_eq!(server.state()["profiles"], before, "a profile was replaced");
    let text = ok(&mut push_folder(&server, tmp.path(), &again, &[]));
    assert!(text.contains("0 updated, 2 unchanged"), "{text}");
    let text = ok(&mut push_folder(
        &server,
        tmp.path(),
        &again,
        &["--dry-run"],
    ));
    assert_eq!(
        text.matches("devices hold them already, left alone")
            .count(),
        2,
        "{text}"
    );
    // Said once for the folder, not once per user (issue 26, item 10).
    assert_eq!(text.matches("the files are signed").count(), 1, "{text}");
    assert!(!text.contains("the file is signed"), "{text}");

    // Passwords apart: the first push of such a rollout replaces (the embedded one was
    // there), and so does a rerun.
    for (n, dir) in ["file1", "file2"].iter().enumerate() {
        let folder = tmp.path().join(dir);
        ok(rollout_command(&tmp.path().join("roster.csv"), &folder)
            .args(["--password-mode", "file"]));
        let before = server.state()["profiles"].clone();
        let text = ok(&mut push_folder(&server, tmp.path(), &folder, &["--json"]));
        let lines = json_lines(&text);
        for l in &lines[..2] {
            assert_eq!(l["action"], "updated", "run {n}: {text}");
        }
        let after = server.state();
        assert_eq!(after["ghosts"], serde_json::json!([]));
        for id in ["1", "2"] {
            let (old, new) = (&before[id], &after["profiles"][id]);
            assert_eq!(old["uuid"], new["uuid"]);
            assert_ne!(
                old["payloads"], new["payloads"],
                "run {n}: profile {id} kept"
            );
        }
    }
}

/// One JSON Lines shape (issue 26, item 7) for rollout, jamf push and profile verify, dry
/// runs included: every line but the last is an item with `status` (ok, failed, skipped,
/// would-…) and `item`; the last is `{"summary": {"items", "ok", "failed", "skipped",
/// would-…}}`, counting the items by the same words.
#[test]
fn bulk_and_verdict_commands_print_one_json_lines_shape() {
    let server = jamf_server(&[]);
    let tmp = tempfile::tempdir().unwrap();
    let roster = crate::rollout::roster(tmp.path(), 1, &["x@pbkit.test,gone,Gone,no.p12,no.p12"]);
    let check = |what: &str, text: &str, expected: serde_json::Value| {
        let mut lines = json_lines(text);
        let last = lines.pop().unwrap();
        let mut counts = std::collections::BTreeMap::<String, u64>::new();
        for l in &lines {
            let status = l["status"]
                .as_str()
                .unwrap_or_else(|| panic!("{what}: {l}"));
            assert!(
                ["ok", "failed", "skipped"].contains(&status) || status.starts_with("would-"),
                "{what}: {l}"
            );
            assert!(l["item"].is_string(), "{what}: {l}");
            *counts.entry(status.to_string()).or_default() += 1;
        }
        let summary = &last["summary"];
        assert_eq!(summary, &expected, "{what}: {text}");
        assert_eq!(summary["items"], lines.len() as u64, "{what}");
        for (status, n) in counts {
            assert_eq!(summary[status.as_str()], n, "{what}: {text}");
        }
    };
    let o = run(rollout_command(&roster, &tmp.path().join("dry")).args(["--dry-run", "--json"]));
    check(
        "rollout --dry-run",
        &stdout(&o),
        serde_json::json!({"items": 3, "ok": 0, "failed": 1, "skipped": 0, "would-write": 2}),
    );
    let out = tmp.path().join("out");
    let o = run(rollout_command(&roster, &out).arg("--json"));
    check(
        "rollout",
        &stdout(&o),
        serde_json::json!({"items": 3, "ok": 2, "failed": 1, "skipped": 0}),
    );
    let text = ok(&mut push_folder(
        &server,
        tmp.path(),
        &out,
        &["--dry-run", "--json"],
    ));
    check(
        "jamf push --dry-run",
        &text,
        serde_json::json!({"items": 2, "ok": 0, "failed": 0, "skipped": 0, "would-create": 2}),
    );
    let text = ok(&mut push_folder(&server, tmp.path(), &out, &["--json"]));
    check(
        "jamf push",
        &text,
        serde_json::json!({"items": 2, "ok": 2, "failed": 0, "skipped": 0}),
    );
    let text = ok(&mut push_folder(
        &server,
        tmp.path(),
        &out,
        &["--resume", "--json"],
    ));
    check(
        "jamf push --resume",
        &text,
        serde_json::json!({"items": 2, "ok": 0, "failed": 0, "skipped": 2}),
    );
    let o = run(pbkit()
        .args(["profile", "verify", "--json", "--anchor"])
        .arg(generated_pki().join("trust/anchor.pem"))
        .arg(out.join("user1-0.mobileconfig"))
        .arg(root().join("profiles/test-identities/password")));
    let text = stdout(&o);
    check(
        "profile verify",
        &text,
        serde_json::json!({"items": 2, "ok": 1, "failed": 1, "skipped": 0}),
    );
    assert_eq!(json_lines(&text)[0]["verdict"], "Verified");
}
