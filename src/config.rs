//! Settings from the environment and an optional config file. Flags beat
//! the environment, which beats the file. Secrets (AppSecret, push Token,
//! EncodingAESKey) come only from the environment or a file readable by its
//! owner alone, never from flags (they would show in `ps`), and are never
//! printed: `Secret`'s Debug and Display say `***`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// Keys the config file may hold, and whether each is a secret.
const KEYS: &[(&str, bool)] = &[
    ("store", false),
    ("appid", false),
    ("appsecret", true),
    ("push_token", true),
    ("push_aes_key", true),
    ("api_base", false),
    ("token_api", false),
    ("listen", false),
    ("forward", false),
    ("recent_days", false),
];

#[derive(Debug, Clone, Default)]
pub struct Config {
    pub path: Option<PathBuf>,
    values: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Parses the file's text: `key = "value"` or `key = 123` lines, `#` comments.
pub fn parse(text: &str, path: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
    let mut out = BTreeMap::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let where_ = format!("{}:{}", path.display(), i + 1);
        let Some((key, value)) = line.split_once('=') else {
            return Err(ConfigError(format!("{where_}: expected key = \"value\"")));
        };
        let key = key.trim();
        if !KEYS.iter().any(|(k, _)| *k == key) {
            let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
            return Err(ConfigError(format!("{where_}: unknown key {key:?} (known: {})", known.join(", "))));
        }
        let value = value.trim();
        let value = if let Some(inner) = value.strip_prefix('"') {
            inner
                .strip_suffix('"')
                .ok_or_else(|| ConfigError(format!("{where_}: the value of {key} has no closing quote")))?
                .to_string()
        } else if !value.is_empty() && value.chars().all(|c| c.is_ascii_digit()) {
            value.to_string()
        } else {
            return Err(ConfigError(format!("{where_}: the value of {key} must be a \"quoted string\" or a number")));
        };
        out.insert(key.to_string(), value);
    }
    Ok(out)
}

impl Config {
    /// Loads the file at `explicit` (which must exist), else the default
    /// `~/.config/orderscope/config.toml` if there is one.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match directories::ProjectDirs::from("", "", "orderscope") {
                Some(d) if d.config_dir().join("config.toml").exists() => d.config_dir().join("config.toml"),
                _ => return Ok(Config::default()),
            },
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| ConfigError(format!("cannot read config {}: {e}", path.display())))?;
        let values = parse(&text, &path)?;
        let has_secret = values.keys().any(|k| KEYS.iter().any(|(name, secret)| name == k && *secret));
        if has_secret {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).map(|m| m.permissions().mode()).unwrap_or(0);
            if mode & 0o077 != 0 {
                return Err(ConfigError(format!(
                    "config {} holds secrets but others can read it (mode {:o}); run: chmod 600 {}",
                    path.display(),
                    mode & 0o777,
                    path.display()
                )));
            }
        }
        Ok(Config { path: Some(path), values })
    }

    /// The environment variable, else the file's key.
    pub fn get(&self, env: &str, key: &str) -> Option<String> {
        std::env::var(env).ok().filter(|v| !v.is_empty()).or_else(|| self.values.get(key).cloned())
    }

    pub fn secret(&self, env: &str, key: &str) -> Option<Secret> {
        self.get(env, key).map(Secret)
    }

    /// A required setting, with an error naming both places it can come from.
    pub fn require(&self, env: &str, key: &str) -> Result<String, ConfigError> {
        self.get(env, key).ok_or_else(|| ConfigError(self.missing(env, key)))
    }

    pub fn require_secret(&self, env: &str, key: &str) -> Result<Secret, ConfigError> {
        self.secret(env, key).ok_or_else(|| ConfigError(self.missing(env, key)))
    }

    fn missing(&self, env: &str, key: &str) -> String {
        match &self.path {
            Some(p) => format!("{env} is not set and {} has no {key}", p.display()),
            None => format!("{env} is not set (or put {key} in a config file, see --config)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_strings_numbers_and_comments() {
        let v = parse("# shop\nappid = \"wx1\"\n\nrecent_days = 3\n", Path::new("c")).unwrap();
        assert_eq!(v["appid"], "wx1");
        assert_eq!(v["recent_days"], "3");
    }

    #[test]
    fn bad_lines_name_the_line_and_key() {
        assert_eq!(parse("appid wx1", Path::new("c")).unwrap_err().0, "c:1: expected key = \"value\"");
        assert!(parse("\napp_id = \"x\"", Path::new("c")).unwrap_err().0.starts_with("c:2: unknown key \"app_id\""));
        assert!(parse("appid = wx1", Path::new("c")).unwrap_err().0.contains("must be a \"quoted string\""));
        assert!(parse("appid = \"wx1", Path::new("c")).unwrap_err().0.contains("no closing quote"));
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
        let dir = std::env::temp_dir().join(format!("orderscope-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("config.toml");
        std::fs::write(&p, "push_token = \"t\"\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = Config::load(Some(&p)).unwrap_err().0;
        assert!(e.contains("chmod 600"), "{e}");
        assert!(!e.contains("\"t\""));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(Config::load(Some(&p)).is_ok());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
