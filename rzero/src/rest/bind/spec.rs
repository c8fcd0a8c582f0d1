use serde::de::DeserializeOwned;
use std::fmt;

/// A request type that knows where each of its fields comes from.
///
/// A struct describes its fields and keeps the default [`Bindable::KIND`]. Builtins and lists
/// (`post /books ([]Book)`, `post /echo (string)` in a `.api`) are *whole bodies*: the request
/// body is one JSON value of their `KIND`; a list's `FIELDS` are its elements' fields, checked
/// in every element.
pub trait Bindable: DeserializeOwned + Send {
    /// One entry per field, named by its wire name (the JSON key, query key, header name or
    /// path parameter).
    const FIELDS: &'static [Field];

    /// How the whole request reads as one JSON value; anything but [`Kind::Object`] makes the
    /// type a whole body.
    const KIND: &'static Kind = &Kind::Object;
}

/// Builtins as whole bodies.
macro_rules! whole_body {
    ($kind:expr => $($ty:ty),+) => {$(
        impl Bindable for $ty {
            const FIELDS: &'static [Field] = &[];
            const KIND: &'static Kind = &$kind;
        }
    )+};
}

whole_body!(Kind::String => String);
whole_body!(Kind::Bool => bool);
whole_body!(Kind::Int => i8, i16, i32, i64);
whole_body!(Kind::Uint => u8, u16, u32, u64);
whole_body!(Kind::Float => f32, f64);
whole_body!(Kind::Any => serde_json::Value);

impl<T: Bindable> Bindable for Vec<T> {
    const FIELDS: &'static [Field] = T::FIELDS;
    const KIND: &'static Kind = &Kind::List(T::KIND);
}

/// Where a field's value is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A path parameter (`/user/:id`).
    Path,
    /// The query string, and a `application/x-www-form-urlencoded` body.
    Form,
    /// A request header (matched case-insensitively).
    Header,
    /// A key of the JSON body.
    Json,
}

/// The shape a field's value must have; text sources (path, form, header) are converted to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    /// A signed integer.
    Int,
    /// An unsigned integer.
    Uint,
    Float,
    Bool,
    /// A list; from text sources, repeated keys or one comma-separated value.
    List(&'static Kind),
    /// A JSON object, checked against [`Field::fields`] when those are given.
    Object,
    /// Anything (`any`, `interface{}`, maps).
    Any,
}

impl Kind {
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Int => "an integer",
            Kind::Uint => "a non-negative integer",
            Kind::Float => "a number",
            Kind::Bool => "a boolean",
            Kind::List(_) => "a list",
            Kind::Object => "an object",
            Kind::Any => "a value",
        }
    }

    pub(crate) fn is_numeric(&self) -> bool {
        matches!(self, Kind::Int | Kind::Uint | Kind::Float)
    }
}

/// A numeric range as the `.api` writes it: `[1:100)`, `(0:]`, `[:10]`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: Option<f64>,
    pub min_inclusive: bool,
    pub max: Option<f64>,
    pub max_inclusive: bool,
}

impl Range {
    pub const fn new(
        min: Option<f64>,
        min_inclusive: bool,
        max: Option<f64>,
        max_inclusive: bool,
    ) -> Self {
        Self {
            min,
            min_inclusive,
            max,
            max_inclusive,
        }
    }

    /// `[min:max)`
    pub const fn closed_open(min: f64, max: f64) -> Self {
        Self::new(Some(min), true, Some(max), false)
    }

    /// `[min:max]`
    pub const fn closed(min: f64, max: f64) -> Self {
        Self::new(Some(min), true, Some(max), true)
    }

    pub fn contains(&self, value: f64) -> bool {
        let above = match self.min {
            None => true,
            Some(min) if self.min_inclusive => value >= min,
            Some(min) => value > min,
        };
        let below = match self.max {
            None => true,
            Some(max) if self.max_inclusive => value <= max,
            Some(max) => value < max,
        };
        above && below
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.min_inclusive { "[" } else { "(" })?;
        if let Some(min) = self.min {
            write!(f, "{min}")?;
        }
        f.write_str(":")?;
        if let Some(max) = self.max {
            write!(f, "{max}")?;
        }
        f.write_str(if self.max_inclusive { "]" } else { ")" })
    }
}

/// One field of a [`Bindable`] type. Built with `const` methods so tables are constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub source: Source,
    pub kind: Kind,
    /// May be absent (the Rust field is an `Option`).
    pub optional: bool,
    /// Used when absent, written as the `.api` writes it.
    pub default: Option<&'static str>,
    /// When not empty, the value (each element, for lists) must be one of these.
    pub options: &'static [&'static str],
    pub range: Option<Range>,
    /// For lists: exactly this many elements (a fixed-size `[N]T` in the `.api`).
    pub length: Option<usize>,
    /// For JSON objects (or lists of them): the fields of the nested struct.
    pub fields: &'static [Field],
}

impl Field {
    pub const fn new(name: &'static str, source: Source, kind: Kind) -> Self {
        Self {
            name,
            source,
            kind,
            optional: false,
            default: None,
            options: &[],
            range: None,
            length: None,
            fields: &[],
        }
    }

    pub const fn optional(mut self) -> Self {
        self.optional = true;
        self
    }

    pub const fn default(mut self, value: &'static str) -> Self {
        self.default = Some(value);
        self
    }

    pub const fn options(mut self, options: &'static [&'static str]) -> Self {
        self.options = options;
        self
    }

    pub const fn range(mut self, range: Range) -> Self {
        self.range = Some(range);
        self
    }

    pub const fn length(mut self, length: usize) -> Self {
        self.length = Some(length);
        self
    }

    pub const fn fields(mut self, fields: &'static [Field]) -> Self {
        self.fields = fields;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_honour_their_brackets() {
        let r = Range::closed_open(1.0, 100.0);
        assert!(r.contains(1.0) && r.contains(99.5));
        assert!(!r.contains(100.0) && !r.contains(0.0));
        assert_eq!(r.to_string(), "[1:100)");
        let open_min = Range::new(Some(0.0), false, None, false);
        assert!(!open_min.contains(0.0) && open_min.contains(1e12));
        assert_eq!(open_min.to_string(), "(0:)");
        assert_eq!(Range::closed(0.5, 2.0).to_string(), "[0.5:2]");
    }
}
