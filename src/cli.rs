//! The command line: flags, and the non-interactive commands ("twins" of
//! what the inspector shows) for scripts and tickets.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::model::names::{self, Lang};
use crate::model::vnum::state_of;
use crate::store::{OpenMode, Store};
use crate::version_pair::{Version, pick_pair};
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
    Demo {
        /// Serve only the demo shop's API on loopback (to try show, timeline, report and compare on it)
        #[arg(long)]
        shop: bool,
    },
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
    Report {
        order_id: String,
        /// Add a comparison with this second order (as `compare` shows it)
        #[arg(long, value_name = "ORDER_ID")]
        compare: Option<String>,
    },
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
    /// Record a fact someone reported about an order (provenance: reported)
    Note {
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
    Compare {
        order_a: String,
        order_b: String,
        /// Print one JSON document (order ids as strings)
        #[arg(long)]
        json: bool,
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

fn parse_time(text: &str) -> std::result::Result<i64, String> {
    timefmt::parse_time(text)
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
    let demo = store.demo_orders()?;
    if json_out {
        let list: Vec<Value> = rows
            .iter()
            .map(|r| {
                json!({
                    "order_id": r.order_id,
                    "source": if demo.contains(&r.order_id) { "demo" } else { "observed" },
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
            format_args!(
                "{} snapshots{}",
                r.snapshots,
                if demo.contains(&r.order_id) { lang.text("  [演示]", "  [demo]") } else { "" }
            ),
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
    let store = ensure_order(cli, order_id, !json_out)?;
    let Some(snap) = store.latest_snapshot(order_id)? else {
        bail!("{}", what_to_collect(order_id, "only pushes or notes are stored for it, no order/get response"));
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
    if snap.source == "demo" {
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
            let source = if v.is_demo() { "demo" } else { "observed" };
            json!({"id": v.snapshot_id, "fetched_at": v.fetched_at, "status": v.order.status(), "shipped": v.order.is_shipped(), "source": source})
        }
        None => Value::Null,
    }
}

pub fn diff(cli: &Cli, order_id: &str, json_out: bool) -> Result<()> {
    let store = ensure_order(cli, order_id, !json_out)?;
    let versions = versions(&store, order_id)?;
    if versions.is_empty() {
        bail!("{}", what_to_collect(order_id, "only pushes or notes are stored for it, no order/get response"));
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
    out.write_all(diff_text(&pair).as_bytes())?;
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

pub fn messages(cli: &Cli, order_id: Option<&str>, json_out: bool) -> Result<()> {
    let store = cli.open_store(OpenMode::Existing)?;
    let rows = store.messages(order_id)?;
    if rows.is_empty() {
        let whose = order_id.map(|id| format!(" for order {id}")).unwrap_or_default();
        eprintln!(
            "no push is stored{whose} (the receiver was not running / no push log was imported: orderscope import PUSHES.jsonl)"
        );
    }
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
                    "source": if m.source == "demo" { "demo" } else { "observed" },
                    "stored_by": m.source,
                    "details": names::push_details(&m.payload(), Lang::En),
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
        let details = names::push_details(&m.payload(), lang);
        writeln!(
            out,
            "{}  {}  {}  {}{}{}{}",
            timefmt::full(m.received_at),
            m.order_id.as_deref().unwrap_or("-"),
            names::event_short(event),
            names::push_meaning(event, m.kind, lang),
            m.kind.map(|k| format!(" (type {k})")).unwrap_or_default(),
            if details.is_empty() { String::new() } else { format!(" · {}", details.join("; ")) },
            if m.source == "demo" { lang.text("  [演示]", "  [demo]") } else { "" },
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

/// `orderscope compare A B`: both orders' facts side by side, the
/// differences, and the comparative explanation.
pub fn compare(cli: &Cli, a: &str, b: &str, json_out: bool) -> Result<()> {
    if a == b {
        bail!("compare needs two different orders ({a} given twice)");
    }
    ensure_order(cli, a, !json_out)?;
    let store = ensure_order(cli, b, !json_out)?;
    let lang = if json_out { cli.lang.map(|_| cli.lang()).unwrap_or(Lang::En) } else { cli.lang() };
    let cmp = crate::explain::compare::compare(&store.evidence(a)?, &store.evidence(b)?, lang);
    if json_out {
        return print_json(&serde_json::to_value(&cmp)?);
    }
    let mut out = std::io::stdout().lock();
    out.write_all(compare_text(&cmp, lang).as_bytes())?;
    Ok(())
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
        let line = format!(
            "{mark} {}  {}  {}",
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
        let mark = if s.demo { lang.text("[演示数据] ", "[demo data] ") } else { "" };
        out.push_str(&format!("- {mark}{}\n", text::visible(&s.statement)));
        for e in &s.evidence {
            out.push_str(&format!("    · {}\n", text::visible(e)));
        }
    }
    out
}

/// `orderscope note`: one reported fact, stored apart from observations.
pub fn note(
    cli: &Cli,
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
    let mut store = cli.open_store(OpenMode::Create)?;
    let note = crate::explain::Note {
        id: 0,
        order_id: order_id.to_string(),
        at,
        event,
        kind,
        text: text.trim().to_string(),
        recorded_at: timefmt::now(),
    };
    let id = store.write(|c| crate::store::write::add_note(c, &note))?;
    println!("note #{id} recorded for order {order_id} (reported, not observed)");
    Ok(())
}

/// What to collect about an order the store knows nothing (or too little)
/// about, and the commands that bring it in.
pub fn what_to_collect(order_id: &str, why: &str) -> String {
    format!(
        "order {order_id}: {why}. To answer about it, collect:\n  \
         - its order/get responses from before and after shipping (or one current read: the expiry still dates the clock start): orderscope import RESPONSE.json...\n  \
         - the push log for it, with receive times: orderscope import PUSHES.jsonl\n  \
         - when the push receiver was running (orderscope serve records it; a log of up periods, one {{\"started_at\",\"last_seen\",\"stopped_at\"}} per line: orderscope import PERIODS.jsonl)\n  \
         - or configure the shop API (ORDERSCOPE_APPID and ORDERSCOPE_APPSECRET, or appid/appsecret in the config file) and rerun: it fetches the order itself"
    )
}

/// The store, holding at least one version of `order_id`: fetched from the
/// shop API (and stored) when the store has none and credentials are
/// configured; otherwise an error naming what to collect. An order the store
/// knows only from pushes or notes is returned as it is.
pub fn ensure_order(cli: &Cli, order_id: &str, say: bool) -> Result<Store> {
    let path = cli.store_path()?;
    // Known from pushes or notes only: still worth a fetch, but enough to go on without one.
    let mut known_without_version = false;
    if path.exists() {
        let store = cli.open_store(OpenMode::Existing)?;
        if store.latest_snapshot(order_id)?.is_some() {
            return Ok(store);
        }
        known_without_version = store.order(order_id)?.is_some() || !store.notes(order_id)?.is_empty();
    }
    let config = cli.load_config()?;
    let Some(client) = api_client(cli, &config)? else {
        if known_without_version {
            return cli.open_store(OpenMode::Existing);
        }
        if !path.exists() {
            // Same wording as every other read of a missing store.
            cli.open_store(OpenMode::Existing)?;
        }
        bail!(
            "{}",
            what_to_collect(order_id, "not in the store, and no shop API credentials are configured to fetch it")
        );
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let order = runtime.block_on(client.order_get(order_id)).map_err(|e| {
        anyhow::anyhow!(
            "{}",
            what_to_collect(order_id, &format!("not in the store, and the shop API could not fetch it ({e})"))
        )
    })?;
    // What the demo shop serves is made up: stored as demo, never as observed.
    let demo_shop = config.get("ORDERSCOPE_APPID", "appid").as_deref() == Some(crate::demo::DEMO_APPID);
    let mut store = cli.open_store(OpenMode::Create)?;
    store.add_snapshot(&order, timefmt::now(), if demo_shop { "demo" } else { "live" })?;
    if say {
        eprintln!("order {order_id} was not in the store: fetched it from the shop API and stored this version");
    }
    Ok(store)
}

pub fn timeline(cli: &Cli, order_id: &str, json_out: bool) -> Result<()> {
    let store = ensure_order(cli, order_id, !json_out)?;
    let lang = if json_out { cli.lang.map(|_| cli.lang()).unwrap_or(Lang::En) } else { cli.lang() };
    let story = store.story(order_id, lang)?;
    if json_out {
        return print_json(&serde_json::to_value(&story)?);
    }
    let mut out = std::io::stdout().lock();
    for e in &story.entries {
        let source = e.source.name();
        write!(out, "{}  {source:<8}  {}", timefmt::full(e.at), text::visible(&e.summary))?;
        if let Some(rule) = &e.rule {
            write!(out, "  [{rule}]")?;
        }
        writeln!(out)?;
    }
    writeln!(out)?;
    for s in &story.explanation {
        let mark = if s.demo { lang.text("[演示数据] ", "[demo data] ") } else { "" };
        writeln!(out, "- {mark}{}", text::visible(&s.statement))?;
        for e in &s.evidence {
            writeln!(out, "    · {}", text::visible(e))?;
        }
    }
    Ok(())
}

pub fn report(cli: &Cli, order_id: &str, other: Option<&str>) -> Result<()> {
    if other == Some(order_id) {
        bail!("--compare needs a different order ({order_id} given twice)");
    }
    if let Some(b) = other {
        ensure_order(cli, b, true)?;
    }
    let store = ensure_order(cli, order_id, true)?;
    let lang = cli.lang();
    let versions = versions(&store, order_id)?;
    let messages = store.messages(Some(order_id))?;
    let story = store.story(order_id, lang)?;
    let mut markdown = crate::report::markdown(order_id, &versions, &messages, &story, lang, timefmt::now());
    if let Some(b) = other {
        let cmp = crate::explain::compare::compare(&store.evidence(order_id)?, &store.evidence(b)?, lang);
        markdown.push_str(&crate::report::comparison_markdown(&cmp, lang));
    }
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
        eprintln!("message {id}: still unreadable: {why}");
    }
    println!("{released} quarantined pushes recovered, {} still quarantined", still.len());
    Ok(still.is_empty())
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
