// What each fuzz target checks, as plain functions: the fuzz targets call them on
// generated inputs, and `tests/fuzz_checks.rs` calls them on the seeds and on every input
// kept in `fuzz/regressions/<target>/`. Included with `include!` by both (the fuzz crate is
// not part of the workspace).

#[allow(dead_code)]
mod checks {
    use openssl::pkcs12::Pkcs12;
    use pbkit_pkcs12::kdf::{derive, derive_sha1_batch, openssl_reference, Purpose, Request};
    use pbkit_pkcs12::{ensure_legacy_provider, inspect, Identity, Password};

    /// Any bytes, with the fixtures' password and an empty one: a PKCS#12 reads or is
    /// refused, never a panic. Also the structure-only inspection.
    pub fn pkcs12_parse(data: &[u8]) {
        let _ = inspect(data, None);
        for pw in ["password", ""] {
            let _ = Identity::from_pkcs12(data, &Password::new(pw));
        }
    }

    /// pbkit's reader accepts exactly what OpenSSL's `PKCS12_parse` accepts (a key and a
    /// certificate), and then both return the same certificate and key.
    pub fn pkcs12_differential(data: &[u8]) {
        ensure_legacy_provider().expect("the legacy provider loads");
        let ours = Identity::from_pkcs12(data, &Password::new("password"));
        let theirs = Pkcs12::from_der(data)
            .ok()
            .and_then(|p| p.parse2("password").ok())
            .and_then(|p| Some((p.pkey?, p.cert?)));
        match (&ours, &theirs) {
            (Ok(id), Some((key, cert))) => {
                assert_eq!(id.certificate().der(), cert.to_der().unwrap().as_slice());
                assert!(id.key().public_eq(key));
            }
            (Err(_), None) => {}
            // Deliberate: pbkit refuses a file declaring more KDF work than its limit.
            (Err(pbkit_pkcs12::Error::TooMuchWork { .. }), Some(_)) => {}
            // PBMAC1 (RFC 9579) is read by pbkit and by OpenSSL 3.4+, not by this 3.0.
            (Ok(_), None)
                if inspect(data, None)
                    .is_ok_and(|r| r.mac.is_some_and(|m| m.pbmac1_prf.is_some())) => {}
            _ => panic!(
                "pbkit {:?}, OpenSSL {}",
                ours.as_ref().err(),
                if theirs.is_some() { "accepts" } else { "rejects" }
            ),
        }
    }

    /// The PKCS#12 KDF: pbkit's batch (interleaved SHA-NI chains) equals the generic
    /// implementation request by request, and a single derivation equals OpenSSL's
    /// `PKCS12_key_gen_uni`. The bytes choose up to 6 requests (purpose, iterations up to
    /// 300, length up to 72, salt) and the password.
    pub fn kdf_differential(data: &[u8]) {
        let Some((&count, mut rest)) = data.split_first() else {
            return;
        };
        let mut shapes = Vec::new();
        for _ in 0..(count % 6 + 1) {
            let [p, i, l, s, tail @ ..] = rest else { break };
            shapes.push((*p, u32::from(*i) + u32::from(p & 0x30) * 8, *l, *s));
            rest = tail;
        }
        let salt_bytes = rest.len() / 2;
        let (salt_pool, password) = rest.split_at(salt_bytes);
        let requests: Vec<Request<'_>> = shapes
            .iter()
            .map(|&(p, iterations, l, s)| Request {
                purpose: [Purpose::Key, Purpose::Iv, Purpose::Mac][usize::from(p % 3)],
                salt: &salt_pool[..usize::from(s).min(salt_pool.len())],
                iterations,
                len: usize::from(l % 73),
            })
            .collect();
        let together = derive_sha1_batch(password, &requests);
        for (r, out) in requests.iter().zip(&together) {
            let alone = derive::<sha1::Sha1>(r.purpose, password, r.salt, r.iterations, r.len);
            assert_eq!(**out, *alone, "{r:?}");
        }
        // OpenSSL cannot derive from an empty salt with an empty password (it fails to
        // allocate the zero-length I block); pbkit derives what RFC 7292 defines.
        let openssl_can = |r: &&Request<'_>| r.len > 0 && !(r.salt.is_empty() && password.is_empty());
        if let Some(r) = requests.first().filter(openssl_can) {
            let theirs = openssl_reference(r.purpose, password, r.salt, r.iterations, r.len)
                .expect("OpenSSL derives");
            assert_eq!(*together[0], theirs, "{r:?}");
        }
    }

    /// Any certificate bundle (PEM, DER, PKCS#7): parsed or refused, and facts of what
    /// parsed never panic.
    pub fn certificate_parse(data: &[u8]) {
        if let Ok(certs) = pbkit_pki::bundle::parse(data, "fuzz") {
            for c in certs {
                let _ = c.facts();
            }
        }
    }

