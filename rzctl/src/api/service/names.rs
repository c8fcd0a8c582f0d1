//! Go/.api names to Rust names.

use heck::{ToPascalCase, ToShoutySnakeCase, ToSnakeCase};

/// Words Rust reserves; a field or module with one of these names gets a raw identifier.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield", "abstract", "become", "do",
    "final", "macro", "override",
];

/// Keywords that cannot be raw identifiers; they get a trailing underscore instead.
const NOT_RAW: &[&str] = &["self", "Self", "super", "crate", "_"];

/// A snake_case identifier for a field, function or module: `GetUserInfo` -> `get_user_info`.
pub(crate) fn snake(name: &str) -> String {
    ident(name.to_snake_case())
}

/// A PascalCase type name: `user_check` -> `UserCheck`.
pub(crate) fn pascal(name: &str) -> String {
    ident(name.to_pascal_case())
}

/// `SHOUTY_SNAKE`, for environment variable prefixes.
pub(crate) fn shouty(name: &str) -> String {
    name.to_shouty_snake_case()
}

/// A Cargo package name: lower case, `-` separated.
pub(crate) fn package(name: &str) -> String {
    name.to_snake_case().replace('_', "-")
}

fn ident(name: String) -> String {
    let name = if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{name}")
    } else {
        name
    };
    if NOT_RAW.contains(&name.as_str()) {
        format!("{name}_")
    } else if KEYWORDS.contains(&name.as_str()) {
        format!("r#{name}")
    } else {
        name
    }
}

/// Doc comment lines from comment and `@doc` texts: Rust ends a `///` comment at a line break
/// and refuses a bare carriage return inside one, so every line of a text (a block comment,
/// a raw string) becomes a line of its own.
pub(crate) fn doc_lines(texts: &[String]) -> Vec<String> {
    texts
        .iter()
        .flat_map(|text| text.split(['\n', '\r']))
        .map(|line| line.trim().to_owned())
        .collect()
}

/// A text on one doc comment line: its lines joined with spaces.
pub(crate) fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The module names of a `group: a/b` value.
pub(crate) fn group_modules(group: Option<&str>) -> Vec<String> {
    group
        .map(|g| g.split('/').filter(|s| !s.is_empty()).map(snake).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_rust_conventions() {
        assert_eq!(snake("GetUserInfo"), "get_user_info");
        assert_eq!(snake("ID"), "id");
        assert_eq!(snake("type"), "r#type");
        assert_eq!(snake("Self"), "self_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(pascal("user_check"), "UserCheck");
        assert_eq!(pascal("UserAgentMiddleware"), "UserAgentMiddleware");
        assert_eq!(shouty("bookstore-api"), "BOOKSTORE_API");
        assert_eq!(package("BookStore_api"), "book-store-api");
        assert_eq!(group_modules(Some("user/Profile")), vec!["user", "profile"]);
        assert_eq!(
            doc_lines(&["a\r\n b ".to_owned(), "c\rd".to_owned()]),
            vec!["a", "", "b", "c", "d"]
        );
        assert_eq!(one_line("first\n  second\r\n"), "first second");
    }
}
