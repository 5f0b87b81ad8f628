//! The flags and commands, as clap reads them.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};

use crate::model::names::Lang;
use crate::settings::{Flags, Settings};
use crate::store::ListFilter;
use crate::timefmt;

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
    // The bare URL is the help text as `--help` prints it, not a doc link.
    #[allow(rustdoc::bare_urls)]
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
        #[arg(long, default_value = "10s", value_parser = timefmt::parse_duration, value_name = "DUR")]
        header_timeout: i64,
        /// Close a connection whose request body takes longer than this after its head (answering 408)
        #[arg(long, default_value = "10s", value_parser = timefmt::parse_duration, value_name = "DUR")]
        body_timeout: i64,
        /// Close a kept-alive connection idle for this long between requests
        #[arg(long, default_value = "60s", value_parser = timefmt::parse_duration, value_name = "DUR")]
        idle_timeout: i64,
        /// Close a connection whose client leaves an answer untaken this long
        #[arg(long, default_value = "10s", value_parser = timefmt::parse_duration, value_name = "DUR")]
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
        #[arg(long, default_value = "7d", value_name = "SPAN", value_parser = timefmt::parse_duration)]
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
        #[arg(long, default_value = "1d", value_parser = timefmt::parse_duration)]
        since: i64,
        /// Keep polling until interrupted, resuming where the last run stopped
        #[arg(long)]
        follow: bool,
        /// Pause between polls with --follow
        #[arg(long, default_value = "5m", value_parser = timefmt::parse_duration)]
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
        #[arg(long, value_name = "TIME", value_parser = timefmt::parse_time)]
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
        #[arg(long, value_name = "TIME", value_parser = timefmt::parse_time)]
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

    pub(super) fn json(&self) -> Option<JsonShape> {
        match (self.json, self.jsonl) {
            (_, true) => Some(JsonShape::Lines),
            (true, false) => Some(JsonShape::Array),
            (false, false) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum JsonShape {
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

/// `--since`: a span is counted back from the moment the flag is read.
fn parse_since(text: &str) -> std::result::Result<i64, timefmt::SinceError> {
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
