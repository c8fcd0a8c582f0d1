//! Decodes struct tags: Go's `key:"value"` syntax, with go-zero's options in
//! the value (`name,optional,default=1,options=a|b,range=[1:10)`).

use super::model::{Builtin, GoType, NumberRange, Tag, TagEntry};

/// Decodes the text between the backquotes of a tag.
pub fn parse_tag(raw: &str) -> Result<Tag, String> {
    let mut entries = Vec::new();
    let mut rest = raw;
    loop {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            break;
        }
        let key_len = rest
            .char_indices()
            .find(|&(_, c)| c <= ' ' || c == ':' || c == '"' || c == '\x7f')
            .map_or(rest.len(), |(i, _)| i);
        let key = &rest[..key_len];
        let after_key = &rest[key_len..];
        if key.is_empty() || !after_key.starts_with(":\"") {
            return Err(format!(
                "malformed struct tag near `{}`: expected key:\"value\"",
                shorten(rest)
            ));
        }
        let (value, remaining) = quoted_value(&after_key[2..])
            .ok_or_else(|| format!("unterminated value in struct tag key `{key}`"))?;
        entries.push(parse_entry(key, &value)?);
        rest = remaining;
    }
    Ok(Tag {
        raw: raw.to_owned(),
        entries,
    })
}

fn shorten(s: &str) -> String {
    let short: String = s.chars().take(20).collect();
    if short.len() < s.len() {
        format!("{short}...")
    } else {
        short
    }
}

/// The value of a Go quoted string whose opening quote is already consumed,
/// and the text after its closing quote.
fn quoted_value(s: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &s[i + 1..])),
            '\\' => {
                let (_, escaped) = chars.next()?;
                match escaped {
                    'n' => value.push('\n'),
                    't' => value.push('\t'),
                    other => value.push(other),
                }
            }
            c => value.push(c),
        }
    }
    None
}

