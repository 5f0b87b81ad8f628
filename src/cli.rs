//! The command line: flags, and the non-interactive commands ("twins" of
//! what the inspector shows) for scripts and tickets.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::compare::{Version, pick_pair};
use crate::model::names::{self, Lang};
use crate::model::vnum::state_of;
use crate::settings::{Flags, Settings};
use crate::store::{OpenMode, Store};
use crate::{import, text, timefmt};

const ABOUT_LONG: &str = "Inspect WeChat Channels shop (微信小店) orders, their pushes and virtual numbers.

Settings come from flags, then environment variables, then the config file
(TOML; `orderscope config init` writes a commented one), then defaults.
Secrets come only from the environment or the config file.";

const AFTER_MAIN: &str = "Examples:
  orderscope demo                       the inspector on a built-in demo shop
  orderscope config init                write ~/.config/orderscope/config.toml (mode 600)
  orderscope doctor                     check the setup end to end
  orderscope timeline 3732676853715311104

Environment:
  ORDERSCOPE_STORE, ORDERSCOPE_CONFIG, ORDERSCOPE_LANG, ORDERSCOPE_APPID,
  ORDERSCOPE_APPSECRET, ORDERSCOPE_API_BASE, ORDERSCOPE_TOKEN_API,
  ORDERSCOPE_RECENT_DAYS, ORDERSCOPE_PUSH_TOKEN, ORDERSCOPE_PUSH_AES_KEY,
  ORDERSCOPE_LISTEN, ORDERSCOPE_FORWARD, ORDERSCOPE_LOG (see each command's --help)

Exit status: 0 success, 1 failure (one line on stderr), 2 bad usage.";

#[derive(Debug, Parser)]
#[command(
    name = "orderscope",
    version,
    about = "Inspect WeChat Channels shop (微信小店) orders, their pushes and virtual numbers",
    long_about = ABOUT_LONG,
    after_help = AFTER_MAIN
)]
pub struct Cli {
    /// The store file (env ORDERSCOPE_STORE) [default: ~/.local/share/orderscope/orderscope.db]
    #[arg(long, global = true, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Language for names on screen and in text output (env ORDERSCOPE_LANG) [default: from LANG]
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,
    /// Config file, TOML (env ORDERSCOPE_CONFIG) [default: ~/.config/orderscope/config.toml if present]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Base URL of the shop API (env ORDERSCOPE_API_BASE) [default: https://api.weixin.qq.com]
    #[arg(long, global = true, value_name = "URL")]
    pub api_base: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LangArg {
    Zh,
    En,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

const ORDER_ID_HELP: &str = "The order's id (order_id in the shop API, like 3732676853715311104)";

macro_rules! env_help {
    ($example:literal) => {
        concat!(
            "Example:\n  ",
            $example,
            "\n\nEnvironment:\n",
            "  ORDERSCOPE_STORE    the store file (like --store)
  ORDERSCOPE_CONFIG   the config file (like --config)
  ORDERSCOPE_LANG     zh or en (like --lang)"
        )
    };
    ($example:literal, api) => {
        concat!(
            "Example:\n  ",
            $example,
            "\n\nEnvironment:\n",
            "  ORDERSCOPE_STORE    the store file (like --store)
  ORDERSCOPE_CONFIG   the config file (like --config)
  ORDERSCOPE_LANG     zh or en (like --lang)
  ORDERSCOPE_APPID        the shop's AppID
  ORDERSCOPE_APPSECRET    the shop's AppSecret (secret: environment or config file only)
  ORDERSCOPE_API_BASE     the API's base URL (like --api-base) [default: https://api.weixin.qq.com]
  ORDERSCOPE_TOKEN_API    stable_token (default) or token"
        )
    };
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The inspector on the configured store (the default)
    #[command(after_help = env_help!("orderscope --store /var/lib/orderscope/orderscope.db", api))]
    Tui,
    /// The inspector on the bundled demo shop: no credentials, nothing leaves the machine
    #[command(
        after_help = "Example:\n  orderscope demo --lang en\n\nEnvironment:\n  ORDERSCOPE_LANG     zh or en (like --lang)"
    )]
    Demo,
    /// The push receiver: verifies, decrypts and stores every push before answering
    #[command(after_help = concat!(
        "Listens on loopback by default: put an HTTPS reverse proxy in front (see the README).\n\n",
        "Example:\n  orderscope serve --listen 127.0.0.1:8090 --log /var/log/orderscope/serve.log\n\n",
        "Environment:\n",
        "  ORDERSCOPE_PUSH_TOKEN     the console's Token (secret)\n",
        "  ORDERSCOPE_PUSH_AES_KEY   the console's EncodingAESKey, 43 characters (secret)\n",
        "  ORDERSCOPE_APPID          the shop's AppID (checked in every push)\n",
        "  ORDERSCOPE_LISTEN         like --listen\n",
        "  ORDERSCOPE_FORWARD        like --forward\n",
        "  ORDERSCOPE_LOG            log filter, like info or debug [default: info]\n",
        "  ORDERSCOPE_STORE, ORDERSCOPE_CONFIG\n",
        "  ORDERSCOPE_APPSECRET, ORDERSCOPE_API_BASE, ORDERSCOPE_TOKEN_API: when set, each push's order is fetched and stored"
    ))]
    Serve {
        /// Address to listen on [default: 127.0.0.1:8090]
        #[arg(long, value_name = "ADDR")]
        listen: Option<String>,
        /// Relay each stored push unchanged to the shop's existing handler
        #[arg(long, value_name = "URL")]
        forward: Option<String>,
        /// Append logs to this file instead of stderr (times are RFC 3339 in China time, +08:00)
        #[arg(long, value_name = "PATH")]
        log: Option<PathBuf>,
    },
    /// The stored orders, newest activity first
    #[command(after_help = env_help!("orderscope orders --json | jq -r '.[].order_id'"))]
    Orders {
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// The latest stored version of an order
    #[command(after_help = env_help!("orderscope show 3732676853715311104 --live", api))]
    Show {
        #[arg(help = ORDER_ID_HELP)]
        order_id: String,
        /// Fetch the live order first (and store it as a new version if it changed)
        #[arg(long)]
        live: bool,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// Store a version of every order updated recently (for shops without push, or to fill gaps)
    #[command(after_help = env_help!("orderscope sync --since 2d --follow --interval 5m", api))]
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
        /// Go ahead with a --since longer than the platform keeps orders
        #[arg(long)]
        yes: bool,
    },
    /// The pre-shipment and post-shipment versions of an order, and what changed
    #[command(after_help = env_help!("orderscope diff 3732676853715311104 --json"))]
    Diff {
        #[arg(help = ORDER_ID_HELP)]
        order_id: String,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// Versions, pushes and inferred events in time order, with the explanation
    #[command(after_help = env_help!("orderscope timeline 3732676853715311104 --lang en"))]
    Timeline {
        #[arg(help = ORDER_ID_HELP)]
        order_id: String,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// Markdown evidence for a support ticket or forum post
    #[command(after_help = env_help!("orderscope report 3732676853715311104 > ticket.md"))]
    Report {
        #[arg(help = ORDER_ID_HELP)]
        order_id: String,
    },
    /// Received pushes, oldest first
    #[command(after_help = concat!(
        "Example:\n  orderscope messages 3732676853715311104\n  orderscope messages --reprocess\n\n",
        "Environment:\n",
        "  ORDERSCOPE_STORE, ORDERSCOPE_CONFIG, ORDERSCOPE_LANG\n",
        "  ORDERSCOPE_PUSH_TOKEN, ORDERSCOPE_PUSH_AES_KEY, ORDERSCOPE_APPID: with --reprocess"
    ))]
    Messages {
        /// Only the pushes about this order (order_id in the shop API)
        order_id: Option<String>,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
        /// Retry the quarantined pushes (after fixing the EncodingAESKey or appid)
        #[arg(long, conflicts_with = "order_id")]
        reprocess: bool,
    },
    /// Import raw order/get responses and push logs
    #[command(after_help = env_help!("orderscope import dumps/order-*.json pushes.jsonl"))]
    Import {
        /// Files of order/get answers (JSON, one per file or one per line) or push logs (JSON lines)
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Check the setup end to end: config, credentials, store, receiver
    #[command(after_help = concat!(
        "Each check prints ok or what failed and how to fix it; the exit status is 1 if any failed.\n\n",
        "Example:\n  orderscope doctor --url https://shop.example.com/wechat/push\n\n",
        "Environment: every variable of `serve` and `sync` (see their --help)."
    ))]
    Doctor {
        /// Also send a signed verification to the receiver at this URL (the console's URL,
        /// or http://127.0.0.1:8090/ for the local one) [default: the local listen address, if it answers]
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// The config file: `config init` writes a commented example (mode 600)
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Shell completions for bash, zsh or fish, on stdout
    #[command(
        after_help = "Example:\n  orderscope completions bash > /etc/bash_completion.d/orderscope\n  orderscope completions zsh > \"${fpath[1]}/_orderscope\"\n  orderscope completions fish > ~/.config/fish/completions/orderscope.fish"
    )]
    Completions { shell: Shell },
    /// The man page (roff), on stdout; with --dir, a page for each command in DIR
    #[command(
        after_help = "Example:\n  orderscope man > /usr/local/share/man/man1/orderscope.1\n  orderscope man --dir /usr/local/share/man/man1"
    )]
    Man {
        /// Write orderscope.1 and one orderscope-COMMAND.1 per command into this directory
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write the commented example config with mode 600 (never over an existing file without --force)
    #[command(
        after_help = "Example:\n  orderscope config init\n  orderscope config init --config /etc/orderscope/config.toml\n\nEnvironment:\n  ORDERSCOPE_CONFIG   where to write (like --config)"
    )]
    Init {
        /// Replace an existing file
        #[arg(long)]
        force: bool,
    },
}

