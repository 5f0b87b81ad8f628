//! Settings resolved once: flags, then the environment, then the config
//! file, then defaults, turned into typed values before any command runs.
//! Everything below the command line (the receiver, sync, the inspector)
//! takes a `Settings` and never sees flags or the environment.
//!
//! Each value remembers where it came from, so a bad one is reported by the
//! name the user wrote it under: `--store`, `ORDERSCOPE_PUSH_AES_KEY`, or
//! `push_aes_key in /etc/orderscope/config.toml:7`. Secrets (AppSecret, push
//! Token, EncodingAESKey) come only from the environment or the file, never
//! from flags (they would show in `ps`).
//!
//! The shop API and push settings are checked when a command asks for them,
//! so a half-configured receiver does not stop `orders` from working.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Result, anyhow, bail};

use crate::api::{Client, Credentials, TokenApi};
use crate::config::{ConfigFile, Secret, Values};
use crate::model::names::Lang;

/// What the command line said (flags, including those clap reads from
/// their own environment variable).
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub store: Option<PathBuf>,
    pub config: Option<PathBuf>,
    pub api_base: Option<String>,
    pub lang: Option<Lang>,
    pub listen: Option<String>,
    pub forward: Option<String>,
}

impl Flags {
    /// The config file asked for by `--config` or `ORDERSCOPE_CONFIG`, if any.
    pub fn config_path(&self) -> Option<PathBuf> {
        self.config.clone().or_else(|| std::env::var_os(env::CONFIG).filter(|v| !v.is_empty()).map(PathBuf::from))
    }
}

/// The environment variable of each setting.
pub mod env {
    pub const STORE: &str = "ORDERSCOPE_STORE";
    pub const CONFIG: &str = "ORDERSCOPE_CONFIG";
    pub const LANG: &str = "ORDERSCOPE_LANG";
    pub const APPID: &str = "ORDERSCOPE_APPID";
    pub const APPSECRET: &str = "ORDERSCOPE_APPSECRET";
    pub const API_BASE: &str = "ORDERSCOPE_API_BASE";
    pub const TOKEN_API: &str = "ORDERSCOPE_TOKEN_API";
    pub const RECENT_DAYS: &str = "ORDERSCOPE_RECENT_DAYS";
    pub const PUSH_TOKEN: &str = "ORDERSCOPE_PUSH_TOKEN";
    pub const PUSH_AES_KEY: &str = "ORDERSCOPE_PUSH_AES_KEY";
    pub const LISTEN: &str = "ORDERSCOPE_LISTEN";
    pub const FORWARD: &str = "ORDERSCOPE_FORWARD";
    pub const LOG: &str = "ORDERSCOPE_LOG";
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8090";
pub const DEFAULT_RECENT_DAYS: i64 = 3;

/// The shop API: where it is and how to get a token.
#[derive(Debug, Clone)]
pub struct ApiSettings {
    pub base: String,
    pub credentials: Credentials,
}

impl ApiSettings {
    pub fn client(&self) -> Client {
        let client = Client::new(&self.base, self.credentials.clone(), std::time::Duration::from_secs(15));
        // The demo shop's AppID is the one place its made-up orders are told apart.
        if self.credentials.appid == crate::demo::DEMO_APPID { client.made_up() } else { client }
    }
}

/// A value and the name it was given under (for messages about it).
#[derive(Clone)]
struct Given {
    value: String,
    origin: String,
}

/// Only where a value came from: some values are secrets, and a debug
/// print of the settings must never show one.
impl std::fmt::Debug for Given {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "({} = ***)", self.origin)
    }
}

