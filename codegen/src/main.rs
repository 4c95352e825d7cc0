//! `axme-codegen [--check | --time] [--root DIR]`: writes every output generated from
//! `spec/openapi.yaml`; `--check` lists stale outputs and exits 1; `--time` measures generation.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

fn main() -> ExitCode {
    let mut check = false;
    let mut time = false;
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--check" => check = true,
            "--time" => time = true,
            "--root" => match args.next() {
                Some(r) => root = PathBuf::from(r),
                None => return usage("--root needs a directory"),
            },
            "-h" | "--help" => {
                println!("usage: axme-codegen [--check | --time] [--root DIR]");
                return ExitCode::SUCCESS;
            }
            other => return usage(&format!("unknown argument {other:?}")),
        }
    }
    if time {
        return timing(&root);
    }
    let outputs = match axme_codegen::generate_in(&root) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("axme-codegen: {e}");
            return ExitCode::FAILURE;
        }
    };
    if check {
        let stale = axme_codegen::stale(&root, &outputs);
        if stale.is_empty() {
            println!("axme-codegen: {} outputs are up to date", outputs.len());
            return ExitCode::SUCCESS;
        }
        eprintln!("axme-codegen: stale outputs (run `cargo run -p axme-codegen`):");
        for o in stale {
            eprintln!("  {}", o.path);
        }
        return ExitCode::FAILURE;
    }
    match axme_codegen::write(&root, &outputs) {
        Ok(changed) => {
            for o in &changed {
                println!("wrote {}", o.path);
            }
            println!(
                "axme-codegen: {} outputs, {} changed",
                outputs.len(),
                changed.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("axme-codegen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("axme-codegen: {message}\nusage: axme-codegen [--check | --time] [--root DIR]");
    ExitCode::from(2)
}

/// Reads the spec and renders every output (no writes) 20 times; prints the best and mean.
fn timing(root: &std::path::Path) -> ExitCode {
    const RUNS: u32 = 20;
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    for _ in 0..RUNS {
        let start = Instant::now();
        if let Err(e) = axme_codegen::generate_in(root) {
            eprintln!("axme-codegen: {e}");
            return ExitCode::FAILURE;
        }
        let took = start.elapsed();
        best = best.min(took);
        total += took;
    }
    println!(
        "axme-codegen: generating every output (read spec, parse, model, render) took {:.1} ms best, {:.1} ms mean over {RUNS} runs",
        best.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / f64::from(RUNS),
    );
    ExitCode::SUCCESS
}