/// Splits at commas that are not inside `[...]` or `(...)`, so that
/// `options=[a,b]` and `range=[1,2]`-like values stay whole.
fn split_segments(value: &str) -> Vec<&str> {
    let mut segments = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in value.char_indices() {
        match c {
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth <= 0 => {
                segments.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    segments.push(&value[start..]);
    segments
}

fn parse_entry(key: &str, value: &str) -> Result<TagEntry, String> {
    let mut segments = split_segments(value).into_iter();
    let name = segments.next().unwrap_or("").trim().to_owned();
    let mut entry = TagEntry {
        key: key.to_owned(),
        name,
        optional: false,
        omitempty: false,
        default: None,
        options: Vec::new(),
        range: None,
        other: Vec::new(),
    };
    for segment in segments {
        let segment = segment.trim();
        match segment.split_once('=') {
            None if segment == "optional" => entry.optional = true,
            None if segment == "omitempty" => entry.omitempty = true,
            Some(("default", v)) => entry.default = Some(v.to_owned()),
            Some(("options", v)) => entry.options = parse_options(v),
            Some(("range", v)) => {
                entry.range = Some(parse_range(v).ok_or_else(|| {
                    format!(
                        "invalid range `{v}` in struct tag key `{key}`: expected e.g. [1:100) with [ or ( and ] or )"
                    )
                })?);
            }
            _ if segment.is_empty() => {}
            _ => entry.other.push(segment.to_owned()),
        }
    }
    Ok(entry)
}

fn parse_options(v: &str) -> Vec<String> {
    let (inner, sep) = match v.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        Some(inner) => (inner, ','),
        None => (v, '|'),
    };
    inner
        .split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn parse_range(v: &str) -> Option<NumberRange> {
    let v = v.trim();
    let min_inclusive = match v.chars().next()? {
        '[' => true,
        '(' => false,
        _ => return None,
    };
    let max_inclusive = match v.chars().last()? {
        ']' => true,
        ')' => false,
        _ => return None,
    };
    let inner = v.get(1..v.len().checked_sub(1)?)?;
    let (lo, hi) = inner.split_once(':')?;
    let bound = |s: &str| -> Option<Option<f64>> {
        let s = s.trim();
        if s.is_empty() {
            Some(None)
        } else {
            s.parse::<f64>().ok().filter(|f| f.is_finite()).map(Some)
        }
    };
    let min = bound(lo)?;
    let max = bound(hi)?;
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return None;
    }
    Some(NumberRange {
        min,
        min_inclusive,
        max,
        max_inclusive,
    })
}

/// A tag option whose value does not fit the field it is on: `option` is `default`,
/// `options` or `range`, for pointing at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagProblem {
    pub option: &'static str,
    pub message: String,
}

/// What one value of a field is, for checking the tag's values before rzero would refuse them
/// at run time (or OpenAPI would describe a default the type cannot hold).
#[derive(Debug, Clone, Copy, PartialEq)]
enum ValueKind {
    Int {
        min: i128,
        max: i128,
    },
    Float,
    Bool,
    String,
    /// Objects, maps and `any`: their defaults are JSON text rzctl does not second-guess.
    Other,
}

impl ValueKind {
    /// The kind of a field's values; lists are checked element by element, as rzero does.
    fn of(ty: &GoType) -> ValueKind {
        match ty {
            GoType::Pointer { elem } | GoType::Slice { elem } | GoType::Array { elem, .. } => {
                ValueKind::of(elem)
            }
            GoType::Builtin { name } => {
                let int = |bits: u32| ValueKind::Int {
                    min: -(1i128 << (bits - 1)),
                    max: (1i128 << (bits - 1)) - 1,
                };
                let uint = |bits: u32| ValueKind::Int {
                    min: 0,
                    max: (1i128 << bits) - 1,
                };
                match name {
                    Builtin::Int | Builtin::Int64 => int(64),
                    Builtin::Int32 | Builtin::Rune => int(32),
                    Builtin::Int16 => int(16),
                    Builtin::Int8 => int(8),
                    Builtin::Uint | Builtin::Uint64 | Builtin::Uintptr => uint(64),
                    Builtin::Uint32 => uint(32),
                    Builtin::Uint16 => uint(16),
                    Builtin::Uint8 | Builtin::Byte => uint(8),
                    Builtin::Float32 | Builtin::Float64 => ValueKind::Float,
                    Builtin::Complex64 | Builtin::Complex128 => ValueKind::Other,
                    Builtin::Bool => ValueKind::Bool,
                    Builtin::String => ValueKind::String,
                }
            }
            GoType::Named { .. } | GoType::Struct { .. } | GoType::Map { .. } | GoType::Any => {
                ValueKind::Other
            }
        }
    }

    fn numeric(self) -> bool {
        matches!(self, ValueKind::Int { .. } | ValueKind::Float)
    }

    /// The value as a number (for range and options comparisons), or why it is not one of
    /// this kind. Accepts what rzero's binding accepts.
    fn parse(self, text: &str, go: &str) -> Result<Option<f64>, String> {
        let text = text.trim();
        match self {
            ValueKind::Int { min, max } => match text.parse::<i128>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n as f64)),
                Ok(_) => Err(format!("`{text}` does not fit `{go}` ({min} to {max})")),
                Err(_) => Err(format!("`{text}` is not an integer, as `{go}` needs")),
            },
            ValueKind::Float => match text.parse::<f64>() {
                Ok(f) if f.is_finite() => Ok(Some(f)),
                _ => Err(format!("`{text}` is not a number, as `{go}` needs")),
            },
            ValueKind::Bool => match text {
                "1" | "t" | "T" | "true" | "TRUE" | "True" | "0" | "f" | "F" | "false"
                | "FALSE" | "False" => Ok(None),
                _ => Err(format!("`{text}` is not a boolean (true or false)")),
            },
            ValueKind::String | ValueKind::Other => Ok(None),
        }
    }
}

fn in_range(range: &NumberRange, value: f64) -> bool {
    let above = match range.min {
        None => true,
        Some(min) if range.min_inclusive => value >= min,
        Some(min) => value > min,
    };
    let below = match range.max {
        None => true,
        Some(max) if range.max_inclusive => value <= max,
        Some(max) => value < max,
    };
    above && below
}

