//! `orderscope doctor`: checks a setup end to end, the way it will be used:
//! the config file is readable and private, the settings make sense, the
//! store opens (without creating or changing it), the shop credentials get a
//! token, and the receiver answers a signed URL verification. Each line says
//! ok, or what failed and how to fix it.

use std::time::Duration;

use anyhow::Result;

use crate::config::ConfigFile;
use crate::settings::{Flags, Settings};
use crate::store::{OpenMode, ReceiverStatus, Store};

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
    let runtime = crate::cli::runtime();
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
    let (outcome, store) = check_store(&settings);
    report("store", outcome)?;
    if let Some(store) = store {
        let now = crate::timefmt::now();
        match (store.receiver_status(), store.reads().quarantine_reasons(5)) {
            (Ok(status), Ok(reasons)) => {
                for (name, outcome) in pipeline(&status, &reasons, now) {
                    report(name, outcome)?;
                }
            }
            (Err(e), _) | (_, Err(e)) => {
                report("backlog", Outcome::Failed(e.to_string(), "see the message; check the store".into()))?
            }
        }
    }
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

fn check_store(s: &Settings) -> (Outcome, Option<Store>) {
    let outcome = match Store::open_at(&s.store_location(), OpenMode::Existing, crate::store::Durability::Normal) {
        Ok(store) => {
            let (orders, _, pushes) = store.reads().counts().unwrap_or((-1, -1, -1));
            let ok = Outcome::Ok(format!(
                "{} ({orders} orders, {pushes} pushes; from {})",
                store.location(),
                s.store_origin
            ));
            return (ok, Some(store));
        }
        Err(crate::store::StoreError::Missing(p)) => Outcome::Failed(
            format!("no store at {} (from {})", p.display(), s.store_origin),
            "start `orderscope serve` or run `orderscope sync` to create it, or point --store / ORDERSCOPE_STORE \
             at the existing one"
                .into(),
        ),
        Err(e) => Outcome::Failed(e.to_string(), "see the message; check the path and its permissions".into()),
    };
    (outcome, None)
}

/// Reads this long behind mean projection is not running (it keeps within
/// a second or two while a receiver runs).
const BEHIND_AFTER: i64 = 10;
/// A quarantined push newer than this is a problem of today's setup.
const RECENT_QUARANTINE: i64 = 24 * 3600;

