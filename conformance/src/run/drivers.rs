//! `conformance/drivers/drivers.yaml`: how to start each SDK's driver. `{exe}` is this runner's
//! executable, `${VAR:-default}` reads the environment, and a relative path that starts with
//! `./` or names an existing file under the repository root is made absolute against it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DriverSpec {
    pub command: Vec<String>,
    /// What to run so the driver can start; shown when it cannot.
    pub prepare: String,
}

/// Drivers by SDK name, in name order.
pub fn load(path: &Path) -> anyhow::Result<BTreeMap<String, DriverSpec>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let drivers: BTreeMap<String, DriverSpec> = serde_yaml::from_str(&text).map_err(|e| {
        anyhow!(
            "{}: {e} (expected `<sdk>: {{command: [argv…], prepare: \"…\"}}`)",
            path.display()
        )
    })?;
    for (name, d) in &drivers {
        if d.command.is_empty() {
            bail!("{}: driver {name} has an empty command", path.display());
        }
    }
    Ok(drivers)
}

/// The argv of a driver with placeholders expanded.
pub fn expand(
    spec: &DriverSpec,
    exe: &Path,
    repo: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<String>> {
    spec.command
        .iter()
        .map(|arg| {
            let arg = arg.replace("{exe}", &exe.to_string_lossy());
            let arg = expand_env(&arg, &env)?;
            Ok(resolve_path(&arg, repo))
        })
        .collect()
}

fn expand_env(s: &str, env: &impl Fn(&str) -> Option<String>) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| anyhow!("unterminated ${{ in {s:?}"))?;
        let inner = &after[..end];
        let (name, default) = match inner.split_once(":-") {
            Some((n, d)) => (n, Some(d)),
            None => (inner, None),
        };
        match env(name)
            .filter(|v| !v.is_empty())
            .or(default.map(str::to_string))
        {
            Some(v) => out.push_str(&v),
            None => bail!("{s:?} needs the environment variable {name}"),
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn resolve_path(arg: &str, repo: &Path) -> String {
    let p = Path::new(arg);
    if p.is_absolute() || arg.starts_with('-') {
        return arg.to_string();
    }
    let candidate: PathBuf = repo.join(arg.strip_prefix("./").unwrap_or(arg));
    if arg.starts_with("./") || (arg.contains('/') && candidate.exists()) {
        return candidate.to_string_lossy().into_owned();
    }
    arg.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_paths() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let spec = DriverSpec {
            command: vec![
                "{exe}".into(),
                "${PY:-target/no-such-venv/bin/python}".into(),
                "conformance/drivers/drivers.yaml".into(),
                "./x".into(),
                "node".into(),
                "--flag".into(),
            ],
            prepare: "p".into(),
        };
        let env = |n: &str| (n == "HOME").then(|| "/h".to_string());
        let argv = expand(&spec, Path::new("/bin/runner"), repo, env).unwrap();
        assert_eq!(argv[0], "/bin/runner");
        assert_eq!(
            argv[1], "target/no-such-venv/bin/python",
            "missing files stay relative"
        );
        assert_eq!(
            Path::new(&argv[2]),
            repo.join("conformance/drivers/drivers.yaml")
        );
        assert_eq!(Path::new(&argv[3]), repo.join("x"));
        assert_eq!(argv[4], "node");
        assert_eq!(argv[5], "--flag");
        let with_env = DriverSpec {
            command: vec!["${PY:-x}".into()],
            prepare: "p".into(),
        };
        let argv = expand(&with_env, Path::new("/r"), repo, |_| {
            Some("/usr/bin/python3".into())
        })
        .unwrap();
        assert_eq!(argv, ["/usr/bin/python3"]);
        let needs = DriverSpec {
            command: vec!["${NOPE}".into()],
            prepare: "p".into(),
        };
        assert!(expand(&needs, Path::new("/r"), repo, |_| None)
            .unwrap_err()
            .to_string()
            .contains("NOPE"));
    }

    #[test]
    fn the_repository_file_loads() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let d = load(&repo.join("drivers/drivers.yaml")).unwrap();
        assert!(d.contains_key("rust") && d.contains_key("python") && d.contains_key("typescript"));
    }
}
