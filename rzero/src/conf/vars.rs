//! A check of a config file's `${NAME}` and `$NAME` references before substitution. The YAML
//! reader substitutes with Docker Compose's rules (also inside quoted values, as go-zero's
//! whole-file expansion does), under which an unset variable silently becomes an empty
//! string; a service started with an empty DSN or secret because a variable was not
//! exported fails far from the cause. So an unset variable without a default is an error
//! here, naming it with its line and column.

use std::collections::HashMap;

/// An unset variable: its name, line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unset {
    pub(crate) name: String,
    pub(crate) line: u64,
    pub(crate) column: u64,
}

/// The first reference in `text` to a variable `vars` lacks, skipping comments, `$$`
/// escapes and references with a default or an error message of their own (`${A:-x}`,
/// `${A-x}`, `${A:?msg}`, `${A:+x}`).
pub(crate) fn first_unset(text: &str, vars: &HashMap<String, String>) -> Option<Unset> {
    for (index, line) in text.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut quote: Option<char> = None;
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match (quote, c) {
                (None, '#') if i == 0 || chars[i - 1].is_whitespace() => break,
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), _) if c == q => quote = None,
                (_, '$') => {
                    if chars.get(i + 1) == Some(&'$') {
                        i += 2;
                        continue;
                    }
                    let (name, plain) = reference(&chars[i + 1..]);
                    if plain && !name.is_empty() && !vars.contains_key(&name) {
                        return Some(Unset {
                            name,
                            line: index as u64 + 1,
                            column: i as u64 + 1,
                        });
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }
    None
}

/// The name after a `$`, and whether the reference is plain (no default, no message).
fn reference(rest: &[char]) -> (String, bool) {
    let is_name = |c: &char| c.is_ascii_alphanumeric() || *c == '_';
    if rest.first() == Some(&'{') {
        let name: String = rest[1..].iter().take_while(|c| is_name(c)).collect();
        let after = rest.get(1 + name.chars().count());
        (name, after == Some(&'}'))
    } else if rest
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_')
    {
        (rest.iter().take_while(|c| is_name(c)).collect(), true)
    } else {
        (String::new(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> HashMap<String, String> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), String::new()))
            .collect()
    }

    #[test]
    fn finds_plain_references_to_unset_variables() {
        let text = "a: ${SET}\nb: \"x ${MISSING}\"\n";
        assert_eq!(
            first_unset(text, &set(&["SET"])),
            Some(Unset {
                name: "MISSING".to_owned(),
                line: 2,
                column: 7
            })
        );
        assert_eq!(
            first_unset("a: $BARE\n", &set(&[])).map(|u| u.name),
            Some("BARE".to_owned())
        );
    }

    #[test]
    fn defaults_escapes_and_comments_are_fine() {
        let text = "a: ${A:-1}\nb: ${B-2}\nc: ${C:?needed}\nd: cost $$5 and $5\n# ${IN_COMMENT}\ne: x # $ALSO\nf: 'a # ${QUOTED_HASH:-z}'\n";
        assert_eq!(first_unset(text, &set(&[])), None);
        assert_eq!(
            first_unset("f: 'a # ${QUOTED}'\n", &set(&[])).map(|u| u.name),
            Some("QUOTED".to_owned())
        );
    }
}
