//! Go names made into TypeScript names, and text made safe for TypeScript
//! source.

/// Words TypeScript reserves for values or types. A Go name may be one of
/// them (`delete`, `number`), so generated names get a `_` appended.
const RESERVED: &[&str] = &[
    "any",
    "as",
    "await",
    "bigint",
    "boolean",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "never",
    "new",
    "null",
    "number",
    "object",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "string",
    "super",
    "switch",
    "symbol",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "unknown",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

fn unreserved(name: String) -> String {
    if RESERVED.contains(&name.as_str()) {
        name + "_"
    } else {
        name
    }
}

/// The interface name of a declared type.
pub fn type_name(go_name: &str) -> String {
    unreserved(go_name.to_owned())
}

/// `ListBooks` -> `listBooks`, `URLShorten` -> `urlShorten`, `ID` -> `id`.
pub fn function_name(pascal: &str) -> String {
    let chars: Vec<char> = pascal.chars().collect();
    let upper = chars.iter().take_while(|c| c.is_ascii_uppercase()).count();
    // In `URLShorten` the `S` starts the next word and keeps its case.
    let lower = if upper > 1 && upper < chars.len() {
        upper - 1
    } else {
        upper.max(1)
    };
    let name: String = chars
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i < lower {
                c.to_ascii_lowercase()
            } else {
                *c
            }
        })
        .collect();
    unreserved(name)
}

/// A name usable bare as a property or after a dot.
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// A property name in a type or object literal: bare or quoted.
pub fn property(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        string(name)
    }
}

/// `value.name` or `value["X-Token"]`.
pub fn access(value: &str, name: &str) -> String {
    if is_identifier(name) {
        format!("{value}.{name}")
    } else {
        format!("{value}[{}]", string(name))
    }
}

/// A double-quoted string literal.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text for the inside of a template literal.
pub fn template_text(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('`', "\\`")
        .replace("${", "\\${")
}

/// A JSDoc block at `indent` from lines of text; empty when there are none.
pub fn jsdoc(lines: &[String], indent: &str) -> String {
    if lines.iter().all(|l| l.trim().is_empty()) {
        return String::new();
    }
    // `*/` would end the comment early
    let lines: Vec<String> = lines
        .iter()
        .map(|l| l.trim_end().replace("*/", "*\\/"))
        .collect();
    if let [line] = lines.as_slice() {
        return format!("{indent}/** {line} */\n");
    }
    let mut out = format!("{indent}/**\n");
    for line in &lines {
        if line.is_empty() {
            out.push_str(&format!("{indent} *\n"));
        } else {
            out.push_str(&format!("{indent} * {line}\n"));
        }
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_are_camel_case_and_not_reserved() {
        assert_eq!(function_name("ListBooks"), "listBooks");
        assert_eq!(function_name("URLShorten"), "urlShorten");
        assert_eq!(function_name("ID"), "id");
        assert_eq!(function_name("Delete"), "delete_");
        assert_eq!(function_name("x"), "x");
        assert_eq!(type_name("number"), "number_");
        assert_eq!(type_name("Book"), "Book");
    }

    #[test]
    fn properties_are_quoted_when_not_identifiers() {
        assert_eq!(property("id"), "id");
        assert_eq!(property("X-Token"), "\"X-Token\"");
        assert_eq!(access("req", "X-Token"), "req[\"X-Token\"]");
        assert_eq!(access("req", "a_b"), "req.a_b");
        assert_eq!(string("a\"b\\\n\u{1}"), "\"a\\\"b\\\\\\n\\u0001\"");
    }

    #[test]
    fn comments_and_templates_cannot_be_closed_early() {
        assert_eq!(
            jsdoc(&["a */ b".to_owned(), String::new()], "  "),
            "  /**\n   * a *\\/ b\n   *\n   */\n"
        );
        assert_eq!(jsdoc(&[String::new()], ""), "");
        assert_eq!(jsdoc(&["one".to_owned()], " "), " /** one */\n");
        assert_eq!(template_text("a`${b}\\"), "a\\`\\${b}\\\\");
    }
}
