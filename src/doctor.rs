//! `orderscope doctor`: checks a setup end to end, the way it will be used:
//! the config file is readable and private, the settings make sense, the
//! store opens (without creating or changing it), the shop credentials get a
//! token, and the receiver answers a signed URL verification. Each line says
//! ok, or what failed and how to fix it.

use std::time::Duration;

use anyhow::Result;

use crate::config::ConfigFile;
use crate::settings::{Flags, Settings, env};
use crate::store::{OpenMode, Store};

/// The outcome of one check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Ok(String),
    /// Not checked, and why (not configured, so not needed).
    Skipped(String),
    /// What failed, and the fix.
    Failed(String, String),
}

/// Runs every check, prints one line per check, and returns whether none failed.
pub fn run(flags: &Flags, url: Option<&str>) -> Result<bool> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let mut out = std::io::stdout().lock();
    let mut ok = true;
    let mut report = |name: &str, outcome: Outcome| -> std::io::Result<()> {
        let lines = match &outcome {
            Outcome::Ok(what) => vec![format!("ok    {name:<9} {what}")],
            Outcome::Skipped(why) => vec![format!("skip  {name:<9} {why}")],
            Outcome::Failed(what, fix) => {
                ok = false;
                vec![format!("FAIL  {name:<9} {what}"), format!("      {:<9} fix: {fix}", "")]
            }
        };
        lines.iter().try_for_each(|l| crate::text::write_line(&mut out, l))
    };
    let file = match ConfigFile::load(flags.config_path().as_deref()) {
        Ok(file) => {
            report("config", config_outcome(file.as_ref()))?;
            file
        }
        Err(e) => {
            let message = e.to_string();
            let fix = if message.contains("chmod 600") {
                "make it private with the chmod above"
            } else if message.starts_with("cannot read") {
                "check the path given by --config or ORDERSCOPE_CONFIG; `orderscope config init` writes a new file"
            } else {
                "correct the line named; assets/config.example.toml lists every key"
            };
            report("config", Outcome::Failed(message, fix.into()))?;
            return Ok(false);
        }
    };
    let settings = match Settings::resolve(flags, |k| std::env::var(k).ok(), file.as_ref()) {
        Ok(s) => s,
        Err(e) => {
            report("settings", Outcome::Failed(format!("{e:#}"), "correct the value named".into()))?;
            return Ok(false);
        }
    };
    report("store", check_store(&settings))?;
    report("shop API", runtime.block_on(check_api(&settings)))?;
    report("receiver", runtime.block_on(check_receiver(&settings, url)))?;
    Ok(ok)
}

fn config_outcome(file: Option<&ConfigFile>) -> Outcome {
    use std::os::unix::fs::PermissionsExt;
    match file {
        None => Outcome::Ok(
            "no config file; settings from the environment only (`orderscope config init` writes one)".into(),
        ),
        Some(f) => {
            let mode = std::fs::metadata(&f.path).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
            Outcome::Ok(format!("{} (mode {mode:o})", f.path.display()))
        }
    }
}

fn check_store(s: &Settings) -> Outcome {
    match Store::open(&s.store, OpenMode::Existing) {
        Ok(store) => {
            let count = |table: &str| -> i64 {
                store.conn().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap_or(-1)
            };
            Outcome::Ok(format!(
                "{} ({} orders, {} pushes; from {})",
                s.store.display(),
                count("orders"),
                count("messages"),
                s.store_origin
            ))
        }
        Err(crate::store::StoreError::Missing(p)) => Outcome::Failed(
            format!("no store at {} (from {})", p.display(), s.store_origin),
            "start `orderscope serve` or run `orderscope sync` to create it, or point --store / ORDERSCOPE_STORE \
             at the existing one"
                .into(),
        ),
        Err(e) => Outcome::Failed(e.to_string(), "see the message; check the path and its permissions".into()),
    }
}

async fn check_api(s: &Settings) -> Outcome {
    let api = match s.api() {
        Ok(Some(api)) => api,
        Ok(None) => {
            return Outcome::Skipped(format!(
                "no {} and {} (needed by sync, show --live and the live inspector)",
                env::APPID,
                env::APPSECRET
            ));
        }
        Err(e) => return Outcome::Failed(format!("{e:#}"), "correct the value named".into()),
    };
    let client = api.client();
    match client.check_token().await {
        Ok(()) => Outcome::Ok(format!("{} gave an access token for {}", api.base, api.credentials.appid)),
        Err(e) => {
            let fix = match &e {
                crate::api::ApiError::Platform { hint, .. } if !hint.is_empty() => hint.clone(),
                crate::api::ApiError::Transport(_) => {
                    "check api_base / ORDERSCOPE_API_BASE and that this host reaches it (proxy, firewall, DNS)".into()
                }
                _ => "check the AppID and AppSecret against the shop console (channels.weixin.qq.com/shop)".into(),
            };
            Outcome::Failed(e.to_string(), fix)
        }
    }
}

async fn check_receiver(s: &Settings, url: Option<&str>) -> Outcome {
    let push = match s.receiver() {
        Ok(p) => p,
        Err(e) if url.is_none() && e.to_string().contains("is not set") => {
            return Outcome::Skipped(format!("{e} (needed only by serve)"));
        }
        Err(e) => return Outcome::Failed(format!("{e:#}"), "set the console's Token, EncodingAESKey and AppID".into()),
    };
    let target = match url {
        Some(u) => u.to_string(),
        None => match s.listen() {
            Ok(addr) => format!("http://{addr}/"),
            Err(e) => return Outcome::Failed(format!("{e:#}"), "correct the listen address".into()),
        },
    };
    let nonce = format!("{:x}", std::process::id() as u64 * 7919 + crate::timefmt::now() as u64);
    let timestamp = crate::timefmt::now().to_string();
    let echostr = format!("orderscope-doctor-{nonce}");
    let signature = crate::crypto::signature(push.token.expose(), &timestamp, &nonce);
    let request = crate::http::client(Duration::from_secs(10)).get(&target).query(&[
        ("signature", signature.as_str()),
        ("timestamp", timestamp.as_str()),
        ("nonce", nonce.as_str()),
        ("echostr", echostr.as_str()),
    ]);
    match request.send().await {
        Ok(answer) => {
            let status = answer.status();
            let body = answer.text().await.unwrap_or_default();
            if status.is_success() && body == echostr {
                Outcome::Ok(format!("{target} answered a signed URL verification"))
            } else if status == reqwest::StatusCode::UNAUTHORIZED {
                Outcome::Failed(
                    format!("{target} refused the signature (HTTP 401)"),
                    "the receiver runs with another push Token: restart it with the same settings".into(),
                )
            } else {
                Outcome::Failed(
                    format!("{target} answered HTTP {status} with another body"),
                    "that address is not orderscope serve; check the proxy's location and the --url".into(),
                )
            }
        }
        Err(e) => {
            let fix = if url.is_none() {
                "start it (`orderscope serve` or `systemctl start orderscope-serve`), or give its public address with \
                 --url"
            } else {
                "check the URL, the reverse proxy in front of serve, and that serve runs"
            };
            Outcome::Failed(crate::http::describe(&e), fix.into())
        }
    }
}