#[derive(Debug)]
pub struct Settings {
    pub store: PathBuf,
    /// Where `store` came from (`--store`, the environment, the file, or the default).
    pub store_origin: String,
    pub lang: Lang,
    /// Whether the language was chosen (flag, environment, file) rather than taken from LANG.
    pub lang_chosen: bool,
    /// The config file that was read, if any.
    pub config_file: Option<PathBuf>,
    pub appid: Option<String>,
    /// How far back the inspector lists recently updated orders.
    pub recent_days: i64,
    pub forward: Option<String>,
    listen: Given,
    appsecret: Option<Given>,
    api_base: Option<Given>,
    token_api: Option<Given>,
    push_token: Option<Given>,
    push_aes_key: Option<Given>,
}

impl Settings {
    /// The store `store` names: a PostgreSQL URL or a SQLite file.
    pub fn store_location(&self) -> crate::store::Location {
        crate::store::Location::from_path(&self.store)
    }

    /// Reads the config file (`--config`, `ORDERSCOPE_CONFIG`, or the default
    /// path if it exists) and resolves every setting against the process's
    /// environment.
    pub fn load(flags: &Flags) -> Result<Settings> {
        let file = ConfigFile::load(flags.config_path().as_deref())?;
        Settings::resolve(flags, |k| std::env::var(k).ok(), file.as_ref())
    }

    /// The pure part: `env` looks up an environment variable.
    pub fn resolve(flags: &Flags, env: impl Fn(&str) -> Option<String>, file: Option<&ConfigFile>) -> Result<Settings> {
        let look = Lookup { env: &env, file };
        // A path from the flag is kept as the OS gave it (it need not be UTF-8).
        let store = match (&flags.store, look.pick(None, "--store", env::STORE, ("store", |v| &v.store))) {
            (Some(p), _) if p.as_os_str().is_empty() => bail!("--store is empty; give the store file's path"),
            (Some(p), _) => (p.clone(), "--store".to_string()),
            (None, Some(g)) if g.value.is_empty() => bail!("{} is empty; give the store file's path", g.origin),
            (None, Some(g)) => (PathBuf::from(g.value), g.origin),
            (None, None) => {
                let dirs = directories::ProjectDirs::from("", "", "orderscope")
                    .ok_or_else(|| anyhow!("cannot find a home directory for the default store; pass --store PATH"))?;
                (dirs.data_dir().join("orderscope.db"), "the default".to_string())
            }
        };
        let (lang, lang_chosen) = match flags.lang {
            Some(l) => (l, true),
            None => match look.pick(None, "--lang", env::LANG, ("lang", |v| &v.lang)) {
                Some(g) => (parse_lang(&g)?, true),
                None => {
                    let pick = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
                    let locale = pick("LC_ALL").or_else(|| pick("LC_MESSAGES")).or_else(|| pick("LANG"));
                    (Lang::of_locale(locale.as_deref()), false)
                }
            },
        };
        let recent_days = match (
            env(env::RECENT_DAYS).filter(|v| !v.is_empty()),
            file.and_then(|f| f.values.recent_days.as_ref().map(|d| (*d.get_ref(), f.place(d)))),
        ) {
            (Some(text), _) => {
                let days = text.trim().parse::<i64>().ok().filter(|d| *d > 0).ok_or_else(|| {
                    anyhow!("{} {text:?} is not a number of days; write a whole number like 3", env::RECENT_DAYS)
                })?;
                check_days(days, env::RECENT_DAYS)?
            }
            (None, Some((days, place))) => check_days(days, &format!("recent_days in {place}"))?,
            (None, None) => DEFAULT_RECENT_DAYS,
        };
        let forward = look.pick(flags.forward.clone(), "--forward", env::FORWARD, ("forward", |v| &v.forward));
        if let Some(f) = &forward {
            check_http_url(f)?;
        }
        let listen = look
            .pick(flags.listen.clone(), "--listen", env::LISTEN, ("listen", |v| &v.listen))
            .unwrap_or(Given { value: DEFAULT_LISTEN.into(), origin: "the default".into() });
        Ok(Settings {
            store: store.0,
            store_origin: store.1,
            lang,
            lang_chosen,
            config_file: file.map(|f| f.path.clone()),
            appid: look.pick(None, "", env::APPID, ("appid", |v| &v.appid)).map(|g| g.value),
            recent_days,
            forward: forward.map(|g| g.value),
            listen,
            appsecret: look.pick(None, "", env::APPSECRET, ("appsecret", |v| &v.appsecret)),
            api_base: look.pick(flags.api_base.clone(), "--api-base", env::API_BASE, ("api_base", |v| &v.api_base)),
            token_api: look.pick(None, "", env::TOKEN_API, ("token_api", |v| &v.token_api)),
            push_token: look.pick(None, "", env::PUSH_TOKEN, ("push_token", |v| &v.push_token)),
            push_aes_key: look.pick(None, "", env::PUSH_AES_KEY, ("push_aes_key", |v| &v.push_aes_key)),
        })
    }