fn describe_range(range: &NumberRange) -> String {
    let bound = |b: Option<f64>| b.map(|v| v.to_string()).unwrap_or_default();
    format!(
        "{}{}:{}{}",
        if range.min_inclusive { "[" } else { "(" },
        bound(range.min),
        bound(range.max),
        if range.max_inclusive { "]" } else { ")" }
    )
}

/// Checks `default=`, `options=` and `range=` of one tag entry against the field's type
/// `ty`: values of the type, a range only on numbers, a default among the options and inside
/// the range. A list's default is split at commas, as rzero splits it.
pub fn check_values(entry: &TagEntry, ty: &GoType) -> Vec<TagProblem> {
    let kind = ValueKind::of(ty);
    let go = ty.to_go();
    let mut problems = Vec::new();
    let mut problem = |option: &'static str, message: String| {
        problems.push(TagProblem { option, message });
    };
    if entry.range.is_some() && !kind.numeric() {
        problem(
            "range",
            format!("`range` applies to numbers, but the field is `{go}`"),
        );
    }
    let mut options = Vec::new();
    for option in &entry.options {
        match kind.parse(option, &go) {
            Ok(number) => options.push((option.as_str(), number)),
            Err(why) => problem("options", format!("option {why}")),
        }
    }
    let Some(default) = &entry.default else {
        return problems;
    };
    let list = matches!(ty, GoType::Slice { .. } | GoType::Array { .. })
        || matches!(ty, GoType::Pointer { elem } if matches!(**elem, GoType::Slice { .. } | GoType::Array { .. }));
    let values: Vec<&str> = if list {
        default.split(',').filter(|v| !v.is_empty()).collect()
    } else {
        vec![default.as_str()]
    };
    for value in values {
        let number = match kind.parse(value, &go) {
            Ok(number) => number,
            Err(why) => {
                problem("default", format!("default {why}"));
                continue;
            }
        };
        if !entry.options.is_empty() && options.len() == entry.options.len() {
            let listed = options.iter().any(|(text, n)| match (n, number) {
                (Some(a), Some(b)) => *a == b,
                _ => text.trim() == value.trim(),
            });
            if !listed {
                problem(
                    "default",
                    format!(
                        "default `{value}` is not one of the options {}",
                        entry.options.join("|")
                    ),
                );
            }
        }
        if let (Some(range), Some(n)) = (&entry.range, number)
            && !in_range(range, n)
        {
            problem(
                "default",
                format!(
                    "default `{value}` is outside the range {}",
                    describe_range(range)
                ),
            );
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(raw: &str) -> TagEntry {
        match parse_tag(raw) {
            Ok(tag) => tag
                .entries
                .into_iter()
                .next()
                .unwrap_or_else(|| panic!("no entry in {raw}")),
            Err(e) => panic!("{raw}: {e}"),
        }
    }

    #[test]
    fn decodes_names_and_flags() {
        let e = entry(r#"json:"name,optional,omitempty""#);
        assert_eq!(e.key, "json");
        assert_eq!(e.name, "name");
        assert!(e.optional && e.omitempty);
    }

    #[test]
    fn decodes_default_options_and_range() {
        let e = entry(r#"form:"page,default=1,options=1|2|3,range=[1:100)""#);
        assert_eq!(e.default.as_deref(), Some("1"));
        assert_eq!(e.options, vec!["1", "2", "3"]);
        assert_eq!(
            e.range,
            Some(NumberRange {
                min: Some(1.0),
                min_inclusive: true,
                max: Some(100.0),
                max_inclusive: false
            })
        );
        let e = entry(r#"json:"kind,options=[a,b]""#);
        assert_eq!(e.options, vec!["a", "b"]);
        let e = entry(r#"json:"n,range=(:5]""#);
        assert_eq!(
            e.range.map(|r| (r.min, r.min_inclusive, r.max)),
            Some((None, false, Some(5.0)))
        );
    }

    #[test]
    fn decodes_several_keys() {
        let tag =
            parse_tag(r#"path:"id" header:"X-Token" json:"-""#).unwrap_or_else(|e| panic!("{e}"));
        let keys: Vec<&str> = tag.entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, vec!["path", "header", "json"]);
        assert_eq!(tag.get("header").map(|e| e.name.as_str()), Some("X-Token"));
    }

    fn problems(raw: &str, ty: &str) -> Vec<String> {
        let ty = match ty {
            "[]int8" => GoType::Slice {
                elem: Box::new(GoType::Builtin {
                    name: Builtin::Int8,
                }),
            },
            "Obj" => GoType::Named {
                name: "Obj".to_owned(),
            },
            name => GoType::Builtin {
                name: Builtin::from_name(name).unwrap_or_else(|| panic!("{name}")),
            },
        };
        check_values(&entry(raw), &ty)
            .into_iter()
            .map(|p| format!("{}: {}", p.option, p.message))
            .collect()
    }

    #[test]
    fn values_must_fit_the_field_type() {
        assert_eq!(
            problems(r#"form:"p,default=x""#, "int64"),
            ["default: default `x` is not an integer, as `int64` needs"]
        );
        assert_eq!(
            problems(r#"form:"p,options=1|a""#, "int"),
            ["options: option `a` is not an integer, as `int` needs"]
        );
        assert_eq!(
            problems(r#"form:"p,default=300""#, "uint8"),
            ["default: default `300` does not fit `uint8` (0 to 255)"]
        );
        assert_eq!(
            problems(r#"form:"p,default=-1""#, "uint"),
            ["default: default `-1` does not fit `uint` (0 to 18446744073709551615)"]
        );
        assert_eq!(
            problems(r#"json:"n,range=[1:5]""#, "string"),
            ["range: `range` applies to numbers, but the field is `string`"]
        );
        assert_eq!(
            problems(r#"json:"n,range=[1:5]""#, "Obj"),
            ["range: `range` applies to numbers, but the field is `Obj`"]
        );
        assert_eq!(
            problems(r#"json:"on,default=yes""#, "bool"),
            ["default: default `yes` is not a boolean (true or false)"]
        );
        assert_eq!(
            problems(r#"json:"r,default=1.5e400""#, "float64"),
            ["default: default `1.5e400` is not a number, as `float64` needs"]
        );
    }

    #[test]
    fn defaults_must_be_among_options_and_inside_ranges() {
        assert_eq!(
            problems(r#"form:"s,default=c,options=a|b""#, "string"),
            ["default: default `c` is not one of the options a|b"]
        );
        assert_eq!(
            problems(r#"form:"p,default=0,range=[1:10)""#, "int"),
            ["default: default `0` is outside the range [1:10)"]
        );
        assert_eq!(
            problems(r#"form:"p,default=10,range=[1:10)""#, "int"),
            ["default: default `10` is outside the range [1:10)"]
        );
        // numbers compare as numbers; lists element by element
        assert!(problems(r#"form:"p,default=02,options=1|2""#, "int").is_empty());
        assert!(problems(r#"form:"p,default=1.0,range=[1:2]""#, "float32").is_empty());
        assert_eq!(
            problems(r#"form:"ids,default=1,range=[2:3]""#, "[]int8"),
            ["default: default `1` is outside the range [2:3]"]
        );
        assert!(problems(r#"form:"s,default=title,options=title|price""#, "string").is_empty());
        assert!(problems(r#"json:"o,default={}""#, "Obj").is_empty());
    }

    #[test]
    fn rejects_malformed_tags() {
        assert!(parse_tag("json:name").is_err());
        assert!(parse_tag(r#"json:"name"#).is_err());
        assert!(parse_tag(r#"json:"n,range=[5:1]""#).is_err());
        assert!(parse_tag(r#"json:"n,range=1:2""#).is_err());
        assert!(parse_tag("").is_ok());
    }
}