/// What the store says about the receiving pipeline: the backlog (pushes
/// stored, not yet readable), the quarantine (pushes that could not be
/// read, by reason) and each host's receiver with its last heartbeat.
pub fn pipeline(status: &ReceiverStatus, reasons: &[(String, i64, i64)], now: i64) -> Vec<(&'static str, Outcome)> {
    use crate::store::status::Receiving;
    use crate::text::thousands;
    let ago = |t: i64| crate::timefmt::ago(crate::model::Lang::En, now - t);
    let mut out = Vec::new();
    let b = &status.backlog;
    let last = b.last_arrival.map(|t| format!("; last push {} ago", ago(t))).unwrap_or_default();
    out.push((
        "backlog",
        match status.behind(now) {
            None => Outcome::Ok(format!("every stored push is readable{last}")),
            Some(waited) if waited < BEHIND_AFTER => Outcome::Ok(format!(
                "{} pushes stored and being processed (the oldest {} ago){last}",
                thousands(b.pending),
                ago(now - waited)
            )),
            Some(waited) => Outcome::Failed(
                format!(
                    "{} pushes stored and not yet readable, the oldest for {}: reads (messages, timeline, the inspector) do not show them yet",
                    thousands(b.pending),
                    ago(now - waited)
                ),
                "a running receiver processes them (any host sharing the store): start `orderscope serve`; if one \
                 runs, its log says why processing is paused"
                    .into(),
            ),
        },
    ));
    let total: i64 = reasons.iter().map(|r| r.1).sum();
    let listed = reasons
        .iter()
        .map(|(why, n, _)| format!("{} × {}", thousands(*n), crate::text::visible(why)))
        .collect::<Vec<_>>()
        .join("; ");
    out.push((
        "quarantine",
        match reasons.iter().map(|r| r.2).max() {
            None => Outcome::Ok("no push in quarantine".into()),
            Some(newest) if now - newest > RECENT_QUARANTINE => Outcome::Ok(format!(
                "{} older pushes in quarantine, none in the last 24 h ({listed})",
                thousands(total)
            )),
            Some(newest) => Outcome::Failed(
                format!(
                    "{} pushes could not be read and are in quarantine, the newest {} ago: {listed}",
                    thousands(total),
                    ago(newest)
                ),
                "pushes that do not decrypt usually mean another EncodingAESKey (or AppID) than the shop console's: \
                 correct it, restart serve, then `orderscope messages --reprocess`"
                    .into(),
            ),
        },
    ));
    if status.hosts.is_empty() {
        out.push(("hosts", Outcome::Skipped("no receiver has run on this store".into())));
        return out;
    }
    let hosts = status
        .hosts
        .iter()
        .map(|h| {
            let name = h.host.as_deref().map(crate::text::visible).unwrap_or_else(|| "(host not recorded)".into());
            if h.stopped {
                format!("{name} stopped {} ago", ago(h.last_seen))
            } else if h.is_up(now) {
                format!("{name} up, last heartbeat {} ago", ago(h.last_seen))
            } else {
                format!("{name} silent: last heartbeat {} ago and no stop recorded", ago(h.last_seen))
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    out.push((
        "hosts",
        match status.receiving(now) {
            Receiving::Up { .. } => Outcome::Ok(hosts),
            _ => Outcome::Failed(
                format!("no receiver is running: {hosts}"),
                "start `orderscope serve` (`systemctl start orderscope-serve`); a silent host died without stopping: \
                 its log or journal says why"
                    .into(),
            ),
        },
    ));
    out
}

async fn check_api(s: &Settings) -> Outcome {
    let api = match s.api() {
        Ok(Some(api)) => api,
        Ok(None) => {
            // Names the one credential missing, and where it may be set.
            let missing = s.require_api().err().map(|e| e.to_string()).unwrap_or_default();
            return Outcome::Skipped(format!("{missing} (needed by sync, show --live and the live inspector)"));
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

/// `--url` as given, or how to write it: an address without a scheme is
/// what an operator types most often, and `localhost:8090` even parses as a
/// URL of scheme `localhost`.
fn full_url(given: &str) -> Result<String, UrlFix> {
    match reqwest::Url::parse(given) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(given.to_string()),
        _ if !given.contains("://") => Err(UrlFix::NoScheme(given.to_string())),
        _ => Err(UrlFix::NotHttp),
    }
}

/// Why `--url` cannot be asked, worded as the fix the check shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum UrlFix {
    /// No scheme: the address as given, to be written in full.
    #[error("write it in full, like http://{0} (or https:// behind a proxy)")]
    NoScheme(String),
    #[error("give the receiver's address as http://HOST:PORT/PATH or https://HOST/PATH")]
    NotHttp,
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
        Some(u) => match full_url(u) {
            Ok(u) => u,
            Err(fix) => {
                return Outcome::Failed(format!("--url {u:?} is not an http:// or https:// URL"), fix.to_string());
            }
        },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Backlog, PeriodRow};

    fn host(name: &str, last_seen: i64, stopped_at: Option<i64>) -> PeriodRow {
        PeriodRow { started_at: 0, last_seen, stopped_at, host: Some(name.into()) }
    }

    fn outcome<'a>(all: &'a [(&str, Outcome)], name: &str) -> &'a Outcome {
        &all.iter().find(|(n, _)| *n == name).unwrap().1
    }

    #[test]
    fn a_url_without_a_scheme_is_answered_with_the_url_to_write() {
        assert_eq!(full_url("http://127.0.0.1:18090/wx"), Ok("http://127.0.0.1:18090/wx".to_string()));
        for bare in ["127.0.0.1:18090", "localhost:8090", "shop.example.com/wx"] {
            let fix = full_url(bare).unwrap_err().to_string();
            assert_eq!(fix, format!("write it in full, like http://{bare} (or https:// behind a proxy)"));
        }
        assert_eq!(
            full_url("ftp://x/").unwrap_err().to_string(),
            "give the receiver's address as http://HOST:PORT/PATH or https://HOST/PATH"
        );
    }

    #[test]
    fn a_healthy_pipeline_is_green_and_says_what_it_saw() {
        let now = 10_000;
        let status = ReceiverStatus::of(
            &[host("a", now - 20, None), host("b", now - 7_200, Some(now - 7_200))],
            Backlog { pending: 2, oldest: Some(now - 1), last_arrival: Some(now - 1) },
        );
        let all = pipeline(&status, &[("bad padding".into(), 3, now - 90_000)], now);
        assert!(all.iter().all(|(_, o)| matches!(o, Outcome::Ok(_))), "{all:?}");
        let Outcome::Ok(hosts) = outcome(&all, "hosts") else { unreachable!() };
        assert_eq!(hosts, "a up, last heartbeat 20 s ago; b stopped 2 h ago");
        let Outcome::Ok(q) = outcome(&all, "quarantine") else { unreachable!() };
        assert!(q.contains("3 older pushes in quarantine") && q.contains("3 × bad padding"), "{q}");
    }

    #[test]
    fn a_backlog_that_waits_a_quarantine_of_today_and_a_dead_host_each_fail_with_a_fix() {
        let now = 10_000;
        let status = ReceiverStatus::of(
            &[host("a", now - 3_600, None)],
            Backlog { pending: 30_812, oldest: Some(now - 300), last_arrival: Some(now - 290) },
        );
        let all = pipeline(&status, &[("decryption failed: bad padding".into(), 1_200, now - 60)], now);
        let Outcome::Failed(what, fix) = outcome(&all, "backlog") else { panic!("{all:?}") };
        assert!(what.starts_with("30,812 pushes stored and not yet readable, the oldest for 5 min"), "{what}");
        assert!(fix.contains("start `orderscope serve`"), "{fix}");
        let Outcome::Failed(what, fix) = outcome(&all, "quarantine") else { panic!("{all:?}") };
        assert!(what.contains("1,200 × decryption failed: bad padding") && what.contains("1 min ago"), "{what}");
        assert!(fix.contains("EncodingAESKey"), "{fix}");
        let Outcome::Failed(what, _) = outcome(&all, "hosts") else { panic!("{all:?}") };
        assert!(what.contains("a silent: last heartbeat 1 h ago and no stop recorded"), "{what}");
    }
}
