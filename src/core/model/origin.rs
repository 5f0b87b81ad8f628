//! Where a stored version or push came from. Decided once, where the data
//! enters the store (the client that fetched it knows whether it spoke to the
//! demo shop; an import knows whether it was given a read time), and read
//! back as this type, so no part of the tool compares source strings.

use serde::{Serialize, Serializer};

/// How a version or a push reached the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Origin {
    /// Fetched from the shop API on demand (`show --live`, the inspector).
    Live,
    /// Fetched by `sync`.
    Sync,
    /// Fetched while listing the shop's orders.
    List,
    /// Fetched by the receiver right after a push about the order.
    PushReread,
    /// Received by `orderscope serve`.
    Serve,
    /// Imported with its read time (a wrapped response, a push log).
    Import,
    /// Imported as a bare response: when it was read is unknown, and the
    /// order's own `update_time` stands in for it.
    ImportUntimed,
    /// The two real reads of the seed order, from the forum thread.
    Seed,
    /// Made up by the bundled demo, or fetched from the demo shop.
    Demo,
    /// A tag this build does not know (a newer build wrote it).
    #[default]
    Unknown,
}

/// What a piece of data is, as evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// Fetched or received by the tool (or imported from a log of that).
    Observed,
    /// Computed from observed fields by a documented rule.
    Inferred,
    /// Someone reported it (`orderscope note`); not seen by the tool.
    Reported,
    /// Made up by the bundled demo; not evidence of anything.
    Demo,
}

impl Provenance {
    pub fn name(self) -> &'static str {
        match self {
            Provenance::Observed => "observed",
            Provenance::Inferred => "inferred",
            Provenance::Reported => "reported",
            Provenance::Demo => "demo",
        }
    }

    pub fn label(self, lang: super::Lang) -> &'static str {
        match self {
            Provenance::Observed => lang.text("观测", "observed"),
            Provenance::Inferred => lang.text("推断", "inferred"),
            Provenance::Reported => lang.text("报告", "reported"),
            Provenance::Demo => lang.text("演示", "demo"),
        }
    }
}

impl Origin {
    /// The tag stored in the `source` column.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Live => "live",
            Origin::Sync => "sync",
            Origin::List => "list",
            Origin::PushReread => "push",
            Origin::Serve => "serve",
            Origin::Import => "import",
            Origin::ImportUntimed => "import_untimed",
            Origin::Seed => "seed",
            Origin::Demo => "demo",
            Origin::Unknown => "unknown",
        }
    }

    /// The stored tag read back; a tag this build does not know is kept as unknown.
    pub fn from_stored(tag: &str) -> Origin {
        match tag {
            "live" => Origin::Live,
            "sync" => Origin::Sync,
            "list" => Origin::List,
            "push" => Origin::PushReread,
            "serve" => Origin::Serve,
            "import" => Origin::Import,
            "import_untimed" => Origin::ImportUntimed,
            "seed" => Origin::Seed,
            "demo" => Origin::Demo,
            _ => Origin::Unknown,
        }
    }

    pub fn is_demo(self) -> bool {
        self == Origin::Demo
    }

    /// Is the stored time the moment it was read (or received)?
    pub fn read_time_known(self) -> bool {
        self != Origin::ImportUntimed
    }

    pub fn provenance(self) -> Provenance {
        if self.is_demo() { Provenance::Demo } else { Provenance::Observed }
    }
}

impl From<&str> for Origin {
    fn from(tag: &str) -> Origin {
        Origin::from_stored(tag)
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Origin {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_origin_reads_back_as_itself() {
        for o in [
            Origin::Live,
            Origin::Sync,
            Origin::List,
            Origin::PushReread,
            Origin::Serve,
            Origin::Import,
            Origin::ImportUntimed,
            Origin::Seed,
            Origin::Demo,
            Origin::Unknown,
        ] {
            assert_eq!(Origin::from_stored(o.as_str()), o);
        }
        assert_eq!(Origin::from_stored("from-the-future"), Origin::Unknown);
        assert!(!Origin::ImportUntimed.read_time_known() && Origin::Import.read_time_known());
        assert_eq!(Origin::Demo.provenance(), Provenance::Demo);
        assert_eq!(Origin::Seed.provenance(), Provenance::Observed);
    }
}
