use super::ConfError;
use serde::de::DeserializeOwned;
use serde_saphyr::{DefaultMessageFormatter, MessageFormatter};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Loads the YAML file at `path` into `T`, substituting `${VAR}` from the process environment.
pub fn load<T: DeserializeOwned>(path: impl AsRef<Path>) -> Result<T, ConfError> {
    Loader::file(path).load()
}

/// Loads YAML text into `T`; `name` stands for the file in error messages.
pub fn load_str<T: DeserializeOwned>(name: &str, text: &str) -> Result<T, ConfError> {
    Loader::text(name, text).load()
}

/// A configurable load: the source, and where environment values come from.
#[derive(Debug, Clone)]
pub struct Loader {
    source: Source,
    env_prefix: Option<String>,
    vars: Option<HashMap<String, String>>,
}

#[derive(Debug, Clone)]
enum Source {
    File(PathBuf),
    Text { name: String, text: String },
}

/// One `PREFIX__A__B=value` variable that replaces the key `a.b`.
struct Override {
    keys: Vec<String>,
    value: String,
    var: String,
}

impl Loader {
    pub fn file(path: impl AsRef<Path>) -> Self {
        Self {
            source: Source::File(path.as_ref().to_path_buf()),
            env_prefix: None,
            vars: None,
        }
    }

    pub fn text(name: &str, text: &str) -> Self {
        Self {
            source: Source::Text {
                name: name.to_owned(),
                text: text.to_owned(),
            },
            env_prefix: None,
            vars: None,
        }
    }

    /// Lets `PREFIX__REST__PORT=9000` override `rest.port` (keys are matched in lower case,
    /// `__` separates levels). The value is read as a YAML scalar, so `9000` is a number and
    /// `true` a bool.
    pub fn env_prefix(mut self, prefix: &str) -> Self {
        self.env_prefix = Some(prefix.to_owned());
        self
    }

    /// Takes environment values from `vars` instead of the process environment.
    pub fn vars(mut self, vars: impl IntoIterator<Item = (String, String)>) -> Self {
        self.vars = Some(vars.into_iter().collect());
        self
    }

    pub fn load<T: DeserializeOwned>(&self) -> Result<T, ConfError> {
        let (name, text) = match &self.source {
            Source::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfError::Read {
                    path: path.clone(),
                    source,
                })?;
                (path.display().to_string(), text)
            }
            Source::Text { name, text } => (name.clone(), text.clone()),
        };
        // An empty file means "all defaults", which YAML itself would call a null document.
        let text = if text.trim().is_empty() {
            "{}".to_owned()
        } else {
            text
        };
        let vars = self
            .vars
            .clone()
            .unwrap_or_else(|| std::env::vars().collect());
        if let Some(unset) = super::vars::first_unset(&text, &vars) {
            return Err(ConfError::invalid(
                &name,
                Some((unset.line, unset.column)),
                None,
                format!(
                    "environment variable `{0}` is not set; set it, or give a default: `${{{0}:-value}}` (a literal `$` is written `$$`)",
                    unset.name
                ),
            ));
        }
        let overrides = self.overrides(&vars);
        let doc = Document {
            name: &name,
            text: &text,
            vars,
        };
        if overrides.is_empty() {
            doc.deserialize_direct()
        } else {
            doc.deserialize_with_overrides(&overrides)
        }
    }

    fn overrides(&self, vars: &HashMap<String, String>) -> Vec<Override> {
        let Some(prefix) = &self.env_prefix else {
            return Vec::new();
        };
        let lead = format!("{prefix}__");
        let mut found: Vec<Override> = vars
            .iter()
            .filter_map(|(var, value)| {
                let rest = var.strip_prefix(&lead)?;
                let keys: Vec<String> = rest.split("__").map(str::to_lowercase).collect();
                (!keys.iter().any(String::is_empty)).then(|| Override {
                    keys,
                    value: value.clone(),
                    var: var.clone(),
                })
            })
            .collect();
        // Deterministic order, so that a variable naming a parent and one naming its child
        // always apply the same way.
        found.sort_by(|a, b| a.var.cmp(&b.var));
        found
    }
}

