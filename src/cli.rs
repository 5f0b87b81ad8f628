//! The command line: flags, and the non-interactive commands ("twins" of
//! what the inspector shows) for scripts and tickets.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::compare::{Version, pick_pair};
use crate::model::names::{self, Lang};
use crate::model::vnum::state_of;
use crate::store::{OpenMode, Store};
use crate::{import, text, timefmt};

#[derive(Debug, Parser)]
#[command(
    name = "orderscope",
    version,
    about = "Inspect WeChat Channels shop orders, their pushes and virtual numbers"
)]
pub struct Cli {
    /// The store file [default: ~/.local/share/orderscope/orderscope.db]
    #[arg(long, global = true, env = "ORDERSCOPE_STORE", value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Language for names on screen and in text output [default: from LANG]
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
    /// Config file (key = "value" lines) [default: ~/.config/orderscope/config.toml if present]
    #[arg(long, global = true, env = "ORDERSCOPE_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Base URL of the shop API [default: https://api.weixin.qq.com]
    #[arg(long, global = true, env = "ORDERSCOPE_API_BASE", value_name = "URL")]
    pub api_base: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The inspector on the configured store (the default)
    Tui,
    /// The inspector on the bundled demo shop: no credentials, nothing leaves the machine
    Demo,
    /// The push receiver: verifies, decrypts and stores every push before answering
    Serve {
        /// Address to listen on
        #[arg(long, default_value = "127.0.0.1:8090", value_name = "ADDR")]
        listen: String,
        /// Relay each stored push unchanged to the shop's existing handler
        #[arg(long, value_name = "URL")]
        forward: Option<String>,
        /// Append logs to this file instead of stderr
        #[arg(long, value_name = "PATH")]
        log: Option<PathBuf>,
        /// Close a connection whose request head takes longer than this from its first byte
        #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DUR")]
        header_timeout: i64,
        /// Close a connection whose request body takes longer than this after its head (answering 408)
        #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DUR")]
        body_timeout: i64,
        /// Close a kept-alive connection idle for this long between requests
        #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DUR")]
        idle_timeout: i64,
        /// At most this many open connections; at the cap the one idle longest is closed
        #[arg(long, default_value_t = 256, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: u32,
    },
    /// The stored orders, newest activity first
    Orders {
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// The latest stored version of an order
    Show {
        order_id: String,
        /// Fetch the live order first (and store it as a new version if it changed)
        #[arg(long)]
        live: bool,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// Store a version of every order updated recently (for shops without push, or to fill gaps)
    Sync {
        /// How far back to list updated orders, like 90s, 30m, 2h, 10d
        #[arg(long, default_value = "1d", value_parser = parse_duration)]
        since: i64,
        /// Keep polling until interrupted, resuming where the last run stopped
        #[arg(long)]
        follow: bool,
        /// Pause between polls with --follow
        #[arg(long, default_value = "5m", value_parser = parse_duration)]
        interval: i64,
    },
    /// The pre-shipment and post-shipment versions of an order, and what changed
    Diff {
        order_id: String,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// Versions, pushes and inferred events in time order, with the explanation
    Timeline {
        order_id: String,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// Markdown evidence for a support ticket or forum post
    Report { order_id: String },
    /// Received pushes, oldest first
    Messages {
        order_id: Option<String>,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
        /// Retry the quarantined pushes (after fixing the EncodingAESKey or appid)
        #[arg(long, conflicts_with = "order_id")]
        reprocess: bool,
    },
    /// Import raw order/get responses and push logs
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

fn parse_duration(text: &str) -> std::result::Result<i64, String> {
    timefmt::parse_duration(text)
}

impl Cli {
    pub fn lang(&self) -> Lang {
        match self.lang {
            Some(LangArg::Zh) => Lang::Zh,
            Some(LangArg::En) => Lang::En,
            None => Lang::from_env(),
        }
    }

    pub fn store_path(&self) -> Result<PathBuf> {
        if let Some(p) = &self.store {
            return Ok(p.clone());
        }
        if let Some(p) = crate::config::Config::load(self.config.as_deref())?.get("ORDERSCOPE_STORE", "store") {
            return Ok(PathBuf::from(p));
        }
        let dirs = directories::ProjectDirs::from("", "", "orderscope")
            .context("cannot find a home directory for the default store; pass --store PATH")?;
        Ok(dirs.data_dir().join("orderscope.db"))
    }

    pub fn load_config(&self) -> Result<crate::config::Config> {
        Ok(crate::config::Config::load(self.config.as_deref())?)
    }

    pub fn open_store(&self, mode: OpenMode) -> Result<Store> {
        Ok(Store::open(&self.store_path()?, mode)?)
    }
}

fn print_json(v: &Value) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(())
}

fn vnum_state_name(row: &crate::store::OrderRow, now: i64, lang: Lang) -> &'static str {
    state_of(row.use_tel_number, row.vnum.is_some(), row.vnum_expire, now).label(lang)
}

pub fn orders(cli: &Cli, json_out: bool) -> Result<()> {
    let store = cli.open_store(OpenMode::Existing)?;
    let rows = store.orders()?;
    let now = timefmt::now();
    if json_out {
        let list: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "order_id": r.order_id,
                    "status": r.status,
                    "status_name": r.status.and_then(names::status).map(|n| json!({"zh": n.zh, "en": n.en})),
                    "update_time": r.update_time,
                    "snapshots": r.snapshots,
                    "messages": r.messages,
                    "type5_received": r.type5,
                    "virtual_number": {
                        "state": vnum_state_name(r, now, Lang::En),
                        "number": r.vnum,
                        "expire_time": r.vnum_expire,
                    },
                })
            })
            .collect();
        return print_json(&Value::Array(list));
    }
    let lang = cli.lang();
    let mut out = std::io::stdout().lock();
    for r in &rows {
        writeln!(
            out,
            "{}  {}  {}  ☎ {}  ✉ {}{}  {}",
            r.order_id,
            text::pad(&names::status_label(r.status, lang), 10),
            r.update_time.map(timefmt::full).unwrap_or_else(|| "-".repeat(19)),
            text::pad(vnum_state_name(r, now, lang), 10),
            r.messages,
            if r.type5 { " ⚑5" } else { "" },
            format_args!("{} snapshots", r.snapshots),
        )?;
    }
    Ok(())
}

