//! Decodes struct tags: Go's `key:"value"` syntax, with go-zero's options in
//! the value (`name,optional,default=1,options=a|b,range=[1:10)`).

use super::model::{NumberRange, Tag, TagEntry};

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

    #[test]
    fn rejects_malformed_tags() {
        assert!(parse_tag("json:name").is_err());
        assert!(parse_tag(r#"json:"name"#).is_err());
        assert!(parse_tag(r#"json:"n,range=[5:1]""#).is_err());
        assert!(parse_tag(r#"json:"n,range=1:2""#).is_err());
        assert!(parse_tag("").is_ok());
    }
}
