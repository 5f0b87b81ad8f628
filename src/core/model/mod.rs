//! The domain core: orders, pushes, names and virtual numbers. No I/O.

pub mod names;
pub mod order;
pub mod origin;
pub mod push;
pub mod quoted;
pub mod record;
pub mod vnum;

pub use names::Lang;
pub use order::Order;
pub use origin::{Origin, Provenance};
pub use push::Push;
pub use vnum::{Vnum, VnumState};