pub fn show(cli: &Cli, order_id: &str, live: bool, json_out: bool) -> Result<()> {
    if live {
        let config = cli.load_config()?;
        let client = require_api_client(cli, &config)?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let order = runtime.block_on(client.order_get(order_id))?;
        let mut store = cli.open_store(OpenMode::Create)?;
        let new = store.add_snapshot(&order, timefmt::now(), "live")?;
        if !json_out {
            eprintln!("{}", if new { "fetched: a new version, stored" } else { "fetched: same as the stored version" });
        }
    }
    let store = cli.open_store(OpenMode::Existing)?;
    let Some(snap) = store.latest_snapshot(order_id)? else {
        bail!("no stored version of order {order_id}");
    };
    if json_out {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", snap.body)?;
        return Ok(());
    }
    let order = snap.order().map_err(anyhow::Error::msg)?;
    let lang = cli.lang();
    let mut lines = vec![
        format!("order      {}", order.order_id),
        format!(
            "status     {} {}",
            order.status().map(|s| s.to_string()).unwrap_or("?".into()),
            names::status_label(order.status(), lang)
        ),
        format!("fetched    {} ({})", timefmt::full_tz(snap.fetched_at), snap.source),
    ];
    let time =
        |label: &str, t: Option<i64>| format!("{label} {}", t.map(timefmt::full_tz).unwrap_or_else(|| "-".into()));
    lines.push(time("created   ", order.create_time()));
    lines.push(time("paid      ", order.pay_time()));
    lines.push(time("shipped   ", order.shipped_at()));
    for p in order.products() {
        lines.push(format!("product    {} ×{}", text::visible(&p.title), p.sku_cnt.unwrap_or(1)));
    }
    let v = crate::model::Vnum::of(&order);
    let state = v.state(timefmt::now());
    lines.push(format!(
        "virtual #  {} · {} · expires {}",
        v.display_number(lang).unwrap_or_else(|| "-".into()),
        state.label(lang),
        v.expire_time.map(timefmt::full_tz).unwrap_or_else(|| "-".into())
    ));
    let mut out = std::io::stdout().lock();
    for l in lines {
        writeln!(out, "{l}")?;
    }
    Ok(())
}