struct Document<'a> {
    name: &'a str,
    text: &'a str,
    vars: HashMap<String, String>,
}

impl Document<'_> {
    fn options(&self) -> serde_saphyr::Options {
        let mut options = serde_saphyr::Options::default().with_properties(self.vars.clone());
        // Compose's rules substitute inside quoted values too (`hosts: ["${ETCD}"]`), as
        // go-zero's whole-file expansion does; `$$` stays a literal `$`.
        options.property_syntax = serde_saphyr::PropertySyntax::DockerCompose;
        options
    }

    /// Straight from the text, so that every error keeps the parser's line and column.
    fn deserialize_direct<T: DeserializeOwned>(&self) -> Result<T, ConfError> {
        let failed_at = RefCell::new(None::<String>);
        let ignored = RefCell::new(Vec::<String>::new());
        let result = serde_saphyr::with_deserializer_from_str_with_options(
            self.text,
            self.options(),
            |de| {
                let mut on_ignored = |path: serde_ignored::Path<'_>| {
                    ignored.borrow_mut().push(path.to_string());
                };
                let de = serde_ignored::Deserializer::new(de, &mut on_ignored);
                serde_path_to_error::deserialize(de).map_err(|e| {
                    *failed_at.borrow_mut() = key_of(e.path());
                    e.into_inner()
                })
            },
        );
        match result {
            Ok(value) => {
                self.refuse_unknown(&ignored.into_inner(), &[])?;
                Ok(value)
            }
            Err(err) => Err(self.saphyr_error(&err, failed_at.into_inner())),
        }
    }

    /// Through a JSON tree, which the environment overrides are written into. Positions are
    /// recovered from the text for keys that come from the file.
    fn deserialize_with_overrides<T: DeserializeOwned>(
        &self,
        overrides: &[Override],
    ) -> Result<T, ConfError> {
        let mut tree: serde_json::Value =
            serde_saphyr::from_str_with_options(self.text, self.options())
                .map_err(|err| self.saphyr_error(&err, None))?;
        for o in overrides {
            let value = serde_saphyr::from_str::<serde_json::Value>(&o.value)
                .unwrap_or_else(|_| serde_json::Value::String(o.value.clone()));
            set_path(&mut tree, &o.keys, value).map_err(|parent| {
                ConfError::invalid(
                    self.name,
                    None,
                    Some(o.keys.join(".")),
                    format!(
                        "cannot apply environment variable {}: `{parent}` is not a mapping",
                        o.var
                    ),
                )
            })?;
        }
        let ignored = RefCell::new(Vec::<String>::new());
        let mut on_ignored = |path: serde_ignored::Path<'_>| {
            ignored.borrow_mut().push(path.to_string());
        };
        let de = serde_ignored::Deserializer::new(tree, &mut on_ignored);
        let value = serde_path_to_error::deserialize(de).map_err(|e| {
            let key = key_of(e.path());
            let from_env = key.as_deref().and_then(|key| {
                overrides
                    .iter()
                    .find(|o| o.keys.join(".") == key)
                    .map(|o| o.var.as_str())
            });
            let mut message = e.inner().to_string();
            if let Some(var) = from_env {
                message.push_str(&format!(" (set by environment variable {var})"));
            }
            let position = match (&key, from_env) {
                (Some(key), None) => locate_key(self.text, key),
                _ => None,
            };
            ConfError::invalid(self.name, position, key, message)
        })?;
        self.refuse_unknown(&ignored.into_inner(), overrides)?;
        Ok(value)
    }

    fn refuse_unknown(&self, ignored: &[String], overrides: &[Override]) -> Result<(), ConfError> {
        let Some(first) = ignored.first() else {
            return Ok(());
        };
        let from_env = overrides.iter().find(|o| &o.keys.join(".") == first);
        let mut message = match from_env {
            Some(o) => format!(
                "unknown key (set by environment variable {}); the config has no such field",
                o.var
            ),
            None => "unknown key; the config has no such field (check its spelling)".to_owned(),
        };
        if ignored.len() > 1 {
            message.push_str(&format!(
                "; other unknown keys: {}",
                ignored[1..].join(", ")
            ));
        }
        let position = from_env.map_or_else(|| locate_key(self.text, first), |_| None);
        Err(ConfError::invalid(
            self.name,
            position,
            Some(first.clone()),
            message,
        ))
    }

    fn saphyr_error(&self, err: &serde_saphyr::Error, key: Option<String>) -> ConfError {
        let err = err.without_snippet();
        let position = err
            .location()
            .map(|l| (l.line(), l.column()))
            .filter(|&(line, _)| line > 0);
        let message = DefaultMessageFormatter.format_message(err).into_owned();
        ConfError::invalid(self.name, position, key, message)
    }
}

