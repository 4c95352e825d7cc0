//! `axme-codegen [--check | --time | --print-waist] [--root DIR] [--waist LIBRARY]`: writes every
//! output generated from `spec/openapi.yaml` and the waist; `--check` lists stale outputs and exits
//! 1; `--time` measures generation; `--print-waist` prints the waist as templates see it. The waist is read from the `axme-ffi` library: `--waist` names it, else
//! the debug build under the target directory is built (`cargo build -p axme-ffi`) and read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: axme-codegen [--check | --time | --print-waist] [--root DIR] [--waist LIBRARY]";

fn main() -> ExitCode {
    let mut check = false;
    let mut time = false;
    let mut print_waist = false;
    let mut root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut waist: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--check" => check = true,
            "--time" => time = true,
            "--print-waist" => print_waist = true,
            "--root" | "--waist" => match args.next() {
                Some(v) if a == "--root" => root = PathBuf::from(v),
                Some(v) => waist = Some(PathBuf::from(v)),
                None => return usage(&format!("{a} needs a path")),
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            other => return usage(&format!("unknown argument {other:?}")),
        }
    }
    let waist = match waist {
        Some(w) => w,
        None => match build_waist_library(&root) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("axme-codegen: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    if time {
        return timing(&root, &waist);
    }
    if print_waist {
        // The waist as templates see it (`waist` in their context), for template authors.
        return match axme_codegen::Waist::load(&waist) {
            Ok(w) => {
                println!("{}", serde_json::to_string_pretty(&w).unwrap_or_default());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("axme-codegen: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let outputs = match axme_codegen::generate_in(&root, Some(&waist)) {
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

/// Builds the debug `axme-ffi` library (cargo skips it when it is fresh) and returns its path.
/// Built together with the server and the conformance runner, as `./dev` builds them
/// (`build_native`), so their shared dependencies keep one feature set and compile once.
fn build_waist_library(root: &Path) -> Result<PathBuf, String> {
    let status = axme_codegen::native::build_command(root)
        .status()
        .map_err(|e| format!("cannot run cargo to build axme-ffi: {e}"))?;
    if !status.success() {
        return Err("`cargo build -p axme-ffi` failed".into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let lib = target.join("debug").join(axme_codegen::waist::LIBRARY_FILE);
    if !lib.exists() {
        return Err(format!("{} is missing after the build", lib.display()));
    }
    Ok(lib)
}

fn usage(message: &str) -> ExitCode {
    eprintln!("axme-codegen: {message}\n{USAGE}");
    ExitCode::from(2)
}

/// Reads the spec and the waist and renders every output (no writes) 20 times; prints the best
/// and mean.
fn timing(root: &Path, waist: &Path) -> ExitCode {
    const RUNS: u32 = 20;
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    for _ in 0..RUNS {
        let start = Instant::now();
        if let Err(e) = axme_codegen::generate_in(root, Some(waist)) {
            eprintln!("axme-codegen: {e}");
            return ExitCode::FAILURE;
        }
        let took = start.elapsed();
        best = best.min(took);
        total += took;
    }
    println!(
        "axme-codegen: generating every output (read spec and waist, parse, model, render) took {:.1} ms best, {:.1} ms mean over {RUNS} runs",
        best.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / f64::from(RUNS),
    );
    ExitCode::SUCCESS
}
