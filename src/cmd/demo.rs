use std::process::ExitCode;

use pbkit_demo::Demo;

use crate::flags::demo::*;

pub fn run(a: DemoArgs) -> anyhow::Result<ExitCode> {
    let out = match &a.out {
        Some(p) => p.clone(),
        None => std::env::temp_dir().join(format!("pbkit-demo-{}", std::process::id())),
    };
    let demo = Demo::new(&out).replace(a.force);
    let bar = crate::progress::bar(demo.steps(), "demo");
    let summary = demo.run(&|| bar.inc(1))?;
    bar.finish_and_clear();
    if a.json {
        super::print_json(&summary)?;
    } else {
        crate::out::text(&summary.to_string());
    }
    Ok(super::exit(summary.passed()))
}
