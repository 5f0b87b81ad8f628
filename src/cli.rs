//! The command line: flags, and the non-interactive commands ("twins" of
//! what the inspector shows) for scripts and tickets.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::model::Origin;
use crate::model::names::{self, Lang};
use crate::model::vnum::state_of;
use crate::settings::{Flags, Settings};
use crate::store::{ListFilter, OpenMode, Store};
use crate::version_pair::{Version, pick_pair};
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
  orderscope orders --since 1d --jsonl  the orders active in the last day, one JSON object a line
  orderscope compare 3732676853715311104 3732679488426088960

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
    #[command(after_help = concat!(
        "Example:\n  orderscope demo --lang en\n",
        "  orderscope demo --shop        then, in another shell, the three export lines it prints and:\n",
        "  orderscope --store /tmp/try.db compare 3732676853715311104 3732679488426088960\n\n",
        "Environment:\n  ORDERSCOPE_LANG     zh or en (like --lang)"
    ))]
    Demo {
        /// Serve only the demo shop's API on loopback (to try show, timeline, report and compare on it)
        #[arg(long)]
        shop: bool,
    },
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
        /// Close a connection whose request head takes longer than this from its first byte
        #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DUR")]
        header_timeout: i64,
        /// Close a connection whose request body takes longer than this after its head (answering 408)
        #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DUR")]
        body_timeout: i64,
        /// Close a kept-alive connection idle for this long between requests
        #[arg(long, default_value = "60s", value_parser = parse_duration, value_name = "DUR")]
        idle_timeout: i64,
        /// Close a connection whose client leaves an answer untaken this long
        #[arg(long, default_value = "10s", value_parser = parse_duration, value_name = "DUR")]
        write_timeout: i64,
        /// At most this many open sockets; at the cap the one waiting longest without its request being stored is closed
        #[arg(long, default_value_t = 256, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        max_connections: u32,
    },
    /// The stored orders, newest activity first
    #[command(after_help = env_help!(
        "orderscope orders --json | jq -r '.[].order_id'\n  orderscope orders --since 2d --limit 50\n  orderscope orders --jsonl | grep '\"type5_received\":true'"
    ))]
    #[command(
        mut_arg("since", |a| a.help(
            "Only orders active since then (updated, by the order's update_time, or a push received about it): \
             a span back from now like 30m, 2h, 10d, or a time: unix seconds, 2025-12-02 14:21:28 (+08:00) or RFC 3339"
        )),
        mut_arg("limit", |a| a.help("At most the N most recently active orders"))
    )]
    Orders {
        #[command(flatten)]
        listing: Listing,
    },
    /// Orders not yet received whose virtual number expires soon: the courier loses the buyer when it does
    #[command(after_help = env_help!("orderscope expiring\n  orderscope expiring --within 3d --json"))]
    Expiring {
        /// How far ahead to look: 30m, 12h, 7d
        #[arg(long, default_value = "7d", value_name = "SPAN", value_parser = parse_span)]
        within: i64,
        /// Print one JSON array (order ids as strings)
        #[arg(long, conflicts_with = "jsonl")]
        json: bool,
        /// Print one compact JSON object a line
        #[arg(long)]
        jsonl: bool,
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
    #[command(after_help = env_help!("orderscope diff 3732676853715311104 --json", api))]
    Diff {
        #[arg(help = ORDER_ID_HELP)]
        order_id: String,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// Versions, pushes and inferred events in time order, with the explanation
    #[command(after_help = env_help!("orderscope timeline 3732676853715311104 --lang en", api))]
    Timeline {
        #[arg(help = ORDER_ID_HELP)]
        order_id: String,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// Markdown evidence for a support ticket or forum post
    #[command(after_help = env_help!(
        "orderscope report 3732676853715311104 > ticket.md\n  orderscope report 3732676853715311104 --compare 3732679488426088960 > ticket.md",
        api
    ))]
    Report {
        #[arg(help = ORDER_ID_HELP)]
        order_id: String,
        /// Add a comparison with this second order (as `compare` shows it)
        #[arg(long, value_name = "ORDER_ID")]
        compare: Option<String>,
    },
    /// Received pushes, oldest first
    #[command(after_help = concat!(
        "Example:\n  orderscope messages 3732676853715311104\n  orderscope messages --since 1h --jsonl | jq -r .event\n",
        "  orderscope messages --limit 20        the 20 newest, oldest of them first\n  orderscope messages --reprocess\n\n",
        "Environment:\n",
        "  ORDERSCOPE_STORE, ORDERSCOPE_CONFIG, ORDERSCOPE_LANG\n",
        "  ORDERSCOPE_PUSH_TOKEN, ORDERSCOPE_PUSH_AES_KEY, ORDERSCOPE_APPID: with --reprocess"
    ))]
    #[command(
        mut_arg("since", |a| a.help(
            "Only pushes received since then: a span back from now like 30m, 2h, 10d, or a time: \
             unix seconds, 2025-12-02 14:21:28 (+08:00) or RFC 3339"
        )),
        mut_arg("limit", |a| a.help("At most the N newest pushes (still printed oldest first)"))
    )]
    Messages {
        /// Only the pushes about this order (order_id in the shop API)
        order_id: Option<String>,
        #[command(flatten)]
        listing: Listing,
        /// Retry the quarantined pushes (after fixing the EncodingAESKey or appid)
        #[arg(long, conflicts_with_all = ["order_id", "json", "jsonl", "since", "limit"])]
        reprocess: bool,
    },
    /// Record a fact someone reported about an order (provenance: reported)
    #[command(after_help = env_help!(
        "orderscope note 3732676853715311104 \"merchant: a type 5 push arrived after shipping\" \\\n      --at \"2025-12-02 14:21:28\" --event ext_info_update --type 5"
    ))]
    Note {
        #[arg(help = ORDER_ID_HELP)]
        order_id: String,
        /// What was reported, in the reporter's words
        text: String,
        /// When the reported fact happened: unix seconds, 2025-12-02 14:21:28 (+08:00) or RFC 3339
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<i64>,
        /// The push the report is about, e.g. channels_ec_order_ext_info_update (or ext_info_update)
        #[arg(long, value_name = "NAME")]
        event: Option<String>,
        /// The push's type (for channels_ec_order_ext_info_update)
        #[arg(long = "type", value_name = "N", requires = "event")]
        kind: Option<i64>,
    },
    /// Two orders' stories side by side, what differs that bears on a type 5 push, and what the data cannot decide
    #[command(after_help = env_help!("orderscope compare 3732676853715311104 3732679488426088960 --lang en", api))]
    Compare {
        /// The first order's id (order_id in the shop API, like 3732676853715311104)
        order_a: String,
        /// The second order's id, compared with the first
        order_b: String,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
    },
    /// Import raw order/get responses and push logs
    #[command(after_help = env_help!("orderscope import dumps/order-*.json pushes.jsonl"))]
    Import {
        /// Files of order/get answers (JSON, one per file or one per line) or push logs (JSON lines)
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// When bare order/get responses were read (e.g. the call time a
        /// merchant quotes: "2025-12-02 10:26:44"); without it they are
        /// stored as read at an unknown time
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        fetched_at: Option<i64>,
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
    /// The store itself: `store copy` moves everything between SQLite and PostgreSQL
    #[command(subcommand)]
    Store(StoreCommand),
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

/// What `orders` and `messages` print and how: lines of text, or JSON
/// written row by row as the store is read (so no listing is held whole).
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct Listing {
    /// Print one JSON array (order ids as strings), written element by element
    #[arg(long, conflicts_with = "jsonl")]
    pub json: bool,
    /// Print one compact JSON object a line, the same objects as --json (for pipelines)
    #[arg(long)]
    pub jsonl: bool,
    /// Only rows since then (its help says of what)
    #[arg(long, value_name = "WHEN", value_parser = parse_since)]
    pub since: Option<i64>,
    /// At most this many rows (its help says which)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(i64).range(1..))]
    pub limit: Option<i64>,
}

impl Listing {
    pub fn filter(&self) -> ListFilter {
        ListFilter { since: self.since, limit: self.limit }
    }

    fn json(&self) -> Option<JsonShape> {
        match (self.json, self.jsonl) {
            (_, true) => Some(JsonShape::Lines),
            (true, false) => Some(JsonShape::Array),
            (false, false) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JsonShape {
    Array,
    Lines,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Copy everything (versions, pushes, receiver periods, notes) from one store into another; running it twice adds nothing
    #[command(
        after_help = "Example:\n  orderscope store copy --from ~/.local/share/orderscope/store.db --to postgres://orderscope:PASSWORD@db.internal/orderscope\n  orderscope store copy --from postgres://orderscope@db.internal/orderscope --to /srv/backup/store.db\n\nA store is a SQLite file's path or a postgres:// (postgresql://) URL."
    )]
    Copy {
        /// The store to read: a SQLite file or a postgres:// URL (it must exist)
        #[arg(long, value_name = "PATH_OR_URL")]
        from: String,
        /// The store to add to: created when missing
        #[arg(long, value_name = "PATH_OR_URL")]
        to: String,
    },
}

/// `store copy`: progress on stderr, the summary on stdout.
pub fn store_copy(from: &str, to: &str) -> Result<()> {
    use crate::store::{Durability, Location};
    let (from, to) = (Location::parse(from), Location::parse(to));
    if from == to {
        bail!("--from and --to are the same store ({from})");
    }
    let source = Store::open_at(&from, OpenMode::Existing, Durability::Normal)?;
    let mut target = Store::open_at(&to, OpenMode::Create, Durability::Normal)?;
    let mut say = |line: &str| {
        let _ =
            text::write_line(&mut std::io::stderr().lock(), &format!("{} {line}", timefmt::full_tz(timefmt::now())));
    };
    say(&format!("copying {from} into {to}"));
    let copied = crate::store::copy::copy(&source, &mut target, &mut say)?;
    for id in &copied.unreadable {
        say(&format!("version {id} is not a readable order: not copied"));
    }
    text::write_line(&mut std::io::stdout().lock(), &copied.line())?;
    Ok(())
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

fn parse_time(text: &str) -> std::result::Result<i64, String> {
    timefmt::parse_time(text)
}

fn parse_span(text: &str) -> std::result::Result<i64, String> {
    timefmt::parse_duration(text)
}

fn parse_since(text: &str) -> std::result::Result<i64, String> {
    timefmt::parse_since(text, timefmt::now())
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

pub fn open_store(s: &Settings, mode: OpenMode) -> Result<Store> {
    Ok(Store::open_at(&s.store_location(), mode, crate::store::Durability::Normal)?)
}

/// Whether the configured store exists already: a file on disk, or our
/// schema in the PostgreSQL database (an empty database is no store yet).
fn store_exists(s: &Settings) -> Result<bool> {
    match s.store_location().sqlite_path() {
        Some(path) => Ok(path.exists()),
        None => match open_store(s, OpenMode::Existing) {
            Ok(_) => Ok(true),
            Err(e)
                if matches!(
                    e.downcast_ref::<crate::store::StoreError>(),
                    Some(crate::store::StoreError::Missing(_))
                ) =>
            {
                Ok(false)
            }
            Err(e) => Err(e),
        },
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

/// Writes a listing's JSON as the rows come: an array element by element
/// (the same text as the whole array printed at once) or one compact object
/// a line. `rows` hands each row's object to the writer it is given.
/// Returns how many were written.
fn write_json_list(
    shape: JsonShape,
    rows: impl FnOnce(&mut dyn FnMut(Value) -> Result<()>) -> Result<()>,
) -> Result<u64> {
    use serde::ser::{SerializeSeq, Serializer};
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut written = 0;
    match shape {
        JsonShape::Lines => rows(&mut |v| {
            serde_json::to_writer(&mut out, &v)?;
            out.write_all(b"\n")?;
            written += 1;
            Ok(())
        })?,
        JsonShape::Array => {
            let mut json = serde_json::Serializer::pretty(&mut out);
            let mut array = json.serialize_seq(None)?;
            rows(&mut |v| {
                array.serialize_element(&v)?;
                written += 1;
                Ok(())
            })?;
            array.end()?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(written)
}

pub fn orders(s: &Settings, listing: &Listing) -> Result<()> {
    let filter = &listing.filter();
    let store = open_store(s, OpenMode::Existing)?;
    let now = timefmt::now();
    // Only the ids of demo orders: few on a real store.
    let demo = store.demo_orders()?;
    if let Some(shape) = listing.json() {
        write_json_list(shape, |emit| {
            store.each_order(filter, |r| {
                emit(json!({
                    "order_id": r.order_id,
                    "source": if demo.contains(&r.order_id) { "demo" } else { "observed" },
                    "status": r.status,
                    "status_name": r.status.and_then(names::status).map(|n| json!({"zh": n.zh, "en": n.en})),
                    "update_time": r.update_time,
                    "snapshots": r.snapshots,
                    "messages": r.messages,
                    "type5_received": r.type5,
                    "virtual_number": {
                        "state": vnum_state_name(&r, now, Lang::En),
                        "number": r.vnum,
                        "expire_time": r.vnum_expire,
                    },
                }))
            })
        })?;
        return Ok(());
    }
    let lang = s.lang;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    store.each_order(filter, |r| {
        let line = format!(
            "{}  {}  {}  ☎ {}  ✉ {}{}  {}",
            r.order_id,
            text::pad(&names::row_status_label(r.status, r.snapshots, false, lang), 10),
            r.update_time.map(timefmt::full).unwrap_or_else(|| "-".repeat(19)),
            text::pad(vnum_state_name(&r, now, lang), 10),
            r.messages,
            if r.type5 { " ⚑5" } else { "" },
            format_args!(
                "{} snapshots{}",
                r.snapshots,
                if demo.contains(&r.order_id) { lang.text("  [演示]", "  [demo]") } else { "" }
            ),
        );
        Ok::<_, anyhow::Error>(text::write_line(&mut out, &line)?)
    })?;
    out.flush()?;
    Ok(())
}

/// `orderscope expiring`: the orders not yet received whose number expires
/// within `within` seconds, soonest first. The list is read in one pass and
/// only the few candidates' latest versions are read (for the extension
/// count), so memory stays small on any store.
pub fn expiring(s: &Settings, within: i64, json: bool, jsonl: bool) -> Result<()> {
    use crate::expiring::{line, load, to_json};
    let store = open_store(s, OpenMode::Existing)?;
    let list = load(&store, timefmt::now(), within)?;
    let shape = match (json, jsonl) {
        (_, true) => Some(JsonShape::Lines),
        (true, false) => Some(JsonShape::Array),
        (false, false) => None,
    };
    if let Some(shape) = shape {
        write_json_list(shape, |emit| list.iter().try_for_each(|e| emit(to_json(e))))?;
        return Ok(());
    }
    let lang = s.lang;
    if list.is_empty() {
        let span = crate::timefmt::ago(lang, within);
        eprintln!(
            "{}",
            match lang {
                Lang::Zh => format!("没有未收货订单的虚拟号在 {span}内到期"),
                Lang::En => format!("no order awaiting receipt has a number expiring within {span}"),
            }
        );
        return Ok(());
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in &list {
        text::write_line(&mut out, &line(e, lang))?;
    }
    out.flush()?;
    Ok(())
}

pub fn show(s: &Settings, order_id: &str, live: bool, json_out: bool) -> Result<()> {
    if live {
        let api = s.require_api()?;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let order = runtime.block_on(api.client().order_get(order_id))?;
        let mut store = open_store(s, OpenMode::Create)?;
        let new = store.add_snapshot(&order, timefmt::now(), fetched_source(&api))?;
        if !json_out {
            eprintln!("{}", if new { "fetched: a new version, stored" } else { "fetched: same as the stored version" });
        }
    }
    let store = ensure_order(s, order_id, !json_out)?;
    let Some(snap) = store.latest_snapshot(order_id)? else {
        return Err(no_version(s, order_id));
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
    if snap.source.is_demo() {
        lines.insert(0, "[demo] made up by the bundled demo: not evidence".into());
    }
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
    // An unmasked tel_number is the buyer's real number (an approved real-number request).
    if let Some(tel) = order.tel_number() {
        let kind =
            if tel.contains('*') { "masked by the platform" } else { "real number: real-number request approved" };
        lines.push(format!("contact    {} ({kind}; masked here)", text::mask_phone(&text::visible(tel))));
    }
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
            json!({"id": v.snapshot_id, "fetched_at": v.fetched_at, "read_time_known": v.source.read_time_known(), "status": v.order.status(), "shipped": v.order.is_shipped(), "source": v.source.provenance()})
        }
        None => Value::Null,
    }
}

/// The order is known only from pushes or notes: say what to collect.
fn no_version(s: &Settings, order_id: &str) -> anyhow::Error {
    anyhow::anyhow!(
        "{}",
        crate::explain::collect::what_to_collect(order_id, &crate::explain::collect::Missing::NoVersion, s.lang)
    )
}

pub fn diff(s: &Settings, order_id: &str, json_out: bool) -> Result<()> {
    let store = ensure_order(s, order_id, !json_out)?;
    let versions = versions(&store, order_id)?;
    if versions.is_empty() {
        return Err(no_version(s, order_id));
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
    text::write_text(&mut out, &diff_text(&pair))?;
    Ok(())
}

/// A value as the diff shows it: times also as dates in +08:00, beside the
/// raw value, so nobody has to convert epoch seconds by hand.
fn diff_value(path: &str, v: &Value) -> String {
    let key = path.rsplit('/').next().unwrap_or("");
    let raw = text::visible(&crate::json::short(v));
    match crate::json::as_i64(v) {
        Some(t) if t > 0 && (key.ends_with("_time") || key == "delivery_deadline") => {
            format!("{raw} ({})", timefmt::full_tz(t))
        }
        _ => raw,
    }
}

/// The diff as text: replaced values side by side; an added or removed
/// object or array field by field, with its values.
pub fn diff_text(pair: &crate::version_pair::Pair) -> String {
    let head = |v: &Option<Version>| match v {
        Some(v) => {
            let demo = if v.is_demo() { " [demo: made up by the bundled demo]" } else { "" };
            format!("snapshot {} fetched {} ({}){demo}", v.snapshot_id, timefmt::full_tz(v.fetched_at), v.source)
        }
        None => "none".into(),
    };
    let mut out = format!("before: {}\nafter:  {}\n", head(&pair.before), head(&pair.after));
    for c in &pair.changes {
        let value = if c.op == crate::diff::Op::Remove { &c.before } else { &c.after };
        let nested = matches!(value, Some(Value::Object(m)) if !m.is_empty())
            || matches!(value, Some(Value::Array(a)) if !a.is_empty());
        match (c.op, nested, value) {
            (crate::diff::Op::Replace, _, _) => {
                let show = |v: &Option<Value>| v.as_ref().map(|v| diff_value(&c.path, v)).unwrap_or_default();
                out.push_str(&format!("{} {}  {} → {}\n", c.op.mark(), c.path, show(&c.before), show(&c.after)));
            }
            (_, true, Some(v)) => {
                out.push_str(&format!("{} {}\n", c.op.mark(), c.path));
                let leaves = crate::diff::leaves(v);
                let wide = leaves.iter().map(|(p, _)| text::width(p)).max().unwrap_or(0);
                for (rel, leaf) in leaves {
                    let full = format!("{}{rel}", c.path);
                    out.push_str(&format!("    {}  {}\n", text::pad(&rel, wide), diff_value(&full, &leaf)));
                }
            }
            (_, _, v) => {
                let shown = v.as_ref().map(|v| diff_value(&c.path, v)).unwrap_or_default();
                out.push_str(&format!("{} {}  {shown}\n", c.op.mark(), c.path));
            }
        }
    }
    out
}

pub fn messages(s: &Settings, order_id: Option<&str>, listing: &Listing) -> Result<()> {
    let filter = &listing.filter();
    let store = open_store(s, OpenMode::Existing)?;
    let written = match listing.json() {
        Some(shape) => write_json_list(shape, |emit| {
            store.each_message(order_id, filter, |m| {
                emit(json!({
                    "id": m.id,
                    "received_at": m.received_at,
                    "event": m.event,
                    "order_id": m.order_id,
                    "type": m.kind,
                    "create_time": m.create_time,
                    // Seconds later than its event beyond the 5 s answer limit: a retry.
                    "redelivery_delay": crate::explain::PushRecord::from(&m).redelivery_delay(),
                    "deliveries": m.deliveries,
                    "parse_error": m.parse_error,
                    "source": m.source.provenance(),
                    "stored_by": m.source,
                    "details": names::push_details(&m.payload(), Lang::En),
                    "payload": m.payload(),
                }))
            })
        })?,
        None => messages_text(&store, order_id, filter, s.lang)?,
    };
    if written == 0 {
        let whose = order_id.map(|id| format!(" for order {id}")).unwrap_or_default();
        let says = match filter.since {
            Some(since) => format!("no push is stored{whose} received since {}", timefmt::full_tz(since)),
            None => format!(
                "no push is stored{whose} (the receiver was not running / no push log was imported: orderscope import PUSHES.jsonl)"
            ),
        };
        text::write_line(&mut std::io::stderr().lock(), &says)?;
    }
    Ok(())
}

/// The pushes as lines of text, each written as it is read; how many.
fn messages_text(store: &Store, order_id: Option<&str>, filter: &ListFilter, lang: Lang) -> Result<u64> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut written = 0;
    store.each_message(order_id, filter, |m| {
        let event = m.event.as_deref().unwrap_or("?");
        let details = names::push_details(&m.payload(), lang);
        let late = match (m.create_time, crate::explain::PushRecord::from(&m).redelivery_delay()) {
            (Some(created), Some(delay)) => match lang {
                Lang::Zh => {
                    format!(
                        " · 事件时间 {}，晚到 {}（重新投递）",
                        timefmt::full(created),
                        crate::explain::span(lang, delay)
                    )
                }
                Lang::En => {
                    format!(
                        " · made {}, {} late (a redelivery)",
                        timefmt::full(created),
                        crate::explain::span(lang, delay)
                    )
                }
            },
            _ => String::new(),
        };
        let line = format!(
            "{}  {}  {}  {}{}{}{late}{}",
            timefmt::full(m.received_at),
            m.order_id.as_deref().unwrap_or("-"),
            names::event_short(event),
            names::push_meaning(event, m.kind, lang),
            m.kind.map(|k| format!(" (type {k})")).unwrap_or_default(),
            if details.is_empty() { String::new() } else { format!(" · {}", details.join("; ")) },
            if m.source.is_demo() { lang.text("  [演示]", "  [demo]") } else { "" },
        );
        written += 1;
        Ok::<_, anyhow::Error>(text::write_line(&mut out, &line)?)
    })?;
    out.flush()?;
    Ok(written)
}

pub fn import(s: &Settings, paths: &[PathBuf], fetched_at: Option<i64>) -> Result<bool> {
    let mut store = open_store(s, OpenMode::Create)?;
    let mut total = import::Report::default();
    let now = timefmt::now();
    for p in paths {
        total.merge(import::import_file(&mut store, p, now, fetched_at)?);
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

/// `orderscope compare A B`: both orders' facts side by side, the
/// differences, and the comparative explanation.
pub fn compare(s: &Settings, a: &str, b: &str, json_out: bool) -> Result<()> {
    if a == b {
        bail!("compare needs two different orders ({a} given twice)");
    }
    ensure_order(s, a, !json_out)?;
    let store = ensure_order(s, b, !json_out)?;
    let lang = json_lang(s, json_out);
    let cmp = crate::explain::compare::compare(&store.evidence(a)?, &store.evidence(b)?, lang);
    if json_out {
        return print_json(&serde_json::to_value(&cmp)?);
    }
    let mut out = std::io::stdout().lock();
    text::write_text(&mut out, &compare_text(&cmp, lang))?;
    Ok(())
}

/// JSON output speaks English unless a language was chosen; text follows the settings.
fn json_lang(s: &Settings, json_out: bool) -> Lang {
    if json_out && !s.lang_chosen { Lang::En } else { s.lang }
}

/// The comparison as text: a two-column table, the pushes, the differences,
/// the explanation. Made-up data carries a demo mark wherever it shows.
pub fn compare_text(c: &crate::explain::compare::Comparison, lang: Lang) -> String {
    use crate::explain::Source;
    const COL: usize = 50;
    let demo = |s: Source| if s == Source::Demo { lang.text(" [演示]", " [demo]") } else { "" };
    let mut out = String::new();
    for row in crate::explain::compare::fact_rows(c, lang) {
        let (a, b) = (text::visible(&row.a), text::visible(&row.b));
        let mark = if row.differs { "≠" } else { " " };
        let type5 = if row.type5 { "⚑" } else { " " };
        let line = format!(
            "{mark}{type5} {}  {}  {}",
            text::pad(&row.label, 24),
            text::pad(&text::truncate(&a, COL), COL),
            text::truncate(&b, COL + 30)
        );
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push_str(&format!("\n{}\n", lang.text("推送", "Pushes")));
    for (which, side) in [("A", &c.a), ("B", &c.b)] {
        if side.pushes.is_empty() {
            out.push_str(&format!("  {which}  {}\n", lang.text("（没有存储）", "(none stored)")));
        }
        for p in &side.pushes {
            let kind = p.kind.map(|k| format!(" type {k}")).unwrap_or_default();
            out.push_str(&format!(
                "  {which}  {}  {}{kind} {}{}\n",
                timefmt::full(p.received_at),
                names::event_short(&p.event),
                p.meaning,
                demo(p.source)
            ));
        }
        for note in &side.notes {
            let at = note.at.map(timefmt::full).unwrap_or_else(|| lang.text("时间未报告", "time not reported").into());
            out.push_str(&format!(
                "  {which}  {at}  {}: {}\n",
                lang.text("报告", "reported"),
                text::visible(&note.text)
            ));
        }
    }
    out.push_str(&format!(
        "\n{}\n",
        lang.text("差异（* 与 type 5 推送有关）", "Differences (* bears on a type 5 push)")
    ));
    for d in &c.differences {
        out.push_str(&format!(
            "  {} {}: A {} · B {} — {}\n",
            if d.bears_on_type5 { "*" } else { " " },
            d.field,
            d.a,
            d.b,
            d.why
        ));
    }
    out.push_str(&format!("\n{}\n", lang.text("解释", "Explanation")));
    for s in &c.explanation {
        out.push_str(&format!("- {}\n", text::visible(&s.headline(lang))));
        for line in s.detail_lines(lang) {
            out.push_str(&format!("    · {}\n", text::visible(&line)));
        }
    }
    out
}

/// `orderscope note`: one reported fact, stored apart from observations.
pub fn note(
    s: &Settings,
    order_id: &str,
    text: &str,
    at: Option<i64>,
    event: Option<&str>,
    kind: Option<i64>,
) -> Result<()> {
    let order_id = order_id.trim();
    if order_id.is_empty() || !order_id.bytes().all(|b| b.is_ascii_digit()) {
        bail!("order id {order_id:?} is not a number");
    }
    if text.trim().is_empty() {
        bail!("the note is empty: say what was reported");
    }
    // Accept the short event names the tool prints (ext_info_update, deliver).
    let event = event.map(|e| {
        let long = format!("channels_ec_order_{e}");
        if names::event(e).is_none() && names::event(&long).is_some() { long } else { e.to_string() }
    });
    let mut store = open_store(s, OpenMode::Create)?;
    let note = crate::explain::Note {
        id: 0,
        order_id: order_id.to_string(),
        at,
        event,
        kind,
        text: text.trim().to_string(),
        recorded_at: timefmt::now(),
    };
    let id = store.write(|c| c.add_note(&note))?;
    let done = format!("note #{id} recorded for order {order_id} (reported, not observed)");
    text::write_line(&mut std::io::stdout().lock(), &done)?;
    Ok(())
}

/// The store, holding at least one version of `order_id`: fetched from the
/// shop API (and stored) when the store has none and credentials are
/// configured; otherwise an error naming what to collect. An order the store
/// knows only from pushes or notes is returned as it is.
pub fn ensure_order(s: &Settings, order_id: &str, say: bool) -> Result<Store> {
    // Known from pushes or notes only: still worth a fetch, but enough to go on without one.
    let mut known_without_version = false;
    if store_exists(s)? {
        let store = open_store(s, OpenMode::Existing)?;
        if store.latest_snapshot(order_id)?.is_some() {
            return Ok(store);
        }
        known_without_version = store.order(order_id)?.is_some() || !store.notes(order_id)?.is_empty();
    }
    let Some(api) = s.api()? else {
        if known_without_version {
            return open_store(s, OpenMode::Existing);
        }
        if !store_exists(s)? {
            // Same wording as every other read of a missing store.
            open_store(s, OpenMode::Existing)?;
        }
        bail!(
            "{}",
            crate::explain::collect::what_to_collect(
                order_id,
                &crate::explain::collect::Missing::NotStoredNoApi,
                s.lang
            )
        );
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let order = runtime.block_on(api.client().order_get(order_id)).map_err(|e| {
        anyhow::anyhow!(
            "{}",
            crate::explain::collect::what_to_collect(
                order_id,
                &crate::explain::collect::Missing::NotStoredFetchFailed(e.to_string()),
                s.lang
            )
        )
    })?;
    let mut store = open_store(s, OpenMode::Create)?;
    store.add_snapshot(&order, timefmt::now(), fetched_source(&api))?;
    if say {
        let done =
            format!("order {order_id} was not in the store: fetched it from the shop API and stored this version");
        text::write_line(&mut std::io::stderr().lock(), &done)?;
    }
    Ok(store)
}

/// The source a fetched version is stored under: what the demo shop serves is
/// made up, so it is stored as demo, never as observed.
fn fetched_source(api: &crate::settings::ApiSettings) -> Origin {
    api.client().origin_of(Origin::Live)
}

pub fn timeline(s: &Settings, order_id: &str, json_out: bool) -> Result<()> {
    let store = ensure_order(s, order_id, !json_out)?;
    let lang = json_lang(s, json_out);
    let story = store.story(order_id, lang)?;
    if json_out {
        return print_json(&serde_json::to_value(&story)?);
    }
    let mut out = std::io::stdout().lock();
    for e in &story.entries {
        let source = e.source.name();
        let rule = e.rule.as_ref().map(|r| format!("  [{r}]")).unwrap_or_default();
        text::write_line(&mut out, &format!("{}  {source:<8}  {}{rule}", timefmt::full(e.at), e.summary))?;
    }
    text::write_line(&mut out, "")?;
    for s in &story.explanation {
        text::write_line(&mut out, &format!("- {}", s.headline(lang)))?;
        for line in s.detail_lines(lang) {
            text::write_line(&mut out, &format!("    · {line}"))?;
        }
    }
    Ok(())
}

pub fn report(s: &Settings, order_id: &str, other: Option<&str>) -> Result<()> {
    if other == Some(order_id) {
        bail!("--compare needs a different order ({order_id} given twice)");
    }
    if let Some(b) = other {
        ensure_order(s, b, true)?;
    }
    let store = ensure_order(s, order_id, true)?;
    let markdown = crate::report::from_store(&store, order_id, other, s.lang, timefmt::now())?;
    let mut out = std::io::stdout().lock();
    text::write_text(&mut out, &markdown)?;
    Ok(())
}

pub fn reprocess(s: &Settings) -> Result<bool> {
    let settings = s.receiver()?;
    let mut store = open_store(s, OpenMode::Existing)?;
    let outcome = crate::receiver::reprocess::run(&mut store, &settings)?;
    for still in &outcome.still {
        let ids: Vec<String> = still.first_ids.iter().map(i64::to_string).collect();
        let more =
            if still.count > ids.len() { format!(" and {} more", still.count - ids.len()) } else { String::new() };
        let noun = if still.count == 1 { "message" } else { "messages" };
        text::write_line(
            &mut std::io::stderr().lock(),
            &format!("{noun} {}{more}: still unreadable: {}", ids.join(", "), still.reason),
        )?;
    }
    let elsewhere = match outcome.released_elsewhere {
        0 => String::new(),
        n => format!(" ({n} more released meanwhile by another run)"),
    };
    println!(
        "{} quarantined pushes recovered, {} still quarantined{elsewhere}",
        outcome.released,
        outcome.still_count()
    );
    Ok(outcome.still.is_empty())
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