/// Every stored version of an order; a stored version that no longer
/// parses is an error here (the inspector shows it instead).
pub fn versions(store: &Store, order_id: &str) -> Result<Vec<Version>> {
    let (versions, problems) = store.versions(order_id)?;
    if let Some(problem) = problems.first() {
        bail!("{problem}");
    }
    Ok(versions)
}

fn describe(v: &Option<Version>) -> Value {
    match v {
        Some(v) => {
            json!({"id": v.snapshot_id, "fetched_at": v.fetched_at, "status": v.order.status(), "shipped": v.order.is_shipped()})
        }
        None => Value::Null,
    }
}

pub fn diff(cli: &Cli, order_id: &str, json_out: bool) -> Result<()> {
    let store = cli.open_store(OpenMode::Existing)?;
    let versions = versions(&store, order_id)?;
    if versions.is_empty() {
        bail!("no stored version of order {order_id}");
    }
    let pair = pick_pair(&versions);
    if json_out {
        return print_json(&json!({
            "order_id": order_id,
            "before": describe(&pair.before),
            "after": describe(&pair.after),
            "changes": pair.changes,
        }));
    }
    let mut out = std::io::stdout().lock();
    let head = |v: &Option<Version>| match v {
        Some(v) => format!("snapshot {} fetched {}", v.snapshot_id, timefmt::full_tz(v.fetched_at)),
        None => "none".into(),
    };
    writeln!(out, "before: {}\nafter:  {}", head(&pair.before), head(&pair.after))?;
    for c in &pair.changes {
        let show = |v: &Option<Value>| v.as_ref().map(|v| text::visible(&crate::json::short(v))).unwrap_or_default();
        writeln!(out, "{} {}  {} → {}", c.op.mark(), c.path, show(&c.before), show(&c.after))?;
    }
    Ok(())
}

pub fn messages(cli: &Cli, order_id: Option<&str>, json_out: bool) -> Result<()> {
    let store = cli.open_store(OpenMode::Existing)?;
    let rows = store.messages(order_id)?;
    if json_out {
        let list: Vec<Value> = rows
            .iter()
            .map(|m| {
                json!({
                    "id": m.id,
                    "received_at": m.received_at,
                    "event": m.event,
                    "order_id": m.order_id,
                    "type": m.kind,
                    "create_time": m.create_time,
                    "deliveries": m.deliveries,
                    "parse_error": m.parse_error,
                    "payload": m.payload(),
                })
            })
            .collect();
        return print_json(&Value::Array(list));
    }
    let lang = cli.lang();
    let mut out = std::io::stdout().lock();
    for m in &rows {
        let event = m.event.as_deref().unwrap_or("?");
        writeln!(
            out,
            "{}  {}  {}  {}{}",
            timefmt::full(m.received_at),
            m.order_id.as_deref().unwrap_or("-"),
            names::event_short(event),
            names::push_meaning(event, m.kind, lang),
            m.kind.map(|k| format!(" (type {k})")).unwrap_or_default()
        )?;
    }
    Ok(())
}

pub fn import(cli: &Cli, paths: &[PathBuf]) -> Result<bool> {
    let mut store = cli.open_store(OpenMode::Create)?;
    let mut total = import::Report::default();
    let now = timefmt::now();
    for p in paths {
        total.merge(import::import_file(&mut store, p, now)?);
    }
    for (src, line, problem) in &total.problems {
        if *line == 0 {
            eprintln!("{src}: {problem}");
        } else {
            eprintln!("{src}:{line}: {problem}");
        }
    }
    println!("{}", total.summary());
    Ok(total.problems.is_empty())
}

fn require_known(store: &Store, order_id: &str) -> Result<()> {
    if store.order(order_id)?.is_none() {
        bail!("order {order_id} is not in the store");
    }
    Ok(())
}

