//! Any bytes as a profile: plist or CMS-signed, read, verified and linted without panics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use pbkit_profile::{lint, verify, LintOptions, Profile};

fuzz_target!(|data: &[u8]| {
    let (_, content) = verify(data, &[]);
    if let Some(plist) = content {
        if let Ok(p) = Profile::from_plist(&plist) {
            // What reads back must write and read back the same.
            let again = Profile::from_plist(&p.to_xml()).expect("pbkit reads what it writes");
            assert_eq!(again, p);
        }
        let _ = lint(&plist, data.len(), &LintOptions::default());
    }
});
