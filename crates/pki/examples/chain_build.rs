//! Builds a certificate path from a leaf to an anchor through a pool, and prints why
//! every other candidate failed.
//!
//! `cargo run -p pbkit-pki --example chain_build -- LEAF ANCHOR POOL_FILE... [--at 2018-01-01T00:00:00Z]`

use pbkit_pki::bundle;
use pbkit_pki::path::{build_path, PathOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut at = time::OffsetDateTime::now_utc();
    if let Some(i) = args.iter().position(|a| a == "--at") {
        at = time::OffsetDateTime::parse(
            &args[i + 1],
            &time::format_description::well_known::Rfc3339,
        )?;
        args.drain(i..i + 2);
    }
    let [leaf, anchor, pool @ ..] = args.as_slice() else {
        return Err("usage: chain_build LEAF ANCHOR POOL_FILE...".into());
    };
    let leaf = bundle::read_file(leaf)?.remove(0);
    let anchors = bundle::read_file(anchor)?;
    let pool: Vec<_> = pool
        .iter()
        .map(bundle::read_file)
        .collect::<Result<Vec<_>, _>>()?
        .concat();
    let out = build_path(&leaf, &pool, &anchors, &PathOptions::new(at))?;
    match &out.best {
        Some(p) => {
            for c in &p.certificates {
                println!("path: {}", c.facts()?.subject);
            }
            println!("anchor: {}", p.anchor.facts()?.subject);
        }
        None => println!("no valid path"),
    }
    for r in &out.rejected {
        println!("rejected: {}: {}", r.path.join(" <- "), r.reason);
    }
    Ok(())
}