/// `serde_path_to_error` calls the root `.`; a root-level error belongs to no key.
fn key_of(path: &serde_path_to_error::Path) -> Option<String> {
    let key = path.to_string();
    (key != "." && !key.is_empty()).then_some(key)
}

/// Writes `value` at `keys`, creating mappings on the way. On failure returns the dotted path
/// of the ancestor that exists but is not a mapping.
fn set_path(
    tree: &mut serde_json::Value,
    keys: &[String],
    value: serde_json::Value,
) -> Result<(), String> {
    let mut node = tree;
    for (depth, key) in keys.iter().enumerate() {
        if node.is_null() {
            *node = serde_json::Value::Object(serde_json::Map::new());
        }
        let serde_json::Value::Object(map) = node else {
            return Err(keys[..depth].join("."));
        };
        if depth + 1 == keys.len() {
            map.insert(key.clone(), value);
            return Ok(());
        }
        node = map.entry(key.clone()).or_insert(serde_json::Value::Null);
    }
    Ok(())
}

/// Finds the line and column of a dotted key path in block-style YAML. It is a best effort for
/// keys the YAML parser no longer knows the position of (unknown keys, keys checked after
/// parsing); list indices in the path are skipped.
fn locate_key(text: &str, key: &str) -> Option<(u64, u64)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0;
    let mut parent_indent: Option<usize> = None;
    let mut found = None;
    for segment in key.split('.') {
        if segment.parse::<usize>().is_ok() {
            continue;
        }
        let (index, indent) = lines.iter().enumerate().skip(from).find_map(|(i, line)| {
            let trimmed = line.trim_start();
            let mut indent = line.chars().count() - trimmed.chars().count();
            let mut body = trimmed;
            while let Some(rest) = body.strip_prefix("- ") {
                indent += 2;
                body = rest.trim_start();
            }
            let deeper = parent_indent.is_none_or(|p| indent > p);
            let names_key = [
                segment.to_owned(),
                format!("\"{segment}\""),
                format!("'{segment}'"),
            ]
            .iter()
            .any(|k| {
                body.strip_prefix(k.as_str())
                    .is_some_and(|after| after.trim_start().starts_with(':'))
            });
            (deeper && names_key).then_some((i, indent))
        })?;
        found = Some((index as u64 + 1, indent as u64 + 1));
        from = index + 1;
        parent_indent = Some(indent);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(default)]
    struct Inner {
        port: u16,
        host: String,
    }

    impl Default for Inner {
        fn default() -> Self {
            Self {
                port: 8888,
                host: "0.0.0.0".into(),
            }
        }
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Conf {
        name: String,
        #[serde(default)]
        rest: Inner,
    }

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_fill_what_the_file_leaves_out() {
        let c: Conf = load_str("c.yaml", "name: user\nrest:\n  port: 9000\n").unwrap();
        assert_eq!(c.rest.port, 9000);
        assert_eq!(c.rest.host, "0.0.0.0");
    }

    #[test]
    fn unknown_key_is_refused_with_its_path_and_line() {
        let err = load_str::<Conf>("c.yaml", "name: user\nrest:\n  prot: 9000\n").unwrap_err();
        let d = err.details().unwrap();
        assert_eq!(d.key.as_deref(), Some("rest.prot"));
        assert_eq!(d.position, Some((3, 3)));
        assert_eq!(
            err.to_string(),
            "c.yaml:3:3: rest.prot: unknown key; the config has no such field (check its spelling)"
        );
    }

    #[test]
    fn wrong_type_names_key_position_and_expectation() {
        let err = load_str::<Conf>("c.yaml", "name: user\nrest:\n  port: lots\n").unwrap_err();
        let d = err.details().unwrap();
        assert_eq!(d.key.as_deref(), Some("rest.port"));
        assert_eq!(d.position.map(|p| p.0), Some(3));
        assert!(d.message.contains("u16"), "{err}");
    }

    #[test]
    fn missing_required_key_is_named() {
        let err = load_str::<Conf>("c.yaml", "rest:\n  port: 1\n").unwrap_err();
        assert!(err.to_string().contains("missing field `name`"), "{err}");
    }

    #[test]
    fn substitution_reaches_quoted_values_and_unset_variables_are_errors() {
        #[derive(Debug, serde::Deserialize)]
        struct Hosts {
            hosts: Vec<String>,
            note: String,
        }
        let h: Hosts = Loader::text(
            "h.yaml",
            "hosts: [\"${ETCD:-127.0.0.1:2379}\", \"${B}\"]\nnote: 'cost $$5'\n",
        )
        .vars(vars(&[("B", "10.0.0.2:2379")]))
        .load()
        .unwrap();
        assert_eq!(h.hosts, ["127.0.0.1:2379", "10.0.0.2:2379"]);
        assert_eq!(h.note, "cost $5");
        let err = Loader::text("h.yaml", "hosts: []\nnote: \"${NOPE}\"\n")
            .vars(vars(&[]))
            .load::<Hosts>()
            .unwrap_err();
        assert!(err.to_string().contains("NOPE"), "{err}");
    }

    #[test]
    fn environment_substitution() {
        let c: Conf = Loader::text("c.yaml", "name: ${SVC}\nrest:\n  port: ${PORT:-7000}\n")
            .vars(vars(&[("SVC", "user-api")]))
            .load()
            .unwrap();
        assert_eq!(c.name, "user-api");
        assert_eq!(c.rest.port, 7000);
    }

    #[test]
    fn environment_overrides_by_prefix() {
        let c: Conf = Loader::text("c.yaml", "name: user\n")
            .env_prefix("APP")
            .vars(vars(&[("APP__REST__PORT", "9100"), ("OTHER__NAME", "x")]))
            .load()
            .unwrap();
        assert_eq!(c.rest.port, 9100);
        assert_eq!(c.name, "user");
    }

    #[test]
    fn a_bad_override_names_its_variable() {
        let err = Loader::text("c.yaml", "name: user\n")
            .env_prefix("APP")
            .vars(vars(&[("APP__REST__PORT", "many")]))
            .load::<Conf>()
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("rest.port"), "{text}");
        assert!(text.contains("APP__REST__PORT"), "{text}");
        let err = Loader::text("c.yaml", "name: user\n")
            .env_prefix("APP")
            .vars(vars(&[("APP__REST__PROT", "1")]))
            .load::<Conf>()
            .unwrap_err();
        assert!(err.to_string().contains("APP__REST__PROT"), "{err}");
    }

    #[test]
    fn syntax_error_has_a_position() {
        let err = load_str::<Conf>("c.yaml", "name: [user\nrest: 1\n").unwrap_err();
        assert!(err.details().unwrap().position.is_some(), "{err}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = load::<Conf>("/nonexistent/x.yaml").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("/nonexistent/x.yaml: cannot read"),
            "{err}"
        );
    }

    #[test]
    fn locate_key_walks_nesting() {
        let text = "a:\n  b: 1\nc:\n  b: 2\n  d:\n    - e: 3\n";
        assert_eq!(locate_key(text, "a.b"), Some((2, 3)));
        assert_eq!(locate_key(text, "c.b"), Some((4, 3)));
        assert_eq!(locate_key(text, "c.d.0.e"), Some((6, 7)));
        assert_eq!(locate_key(text, "z"), None);
    }
}