    /// The address `serve` listens on.
    pub fn listen(&self) -> Result<SocketAddr> {
        let Given { value, origin } = &self.listen;
        value.parse().map_err(|_| anyhow!("{origin} {value:?} is not an address like {DEFAULT_LISTEN}"))
    }

    /// The shop API settings when both AppID and AppSecret are set; `None`
    /// when either is missing; an error when a value given is unusable.
    pub fn api(&self) -> Result<Option<ApiSettings>> {
        let (Some(appid), Some(secret)) = (&self.appid, &self.appsecret) else {
            return Ok(None);
        };
        let base = match &self.api_base {
            Some(g) => {
                check_http_url(g)?;
                g.value.trim_end_matches('/').to_string()
            }
            None => crate::api::DEFAULT_BASE.to_string(),
        };
        let token_api = match &self.token_api {
            None => TokenApi::Stable,
            Some(g) => match g.value.as_str() {
                "stable_token" => TokenApi::Stable,
                "token" => TokenApi::Classic,
                other => bail!("{} must be \"stable_token\" or \"token\", not {other:?}", g.origin),
            },
        };
        Ok(Some(ApiSettings {
            base,
            credentials: Credentials { appid: appid.clone(), secret: Secret::new(secret.value.clone()), token_api },
        }))
    }

    /// The shop API settings, or an error saying which credential is missing.
    pub fn require_api(&self) -> Result<ApiSettings> {
        match self.api()? {
            Some(api) => Ok(api),
            None if self.appid.is_none() => bail!("{}", self.missing(env::APPID, "appid")),
            None => bail!("{}", self.missing(env::APPSECRET, "appsecret")),
        }
    }

    /// The receiver's Token, EncodingAESKey (decoded) and AppID.
    pub fn receiver(&self) -> Result<crate::receiver::Settings> {
        let token =
            self.push_token.as_ref().ok_or_else(|| anyhow!("{}", self.missing(env::PUSH_TOKEN, "push_token")))?;
        let key =
            self.push_aes_key.as_ref().ok_or_else(|| anyhow!("{}", self.missing(env::PUSH_AES_KEY, "push_aes_key")))?;
        let decoded = crate::crypto::decode_key(&key.value).map_err(|e| anyhow!("{}: {e}", key.origin))?;
        let appid = self.appid.clone().ok_or_else(|| anyhow!("{}", self.missing(env::APPID, "appid")))?;
        Ok(crate::receiver::Settings { token: Secret::new(token.value.clone()), key: decoded, appid })
    }

    fn missing(&self, env: &str, key: &str) -> String {
        match &self.config_file {
            Some(p) => format!("{env} is not set and {} has no {key}; set one of them", p.display()),
            None => {
                format!("{env} is not set; set it, or put {key} in a config file (`orderscope config init` writes one)")
            }
        }
    }
}

/// A file key's accessor.
type FileKey = fn(&Values) -> &Option<toml::Spanned<String>>;

struct Lookup<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    file: Option<&'a ConfigFile>,
}

