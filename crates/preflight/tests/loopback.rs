//! Real TLS servers on loopback, with chosen protocol ranges, cipher lists and chains.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test's unwrap is its assertion

use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use openssl::pkey::PKey;
use openssl::ssl::{SslAcceptor, SslMethod, SslOptions, SslVersion};
use pbkit_fixtures::{generate, KeyKind, Options};
use pbkit_pki::{bundle, Certificate};
use pbkit_preflight::{probe_tls, Target, TlsOptions};
use time::macros::datetime;

const AT: time::OffsetDateTime = datetime!(2026-11-22 12:00 UTC);

/// A test PKI on disk (EC keys: fast), kept for the test's lifetime.
fn pki() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        users: 1,
        generations: 1,
        key: KeyKind::EcP256,
        at: AT,
        ..Options::default()
    };
    generate(&opts, &|| {}).unwrap().write(dir.path()).unwrap();
    dir
}

fn certs(dir: &Path, files: &[&str]) -> Vec<Certificate> {
    files
        .iter()
        .flat_map(|f| bundle::read_file(dir.join(f)).unwrap())
        .collect()
}

/// A TLS server on 127.0.0.1 that serves until dropped.
struct Server {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

fn serve(dir: &Path, min: SslVersion, max: SslVersion, ciphers: &str, chain: &[&str]) -> Server {
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls()).unwrap();
    b.set_security_level(0);
    // The Mozilla profile switches old versions off with options; the test chooses.
    b.clear_options(SslOptions::NO_TLSV1 | SslOptions::NO_TLSV1_1);
    b.set_min_proto_version(Some(min)).unwrap();
    b.set_max_proto_version(Some(max)).unwrap();
    b.set_cipher_list(ciphers).unwrap();
    let key =
        PKey::private_key_from_pem(&std::fs::read(dir.join("server/mdm-server.key.pem")).unwrap())
            .unwrap();
    b.set_private_key(&key).unwrap();
    b.set_certificate(certs(dir, &["server/mdm-server.pem"])[0].x509())
        .unwrap();
    for c in certs(dir, chain) {
        b.add_extra_chain_cert(c.into_x509()).unwrap();
    }
    let acceptor = b.build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let thread = std::thread::spawn(move || {
        // Bounded: stops when the test drops the server.
        while !flag.load(Ordering::SeqCst) {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    stream
                        .set_read_timeout(Some(Duration::from_secs(2)))
                        .unwrap();
                    let _ = acceptor.accept(stream);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(2)),
            }
        }
    });
    Server {
        port,
        stop,
        thread: Some(thread),
    }
}

fn opts(dir: &Path, pool: &[&str]) -> TlsOptions {
    TlsOptions {
        timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(60),
        anchors: certs(dir, &["trust/anchor.pem"]),
        pool: certs(dir, pool),
        at: AT,
        revocation: true,
    }
}

const BRIDGE_PATH: [&str; 4] = [
    "ca/dod-sw-ca-66.pem",
    "ca/dod-root-ca-3-by-dod-irca2.pem",
    "ca/dod-irca2-by-fbca-g4.pem",
    "ca/fbca-g4-by-fcpca-g2.pem",
];

#[test]
fn tls12_only_server_sending_the_bridge_path() {
    let dir = pki();
    let ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384";
    let server = serve(
        dir.path(),
        SslVersion::TLS1_2,
        SslVersion::TLS1_2,
        ciphers,
        &BRIDGE_PATH,
    );
    let target = Target::parse(&format!("127.0.0.1:{}", server.port)).unwrap();
    let r = probe_tls(&target, &opts(dir.path(), &[]));
    assert!(r.error.is_none(), "{:?}", r.error);
    let accepted: Vec<_> = r
        .versions
        .iter()
        .filter(|v| v.accepted)
        .map(|v| v.version)
        .collect();
    assert_eq!(accepted, ["TLS 1.2"]);
    let mut got = r.tls12_ciphers.clone();
    got.sort();
    assert_eq!(
        got,
        [
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384"
        ]
    );
    assert_eq!(r.chain.len(), 5);
    assert!(r.chain_problems.is_empty(), "{:?}", r.chain_problems);
    assert!(r.anchors[0].sent_chain_reaches, "{:?}", r.anchors[0]);
    assert!(
        r.verdicts
            .contains(&"TLS 1.2 available (Ivanti EPMM requirement): yes".to_string()),
        "{:?}",
        r.verdicts
    );
    assert!(r.verdicts.contains(&"TLS 1.0/1.1 refused: yes".to_string()));
}

#[test]
fn server_omitting_intermediates_and_accepting_old_versions() {
    let dir = pki();
    let server = serve(
        dir.path(),
        SslVersion::TLS1,
        SslVersion::TLS1_3,
        "ALL:@SECLEVEL=0",
        &[],
    );
    let target = Target::parse(&format!("127.0.0.1:{}", server.port)).unwrap();
    let r = probe_tls(
        &target,
        &opts(
            dir.path(),
            &[
                "ca/dod-sw-ca-66.pem",
                "ca/dod-root-ca-3-by-dod-irca2.pem",
                "ca/dod-irca2-by-fbca-g4.pem",
                "ca/fbca-g4-by-fcpca-g2.pem",
                "ca/fcpca-g2-by-fbca-g4.pem",
            ],
        ),
    );
    let accepted: Vec<_> = r
        .versions
        .iter()
        .filter(|v| v.accepted)
        .map(|v| v.version)
        .collect();
    assert_eq!(
        accepted,
        ["TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"],
        "{:?}",
        r.versions
    );
    assert!(
        r.verdicts
            .iter()
            .any(|v| v.starts_with("TLS 1.0/1.1 refused: no")),
        "{:?}",
        r.verdicts
    );
    assert!(r.tls12_ciphers.len() > 5, "{:?}", r.tls12_ciphers);
    assert_eq!(r.chain.len(), 1);
    assert!(
        r.chain_problems
            .iter()
            .any(|p| p.contains("whose issuer Test DOD SW CA-66 is not sent")),
        "{:?}",
        r.chain_problems
    );
    let a = &r.anchors[0];
    assert!(!a.sent_chain_reaches);
    assert_eq!(a.path_with_pool.as_ref().unwrap().len(), 5);
    assert_eq!(
        a.missing,
        [
            "Test DOD SW CA-66",
            "Test DoD Root CA 3",
            "Test DoD Interoperability Root CA 2",
            "Test Federal Bridge CA G4"
        ]
    );
}

/// A server that accepts TCP and never answers: it is reported as timed out (no version
/// lines, no verdicts), and the probe ends.
#[test]
fn a_silent_server_is_a_result_not_a_hang() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let target = Target::parse(&format!("127.0.0.1:{port}")).unwrap();
    let o = TlsOptions {
        timeout: Duration::from_millis(300),
        ..TlsOptions::default()
    };
    let r = probe_tls(&target, &o);
    assert!(r.versions.is_empty(), "{:?}", r.versions);
    assert!(r.verdicts.is_empty(), "{:?}", r.verdicts);
    assert_eq!(
        r.error.as_deref(),
        Some(
            "timed out: the TCP connection opened, but nothing answered the TLS ClientHello \
             within 0.3 s"
        )
    );
    assert!(!r.passed());
    drop(listener);
    // Nothing listening at all: an error, at once.
    let r = probe_tls(&target, &o);
    assert!(
        r.error.as_deref().unwrap().contains("no TCP connection"),
        "{:?}",
        r.error
    );
}