    /// Any profile, signed or not: what reads back must write and read back the same; lint
    /// never panics.
    pub fn profile_parse(data: &[u8]) {
        use pbkit_profile::{lint, verify, LintOptions, Profile};
        let content = verify(data, &[]).into_content().ok();
        if let Some(plist) = content {
            if let Ok(p) = Profile::from_plist(&plist) {
                let again = Profile::from_plist(&p.to_xml()).expect("pbkit reads what it writes");
                assert_eq!(again, p);
            }
            let _ = lint(data, &LintOptions::default());
        }
    }

    /// Any bytes as two profiles (split at the first 0xFF byte, or in half): the diff is
    /// made or refused, never a panic or a stack overflow; a readable profile is the same
    /// as itself, with no real change.
    pub fn profile_diff(data: &[u8]) {
        use pbkit_profile::diff::diff;
        let (a, b) = match data.iter().position(|&x| x == 0xFF) {
            Some(i) => (&data[..i], &data[i + 1..]),
            None => data.split_at(data.len() / 2),
        };
        let _ = diff(a, b);
        for side in [a, b] {
            if let Ok(d) = diff(side, side) {
                assert!(d.same, "a profile differs from itself: {:?}", d.real_change_lines());
            }
        }
    }

    /// Any bytes where the ddm readers take a file: as a declaration (lint), as a previous
    /// build's manifest, and, when they are a profile, converted to declarations whose
    /// every file name stays in its folder.
    pub fn ddm_read(data: &[u8]) {
        use std::sync::OnceLock;
        static DIR: OnceLock<std::path::PathBuf> = OnceLock::new();
        let dir = DIR.get_or_init(|| {
            let d = std::env::temp_dir().join(format!("pbkit-fuzz-ddm-{}", std::process::id()));
            std::fs::create_dir_all(d.join("declarations")).expect("a temporary folder");
            d
        });
        let declaration = dir.join("declarations/fuzz.json");
        std::fs::write(&declaration, data).expect("a temporary file");
        let _ = pbkit_ddm::lint::lint(&[declaration], &Default::default());
        std::fs::write(dir.join(pbkit_ddm::output::MANIFEST), data).expect("a temporary file");
        let _ = pbkit_ddm::output::previous(dir);
        if let Ok(profile) = pbkit_profile::Profile::from_plist(data) {
            let options = pbkit_ddm::Options {
                asset_base_url: "https://mdm.example.mil/assets/".into(),
                suite: pbkit_pkcs12::Suite::IosLegacy,
                predicate: None,
                previous: Default::default(),
            };
            if let Ok(set) = pbkit_ddm::convert(&profile, &options) {
                let names = set.declarations.iter().map(|d| &d.identifier);
                for name in names.chain(set.data.iter().map(|a| &a.file)) {
                    assert!(
                        pbkit_ddm::declaration::file_name_problem(name).is_none(),
                        "convert made a name that leaves its folder: {name:?}"
                    );
                }
            }
        }
    }

    /// Any TOML text: a spec parses or is refused; one that parses builds or is refused.
    pub fn spec_parse(data: &[u8]) {
        use pbkit_profile::{BuildContext, Spec};
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        if let Ok(spec) = Spec::parse(text, "fuzz.toml") {
            let ctx = BuildContext {
                base: "/nonexistent".into(),
                ..BuildContext::default()
            };
            if let Ok(p) = spec.build("fuzz.toml", &ctx) {
                let _ = p.to_xml();
            }
        }
    }

    /// Any CSV: rows deserialize into roster rows or are refused.
    pub fn roster_parse(data: &[u8]) {
        let mut reader = csv::Reader::from_reader(data);
        let Ok(headers) = reader.headers().cloned() else {
            return;
        };
        for record in reader.records().take(1000).flatten() {
            let _ = record.deserialize::<pbkit_rollout::Row>(Some(&headers));
        }
    }

    /// Any bytes as a key-sharing pack (zip or PKCS#12): opened or refused, never a panic,
    /// never more entries than the limit, and the limits hold before anything is inflated.
    pub fn keyshare_open(data: &[u8]) {
        use pbkit_keyshare::{open, MAX_ENTRIES};
        if let Ok(entries) = open(data, "fuzz.zip", &Password::new("password")) {
            assert!(entries.len() <= MAX_ENTRIES);
        }
    }

    /// Any bytes as a rollout journal: parsed without a panic; what parses, written back
    /// in the journal's own form, parses to the same.
    pub fn journal_parse(data: &[u8]) {
        use pbkit_rollout::journal::{line, parse};
        let done = parse(data);
        let mut text = Vec::new();
        for (user, digest) in &done {
            assert!(!user.is_empty() && !user.contains([' ', '\n']), "{user:?}");
            text.extend(line(user, digest));
            text.push(b'\n');
        }
        assert_eq!(parse(&text), done);
    }
}
