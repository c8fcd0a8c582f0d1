//! Request binding: fills a request struct from the path, the query or form body, the headers
//! and the JSON body, and enforces the `.api` tag options (`optional`, `default=`,
//! `options=a|b`, `range=[a:b)`) before `serde` sees the data.
//!
//! A request type describes its fields once, in a constant table that rzctl generates from
//! the `.api` tags (hand-written types can write it too):
//!
//! ```
//! use rzero::rest::bind::{Bindable, Field, Kind, Range, Source};
//!
//! #[derive(serde::Deserialize)]
//! struct ListReq {
//!     id: i64,
//!     page: i64,
//!     sort: String,
//! }
//!
//! impl Bindable for ListReq {
//!     const FIELDS: &'static [Field] = &[
//!         Field::new("id", Source::Path, Kind::Int),
//!         Field::new("page", Source::Form, Kind::Int)
//!             .default("1")
//!             .range(Range::closed_open(1.0, 100.0)),
//!         Field::new("sort", Source::Form, Kind::String).options(&["time", "likes"]),
//!     ];
//! }
//! ```
//!
//! A handler then takes `Bind(req): Bind<ListReq>`; a field that is missing or breaks a rule
//! is answered 400 with a message naming the field and the rule.

mod extract;
mod rules;
mod spec;

pub use extract::Bind;
pub use rules::BindError;
pub use spec::{Bindable, Field, Kind, Range, Source};