pub fn timeline(cli: &Cli, order_id: &str, json_out: bool) -> Result<()> {
    let store = cli.open_store(OpenMode::Existing)?;
    require_known(&store, order_id)?;
    let lang = if json_out { cli.lang.map(|_| cli.lang()).unwrap_or(Lang::En) } else { cli.lang() };
    let story = store.story(order_id, lang)?;
    if json_out {
        return print_json(&serde_json::to_value(&story)?);
    }
    let mut out = std::io::stdout().lock();
    for e in &story.entries {
        let source = match e.source {
            crate::story::Source::Observed => "observed",
            crate::story::Source::Inferred => "inferred",
        };
        write!(out, "{}  {source:<8}  {}", timefmt::full(e.at), text::visible(&e.summary))?;
        if let Some(rule) = &e.rule {
            write!(out, "  [{rule}]")?;
        }
        writeln!(out)?;
    }
    writeln!(out)?;
    for s in &story.explanation {
        writeln!(out, "- {}", text::visible(&s.statement))?;
        for e in &s.evidence {
            writeln!(out, "    · {}", text::visible(e))?;
        }
    }
    Ok(())
}

pub fn report(cli: &Cli, order_id: &str) -> Result<()> {
    let store = cli.open_store(OpenMode::Existing)?;
    require_known(&store, order_id)?;
    let lang = cli.lang();
    let versions = versions(&store, order_id)?;
    let messages = store.messages(Some(order_id))?;
    let story = store.story(order_id, lang)?;
    let markdown = crate::report::markdown(order_id, &versions, &messages, &story, lang, timefmt::now());
    let mut out = std::io::stdout().lock();
    out.write_all(markdown.as_bytes())?;
    Ok(())
}

/// The push receiver's credentials, with errors that name the setting.
pub fn receiver_settings(config: &crate::config::Config) -> Result<crate::receiver::Settings> {
    let token = config.require_secret("ORDERSCOPE_PUSH_TOKEN", "push_token")?;
    let key = config.require_secret("ORDERSCOPE_PUSH_AES_KEY", "push_aes_key")?;
    let key = crate::crypto::decode_key(key.expose()).map_err(|e| anyhow::anyhow!("ORDERSCOPE_PUSH_AES_KEY: {e}"))?;
    let appid = config.require("ORDERSCOPE_APPID", "appid")?;
    Ok(crate::receiver::Settings { token, key, appid })
}

pub fn reprocess(cli: &Cli) -> Result<bool> {
    let config = cli.load_config()?;
    let settings = receiver_settings(&config)?;
    let mut store = cli.open_store(OpenMode::Existing)?;
    let outcome = crate::receiver::reprocess::run(&mut store, &settings)?;
    for (id, why) in &outcome.still {
        eprintln!("message {id}: still unreadable: {why}");
    }
    println!("{} quarantined pushes recovered, {} still quarantined", outcome.released, outcome.still.len());
    Ok(outcome.still.is_empty())
}

/// The shop API client, when credentials are configured (AppID and AppSecret).
pub fn api_client(cli: &Cli, config: &crate::config::Config) -> Result<Option<crate::api::Client>> {
    let (Some(appid), Some(secret)) =
        (config.get("ORDERSCOPE_APPID", "appid"), config.secret("ORDERSCOPE_APPSECRET", "appsecret"))
    else {
        return Ok(None);
    };
    let base = cli
        .api_base
        .clone()
        .or_else(|| config.get("ORDERSCOPE_API_BASE", "api_base"))
        .unwrap_or_else(|| crate::api::DEFAULT_BASE.to_string());
    let token_api = match config.get("ORDERSCOPE_TOKEN_API", "token_api").as_deref() {
        None | Some("stable_token") => crate::api::TokenApi::Stable,
        Some("token") => crate::api::TokenApi::Classic,
        Some(other) => bail!("token_api must be \"stable_token\" or \"token\", not {other:?}"),
    };
    Ok(Some(crate::api::Client::new(
        &base,
        crate::api::Credentials { appid, secret, token_api },
        std::time::Duration::from_secs(15),
    )))
}

/// The client, or an error saying which credentials are missing.
pub fn require_api_client(cli: &Cli, config: &crate::config::Config) -> Result<crate::api::Client> {
    match api_client(cli, config)? {
        Some(c) => Ok(c),
        None => {
            config.require("ORDERSCOPE_APPID", "appid")?;
            config.require_secret("ORDERSCOPE_APPSECRET", "appsecret")?;
            bail!("no shop API credentials")
        }
    }
}

/// How many days back the inspector lists recent orders (3 by default).
pub fn recent_days(config: &crate::config::Config) -> i64 {
    config.get("ORDERSCOPE_RECENT_DAYS", "recent_days").and_then(|d| d.parse().ok()).filter(|d| *d > 0).unwrap_or(3)
}