impl Lookup<'_> {
    /// The flag, else the environment variable (when not empty), else the file's key.
    fn pick(
        &self,
        flag: Option<String>,
        flag_name: &str,
        env: &'static str,
        (name, key): (&str, FileKey),
    ) -> Option<Given> {
        if let Some(value) = flag {
            return Some(Given { value, origin: flag_name.to_string() });
        }
        if let Some(value) = (self.env)(env).filter(|v| !v.is_empty()) {
            return Some(Given { value, origin: env.to_string() });
        }
        let file = self.file?;
        key(&file.values)
            .as_ref()
            .map(|v| Given { value: v.get_ref().clone(), origin: format!("{name} in {}", file.place(v)) })
    }
}

fn parse_lang(g: &Given) -> Result<Lang> {
    match g.value.to_ascii_lowercase().as_str() {
        "zh" => Ok(Lang::Zh),
        "en" => Ok(Lang::En),
        other => bail!("{} must be \"zh\" or \"en\", not {other:?}", g.origin),
    }
}

fn check_days(days: i64, origin: &str) -> Result<i64> {
    if !(1..=365).contains(&days) {
        bail!("{origin} is {days}; give a number of days from 1 to 365");
    }
    Ok(days)
}

/// An http(s) URL, with a message that says how to write one.
fn check_http_url(g: &Given) -> Result<()> {
    let value = &g.value;
    match reqwest::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
        Ok(u) => bail!("{} {value:?} must be an http:// or https:// URL, not {}:", g.origin, u.scheme()),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            bail!("{} {value:?} has no scheme; write it in full, like https://{value}", g.origin)
        }
        Err(e) => bail!("{} {value:?} is not a URL: {e}", g.origin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;

    const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

    fn resolve(flags: &Flags, env: &[(&str, &str)], file: Option<&str>) -> Result<Settings> {
        let env: HashMap<String, String> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let file = file.map(|t| crate::config::parse(t, Path::new("/etc/os.toml")).unwrap());
        Settings::resolve(flags, |k| env.get(k).cloned(), file.as_ref())
    }

    #[test]
    fn flags_beat_the_environment_which_beats_the_file() {
        let file = "store = \"/file.db\"\napi_base = \"http://file\"\nrecent_days = 5\nlang = \"en\"\n";
        let s = resolve(&Flags::default(), &[], Some(file)).unwrap();
        assert_eq!(s.store, PathBuf::from("/file.db"));
        assert_eq!(s.store_origin, "store in /etc/os.toml:1");
        assert_eq!((s.recent_days, s.lang, s.lang_chosen), (5, Lang::En, true));
        let s = resolve(&Flags::default(), &[(env::STORE, "/env.db"), (env::RECENT_DAYS, "2")], Some(file)).unwrap();
        assert_eq!((s.store.as_path(), s.recent_days), (Path::new("/env.db"), 2));
        let flags = Flags { store: Some("/flag.db".into()), ..Flags::default() };
        let s = resolve(&flags, &[(env::STORE, "/env.db")], Some(file)).unwrap();
        assert_eq!(s.store, PathBuf::from("/flag.db"));
        // An empty variable counts as unset.
        let s = resolve(&Flags::default(), &[(env::STORE, "")], Some(file)).unwrap();
        assert_eq!(s.store, PathBuf::from("/file.db"));
    }

    #[test]
    fn the_api_needs_both_credentials_and_says_which_is_missing() {
        let s = resolve(&Flags::default(), &[(env::APPID, "wx1")], None).unwrap();
        assert!(s.api().unwrap().is_none());
        let e = s.require_api().unwrap_err().to_string();
        assert!(e.starts_with("ORDERSCOPE_APPSECRET is not set"), "{e}");
        let s = resolve(&Flags::default(), &[(env::APPSECRET, "s")], Some("appid = \"wx1\"\n")).unwrap();
        let api = s.require_api().unwrap();
        assert_eq!((api.base.as_str(), api.credentials.token_api), (crate::api::DEFAULT_BASE, TokenApi::Stable));
        let e = resolve(&Flags::default(), &[(env::APPSECRET, "s")], Some("appid = \"wx1\"\n"))
            .and_then(|s| s.receiver().map(|_| ()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("ORDERSCOPE_PUSH_TOKEN is not set and /etc/os.toml has no push_token"), "{e}");
    }

    #[test]
    fn unusable_values_are_named_as_written() {
        let file = "appid = \"wx1\"\nappsecret = \"s\"\ntoken_api = \"stable\"\npush_token = \"t\"\npush_aes_key = \"short\"\n";
        let s = resolve(&Flags::default(), &[], Some(file)).unwrap();
        let e = s.api().unwrap_err().to_string();
        assert_eq!(e, "token_api in /etc/os.toml:3 must be \"stable_token\" or \"token\", not \"stable\"");
        let e = s.receiver().err().unwrap().to_string();
        assert!(e.starts_with("push_aes_key in /etc/os.toml:5: "), "{e}");
        assert!(!e.contains("short"), "the key itself never shows: {e}");
        let s = resolve(&Flags::default(), &[(env::PUSH_AES_KEY, "short")], Some(file)).unwrap();
        assert!(s.receiver().err().unwrap().to_string().starts_with("ORDERSCOPE_PUSH_AES_KEY: "));
        let s = resolve(&Flags::default(), &[(env::PUSH_AES_KEY, KEY)], Some(file)).unwrap();
        assert_eq!(s.receiver().unwrap().appid, "wx1");
    }

    #[test]
    fn urls_and_addresses_are_checked_with_a_fix() {
        let flags = Flags { api_base: Some("api.weixin.qq.com".into()), ..Flags::default() };
        let s = resolve(&flags, &[(env::APPID, "wx1"), (env::APPSECRET, "s")], None).unwrap();
        let e = s.api().unwrap_err().to_string();
        assert!(
            e.contains("--api-base \"api.weixin.qq.com\" has no scheme") && e.contains("https://api.weixin"),
            "{e}"
        );
        let e = resolve(&Flags::default(), &[(env::FORWARD, "ftp://x/")], None).unwrap_err().to_string();
        assert!(e.starts_with("ORDERSCOPE_FORWARD \"ftp://x/\" must be an http"), "{e}");
        let s = resolve(&Flags::default(), &[], Some("listen = \"8090\"\n")).unwrap();
        assert_eq!(
            s.listen().unwrap_err().to_string(),
            "listen in /etc/os.toml:1 \"8090\" is not an address like 127.0.0.1:8090"
        );
        let s = resolve(&Flags::default(), &[], None).unwrap();
        assert_eq!(s.listen().unwrap().to_string(), DEFAULT_LISTEN);
    }

    #[test]
    fn a_debug_print_shows_no_secret() {
        let s = resolve(&Flags::default(), &[(env::APPSECRET, "hunter2"), (env::PUSH_TOKEN, "tok3n")], None).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("hunter2") && !shown.contains("tok3n"), "{shown}");
        assert!(shown.contains("ORDERSCOPE_APPSECRET = ***"), "{shown}");
    }

    #[test]
    fn bad_general_values_are_refused_at_once() {
        let e = resolve(&Flags::default(), &[(env::RECENT_DAYS, "three")], None).unwrap_err().to_string();
        assert!(e.starts_with("ORDERSCOPE_RECENT_DAYS \"three\""), "{e}");
        let e = resolve(&Flags::default(), &[], Some("recent_days = 0\n")).unwrap_err().to_string();
        assert!(e.starts_with("recent_days in /etc/os.toml:1 is 0"), "{e}");
        let e = resolve(&Flags::default(), &[(env::LANG, "fr")], None).unwrap_err().to_string();
        assert_eq!(e, "ORDERSCOPE_LANG must be \"zh\" or \"en\", not \"fr\"");
    }
}
