//! The config file: TOML, parsed by the `toml` crate into known keys only
//! (an unknown key is refused, so a typo never silently does nothing), with
//! the file's line named in every error. A file that holds secrets must be
//! readable by its owner alone. What the values mean, and how they combine
//! with flags and the environment, is `settings`' job.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

/// A value that must never reach a log, a screen or an error message.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The value itself, for the one place that needs it (signing, a request body).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// The commented example `config init` writes.
pub const EXAMPLE: &str = include_str!("../assets/config.example.toml");

/// The keys a config file may hold. Every value is optional here; which
/// ones a command needs is decided when it asks for them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Values {
    pub store: Option<Spanned<String>>,
    pub lang: Option<Spanned<String>>,
    pub appid: Option<Spanned<String>>,
    pub appsecret: Option<Spanned<String>>,
    pub api_base: Option<Spanned<String>>,
    pub token_api: Option<Spanned<String>>,
    pub recent_days: Option<Spanned<i64>>,
    pub push_token: Option<Spanned<String>>,
    pub push_aes_key: Option<Spanned<String>>,
    pub listen: Option<Spanned<String>>,
    pub forward: Option<Spanned<String>>,
}

impl Values {
    fn has_secret(&self) -> bool {
        self.appsecret.is_some() || self.push_token.is_some() || self.push_aes_key.is_some()
    }
}

/// A parsed config file and where it came from.
#[derive(Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub values: Values,
    /// Byte offsets where each line starts, to turn spans into line numbers.
    line_starts: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

/// 1-based line of a byte offset.
fn line_at(starts: &[usize], offset: usize) -> usize {
    starts.partition_point(|&s| s <= offset).max(1)
}

/// Parses the file's text; errors read `PATH:LINE: what is wrong`.
pub fn parse(text: &str, path: &Path) -> Result<ConfigFile, ConfigError> {
    let starts = line_starts(text);
    let values: Values = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_at(&starts, s.start)).unwrap_or(1);
        // The crate's message may span lines (it quotes the source); the
        // first line is the one that says what is wrong.
        let message = e.message().lines().next().unwrap_or("").trim_end_matches('.');
        let message = message.replace('`', "").replace("expected i64", "expected a whole number");
        ConfigError(format!("{}:{line}: {message}", path.display()))
    })?;
    Ok(ConfigFile { path: path.to_path_buf(), values, line_starts: starts })
}

/// The largest config file read: a real one is a few kilobytes, and a
/// path such as `/dev/zero` or a pipe that never ends must not be read
/// until memory runs out.
const MAX_CONFIG_BYTES: u64 = 1 << 20;

/// The file's text, refused past `MAX_CONFIG_BYTES` without reading more.
fn read_bounded(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let cannot = |e: std::io::Error| {
        let fix =
            if e.kind() == std::io::ErrorKind::NotFound { "; create one with `orderscope config init`" } else { "" };
        ConfigError(format!("cannot read config {}: {e}{fix}", path.display()))
    };
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError(format!(
            "config {} is larger than {} KiB: not a config file",
            path.display(),
            MAX_CONFIG_BYTES / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| ConfigError(format!("config {} is not UTF-8 text", path.display())))
}

/// `~/.config/orderscope/config.toml` (or under `$XDG_CONFIG_HOME`).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "orderscope").map(|d| d.config_dir().join("config.toml"))
}

impl ConfigFile {
    /// Loads the file at `explicit` (which must exist), else the default
    /// file if there is one, else nothing.
    pub fn load(explicit: Option<&Path>) -> Result<Option<ConfigFile>, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match default_path() {
                Some(p) if p.exists() => p,
                _ => return Ok(None),
            },
        };
        let text = read_bounded(&path)?;
        let file = parse(&text, &path)?;
        if file.values.has_secret() {
            check_private(&path)?;
        }
        Ok(Some(file))
    }

    /// `PATH:LINE` of a value, for messages about it.
    pub fn place<T>(&self, value: &Spanned<T>) -> String {
        format!("{}:{}", self.path.display(), line_at(&self.line_starts, value.span().start))
    }
}

/// Refuses a file that others can read: it holds secrets.
pub fn check_private(path: &Path) -> Result<(), ConfigError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).map(|m| m.permissions().mode()).unwrap_or(0);
    if mode & 0o077 != 0 {
        return Err(ConfigError(format!(
            "config {} holds secrets but others can read it (mode {:o}); run: chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

/// Writes the commented example to `path` with mode 600, creating its
/// directory; refuses to overwrite an existing file unless `force`.
pub fn write_example(path: &Path, force: bool) -> Result<(), ConfigError> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| ConfigError(format!("cannot create the directory {}: {e}", dir.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).mode(0o600);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            ConfigError(format!("{} already exists; edit it, or pass --force to replace it", path.display()))
        } else {
            ConfigError(format!("cannot write {}: {e}", path.display()))
        }
    })?;
    // `mode` applies only to a new file; an overwritten one is made private too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))
        .and_then(|_| file.write_all(EXAMPLE.as_bytes()))
        .and_then(|_| file.sync_all())
        .map_err(|e| ConfigError(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(text, Path::new("c.toml")).unwrap_err().0
    }

    #[test]
    fn parses_toml_with_trailing_comments_and_numbers() {
        let f = parse("# shop\nappid = \"wx1\"  # the shop\n\nrecent_days = 3\n", Path::new("c.toml")).unwrap();
        assert_eq!(f.values.appid.as_ref().unwrap().get_ref(), "wx1");
        assert_eq!(*f.values.recent_days.as_ref().unwrap().get_ref(), 3);
        assert_eq!(f.place(f.values.recent_days.as_ref().unwrap()), "c.toml:4");
    }

    #[test]
    fn errors_name_the_line() {
        let e = err("appid = \"wx1\"\n\napp_id = \"x\"\n");
        assert!(e.starts_with("c.toml:3: unknown field app_id"), "{e}");
        assert!(e.contains("appid"), "{e}");
        assert!(err("appid = wx1").starts_with("c.toml:1: "), "{}", err("appid = wx1"));
        let e = err("store = \"/x\"\nrecent_days = \"3\"\n");
        assert_eq!(e, "c.toml:2: invalid type: string \"3\", expected a whole number");
        assert!(err("appid = \"wx1").starts_with("c.toml:1: "));
        assert!(!err("appid = 1\n").contains('\n'));
    }

    #[test]
    fn the_example_parses_and_sets_nothing() {
        let f = parse(EXAMPLE, Path::new("example")).unwrap();
        assert!(f.values.appid.is_none() && !f.values.has_secret(), "the example must hold no live values");
    }

    #[test]
    fn secrets_never_print() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s} {s:?}"), "*** ***");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn a_world_readable_file_with_secrets_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "push_token = \"t\"\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = ConfigFile::load(Some(&p)).unwrap_err().0;
        assert!(e.contains("chmod 600"), "{e}");
        assert!(!e.contains("\"t\""));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(ConfigFile::load(Some(&p)).unwrap().is_some());
    }

    #[test]
    fn the_example_is_written_private_and_never_over_a_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/config.toml");
        write_example(&p, false).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), EXAMPLE);
        std::fs::write(&p, "appid = \"mine\"\n").unwrap();
        let e = write_example(&p, false).unwrap_err().0;
        assert!(e.contains("already exists") && e.contains("--force"), "{e}");
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "appid = \"mine\"\n");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_example(&p, true).unwrap();
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