fn parse_duration(text: &str) -> std::result::Result<i64, String> {
    timefmt::parse_duration(text)
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Zh => Lang::Zh,
            LangArg::En => Lang::En,
        }
    }
}

impl Cli {
    /// What the flags say, for `Settings` to combine with the environment and the file.
    pub fn flags(&self) -> Flags {
        let (listen, forward) = match &self.command {
            Some(Command::Serve { listen, forward, .. }) => (listen.clone(), forward.clone()),
            _ => (None, None),
        };
        Flags {
            store: self.store.clone(),
            config: self.config.clone(),
            api_base: self.api_base.clone(),
            lang: self.lang.map(Lang::from),
            listen,
            forward,
        }
    }

    pub fn settings(&self) -> Result<Settings> {
        Settings::load(&self.flags())
    }
}

fn open_store(s: &Settings, mode: OpenMode) -> Result<Store> {
    Ok(Store::open(&s.store, mode)?)
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

pub fn orders(s: &Settings, json_out: bool) -> Result<()> {
    let store = open_store(s, OpenMode::Existing)?;
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
    let lang = s.lang;
    let mut out = std::io::stdout().lock();
    for r in &rows {
        let line = format!(
            "{}  {}  {}  ☎ {}  ✉ {}{}  {}",
            r.order_id,
            text::pad(&names::status_label(r.status, lang), 10),
            r.update_time.map(timefmt::full).unwrap_or_else(|| "-".repeat(19)),
            text::pad(vnum_state_name(r, now, lang), 10),
            r.messages,
            if r.type5 { " ⚑5" } else { "" },
            format_args!("{} snapshots", r.snapshots),
        );
        text::write_line(&mut out, &line)?;
    }
    Ok(())
}

pub fn show(s: &Settings, order_id: &str, live: bool, json_out: bool) -> Result<()> {
    if live {
        let client = s.require_api()?.client();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let order = runtime.block_on(client.order_get(order_id))?;
        let mut store = open_store(s, OpenMode::Create)?;
        let new = store.add_snapshot(&order, timefmt::now(), "live")?;
        if !json_out {
            eprintln!("{}", if new { "fetched: a new version, stored" } else { "fetched: same as the stored version" });
        }
    }
    let store = open_store(s, OpenMode::Existing)?;
    let Some(snap) = store.latest_snapshot(order_id)? else {
        bail!("no stored version of order {order_id}");
    };
    if json_out {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", snap.body)?;
        return Ok(());
    }
    let order = snap.order().map_err(anyhow::Error::msg)?;
    let lang = s.lang;
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
        text::write_line(&mut out, &l)?;
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

pub fn diff(s: &Settings, order_id: &str, json_out: bool) -> Result<()> {
    let store = open_store(s, OpenMode::Existing)?;
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
    text::write_line(&mut out, &format!("before: {}", head(&pair.before)))?;
    text::write_line(&mut out, &format!("after:  {}", head(&pair.after)))?;
    for c in &pair.changes {
        let show = |v: &Option<Value>| v.as_ref().map(|v| text::visible(&crate::json::short(v))).unwrap_or_default();
        text::write_line(&mut out, &format!("{} {}  {} → {}", c.op.mark(), c.path, show(&c.before), show(&c.after)))?;
    }
    Ok(())
}

pub fn messages(s: &Settings, order_id: Option<&str>, json_out: bool) -> Result<()> {
    let store = open_store(s, OpenMode::Existing)?;
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
    let lang = s.lang;
    let mut out = std::io::stdout().lock();
    for m in &rows {
        let event = m.event.as_deref().unwrap_or("?");
        let line = format!(
            "{}  {}  {}  {}{}",
            timefmt::full(m.received_at),
            m.order_id.as_deref().unwrap_or("-"),
            names::event_short(event),
            names::push_meaning(event, m.kind, lang),
            m.kind.map(|k| format!(" (type {k})")).unwrap_or_default()
        );
        text::write_line(&mut out, &line)?;
    }
    Ok(())
}

pub fn import(s: &Settings, paths: &[PathBuf]) -> Result<bool> {
    let mut store = open_store(s, OpenMode::Create)?;
    let mut total = import::Report::default();
    let now = timefmt::now();
    for p in paths {
        total.merge(import::import_file(&mut store, p, now)?);
    }
    let mut err = std::io::stderr().lock();
    for (src, line, problem) in &total.problems {
        let text = if *line == 0 { format!("{src}: {problem}") } else { format!("{src}:{line}: {problem}") };
        text::write_line(&mut err, &text)?;
    }
    if total.bad > total.problems.len() {
        text::write_line(&mut err, &format!("… and {} more bad lines", total.bad - total.problems.len()))?;
    }
    text::write_line(&mut std::io::stdout().lock(), &total.summary())?;
    Ok(total.bad == 0)
}

fn require_known(store: &Store, order_id: &str) -> Result<()> {
    if store.order(order_id)?.is_none() {
        bail!("order {order_id} is not in the store");
    }
    Ok(())
}

pub fn timeline(s: &Settings, order_id: &str, json_out: bool) -> Result<()> {
    let store = open_store(s, OpenMode::Existing)?;
    require_known(&store, order_id)?;
    let lang = if json_out && !s.lang_chosen { Lang::En } else { s.lang };
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
        let rule = e.rule.as_ref().map(|r| format!("  [{r}]")).unwrap_or_default();
        text::write_line(&mut out, &format!("{}  {source:<8}  {}{rule}", timefmt::full(e.at), e.summary))?;
    }
    text::write_line(&mut out, "")?;
    for s in &story.explanation {
        text::write_line(&mut out, &format!("- {}", s.statement))?;
        for e in &s.evidence {
            text::write_line(&mut out, &format!("    · {e}"))?;
        }
    }
    Ok(())
}

pub fn report(s: &Settings, order_id: &str) -> Result<()> {
    let store = open_store(s, OpenMode::Existing)?;
    require_known(&store, order_id)?;
    let lang = s.lang;
    let versions = versions(&store, order_id)?;
    let messages = store.messages(Some(order_id))?;
    let story = store.story(order_id, lang)?;
    let markdown = crate::report::markdown(order_id, &versions, &messages, &story, lang, timefmt::now());
    let mut out = std::io::stdout().lock();
    text::write_text(&mut out, &markdown)?;
    Ok(())
}

pub fn reprocess(s: &Settings) -> Result<bool> {
    let settings = s.receiver()?;
    let mut store = open_store(s, OpenMode::Existing)?;
    let mut released = 0;
    let mut still = Vec::new();
    for (id, envelope, plaintext, _reason) in store.quarantined()? {
        let text = if plaintext.is_empty() {
            let encrypt = serde_json::from_str::<Value>(&envelope)
                .ok()
                .or_else(|| crate::model::push::xml_to_json(&envelope).ok())
                .and_then(|v| v.get("Encrypt").and_then(Value::as_str).map(str::to_string));
            let Some(encrypt) = encrypt else {
                still.push((id, "the body has no Encrypt field".to_string()));
                continue;
            };
            match crate::crypto::open_for(&settings.key, &encrypt, &settings.appid) {
                Ok(msg) => String::from_utf8_lossy(&msg).into_owned(),
                Err(e) => {
                    still.push((id, e.to_string()));
                    continue;
                }
            }
        } else {
            plaintext
        };
        if let Err(e) = crate::model::Push::parse(&text) {
            still.push((id, format!("cannot parse the decrypted message: {e}")));
            continue;
        }
        store.write(|c| crate::store::write::release_quarantined(c, id, &text))?;
        released += 1;
    }
    for (id, why) in &still {
        text::write_line(&mut std::io::stderr().lock(), &format!("message {id}: still unreadable: {why}"))?;
    }
    println!("{released} quarantined pushes recovered, {} still quarantined", still.len());
    Ok(still.is_empty())
}

/// `completions SHELL`: the script on stdout.
pub fn completions(shell: Shell) -> Result<()> {
    use clap::CommandFactory;
    let shell = match shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut Cli::command(), "orderscope", &mut std::io::stdout().lock());
    Ok(())
}

/// `man`: the man page (roff) on stdout, or every command's page in `dir`.
pub fn man(dir: Option<&std::path::Path>) -> Result<()> {
    use clap::CommandFactory;
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create the directory {}: {e}", dir.display()))?;
            clap_mangen::generate_to(Cli::command(), dir)
                .map_err(|e| anyhow::anyhow!("cannot write man pages to {}: {e}", dir.display()))?;
            text::write_line(&mut std::io::stdout().lock(), &format!("wrote the man pages to {}", dir.display()))?;
        }
        None => clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout().lock())?,
    }
    Ok(())
}

/// `config init`: the commented example, mode 600, at --config,
/// `ORDERSCOPE_CONFIG` or the default path.
pub fn config_init(cli: &Cli, force: bool) -> Result<()> {
    let path = cli
        .flags()
        .config_path()
        .or_else(crate::config::default_path)
        .ok_or_else(|| anyhow::anyhow!("cannot find a home directory for the config file; pass --config PATH"))?;
    crate::config::write_example(&path, force)?;
    let done = format!("wrote {} (mode 600); fill it in, then run: orderscope doctor", path.display());
    text::write_line(&mut std::io::stdout().lock(), &done)?;
    Ok(())
}
