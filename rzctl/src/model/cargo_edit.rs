//! Adding what generated models need to the `Cargo.toml` of the crate they are written into.
//! `toml_edit` keeps the user's formatting and comments; only missing entries are added.

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

/// A dependency the models use: its version when it must be added, and its features, each
/// as alternatives any one of which will do (`sqlite` and `sqlite-unbundled` link SQLite as
/// well as `sqlite-bundled`, which is added when none is there).
struct Needed {
    name: &'static str,
    version: &'static str,
    features: &'static [&'static [&'static str]],
    /// Added with `default-features = false` (the features listed are all it needs).
    lean: bool,
}

const NEEDED: &[Needed] = &[
    Needed {
        name: "serde",
        version: "1",
        features: &[&["derive"]],
        lean: false,
    },
    Needed {
        name: "serde_json",
        version: "1",
        features: &[],
        lean: false,
    },
    Needed {
        name: "chrono",
        version: "0.4",
        features: &[&["serde"], &["clock"]],
        lean: true,
    },
    Needed {
        name: "sqlx",
        version: "0.9",
        features: &[
            &["runtime-tokio"],
            &["mysql"],
            &["sqlite-bundled", "sqlite", "sqlite-unbundled"],
            &["derive"],
            &["macros"],
            &["migrate"],
            &["chrono"],
            &["json"],
        ],
        lean: true,
    },
];

/// `manifest` with the models' dependencies added, the features they need added to the ones
/// already there (and the `sqlc` feature on rzero); the same text when nothing is missing.
/// `rzero` is the dependency line to add when rzero is absent.
pub fn add_model_dependencies(manifest: &str, rzero: &str) -> Result<String, String> {
    let mut doc: DocumentMut = manifest
        .parse()
        .map_err(|e| format!("Cargo.toml is not valid TOML: {e}"))?;
    let deps = doc
        .entry("dependencies")
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_like_mut()
        .ok_or("`dependencies` in Cargo.toml is not a table")?;
    let mut changed = false;
    for needed in NEEDED {
        if let Some(item) = deps.get_mut(needed.name) {
            for alternatives in needed.features {
                changed |= ensure_feature(item, needed.name, alternatives)?;
            }
            continue;
        }
        let mut dep = InlineTable::new();
        dep.insert("version", Value::from(needed.version));
        if needed.lean {
            dep.insert("default-features", Value::from(false));
        }
        if !needed.features.is_empty() {
            dep.insert(
                "features",
                Value::Array(needed.features.iter().map(|f| f[0]).collect::<Array>()),
            );
        }
        deps.insert(needed.name, Item::Value(Value::InlineTable(dep)));
        changed = true;
    }
    match deps.get_mut("rzero") {
        None => {
            let parsed: DocumentMut = format!("rzero = {rzero}")
                .parse()
                .map_err(|e| format!("bad rzero dependency `{rzero}`: {e}"))?;
            if let Some(item) = parsed.get("rzero") {
                deps.insert("rzero", item.clone());
                changed = true;
            }
        }
        Some(item) => {
            changed |= ensure_feature(item, "rzero", &["sqlc"])?;
        }
    }
    Ok(if changed {
        doc.to_string()
    } else {
        manifest.to_owned()
    })
}

/// Adds the first of `alternatives` to dependency `name` (a version string or a table)
/// unless it has one of them already.
fn ensure_feature(item: &mut Item, name: &str, alternatives: &[&str]) -> Result<bool, String> {
    let Some(&feature) = alternatives.first() else {
        return Ok(false);
    };
    if let Some(version) = item.as_str().map(str::to_owned) {
        let mut dep = InlineTable::new();
        dep.insert("version", Value::from(version));
        dep.insert("features", Value::Array([feature].into_iter().collect()));
        *item = Item::Value(Value::InlineTable(dep));
        return Ok(true);
    }
    let table = item.as_table_like_mut().ok_or_else(|| {
        format!("the {name} dependency in Cargo.toml is neither a version nor a table")
    })?;
    let features = table
        .entry("features")
        .or_insert(Item::Value(Value::Array(Array::new())));
    let array = features
        .as_array_mut()
        .ok_or_else(|| format!("`features` of the {name} dependency is not an array"))?;
    if array
        .iter()
        .any(|v| v.as_str().is_some_and(|f| alternatives.contains(&f)))
    {
        return Ok(false);
    }
    // In an array written one feature per line, the new one goes on a line of its own.
    let prefix = array
        .iter()
        .last()
        .and_then(|last| last.decor().prefix())
        .and_then(|p| p.as_str())
        .filter(|p| p.contains('\n'))
        .map(str::to_owned);
    match prefix {
        Some(prefix) => {
            let mut value = Value::from(feature);
            value.decor_mut().set_prefix(prefix);
            array.push_formatted(value);
        }
        None => array.push(feature),
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_dependencies_are_added_and_comments_kept() {
        let manifest = "[package]\nname = \"user\"\n\n[dependencies]\n# the runtime\nrzero = { path = \"../../rzero\", default-features = false, features = [\"rest\"] }\nserde = \"1\"\n";
        let out = add_model_dependencies(manifest, "\"0.1.0\"").unwrap();
        assert!(out.contains("# the runtime"), "{out}");
        assert!(out.contains("features = [\"rest\", \"sqlc\"]"), "{out}");
        assert!(out.contains("sqlx = { version = \"0.9\""), "{out}");
        assert!(
            out.contains("serde = { version = \"1\", features = [\"derive\"] }"),
            "the existing serde gets the derive the row structs need: {out}"
        );
        assert_eq!(
            add_model_dependencies(&out, "\"0.1.0\"").unwrap(),
            out,
            "a second run changes nothing"
        );
    }

    #[test]
    fn workspace_dependencies_get_the_feature_too() {
        let manifest = "[package]\nname = \"x\"\n\n[dependencies]\nrzero.workspace = true\n";
        let out = add_model_dependencies(manifest, "\"0.1.0\"").unwrap();
        assert!(
            out.contains("rzero = { workspace = true, features = [\"sqlc\"] }")
                || out.contains("features = [\"sqlc\"]"),
            "{out}"
        );
    }

    #[test]
    fn existing_dependencies_get_the_features_models_need() {
        let manifest = "\
[package]
name = \"svc\"

[dependencies]
serde = { version = \"1.0.200\", features = [\"rc\"] } # keep rc
chrono = { version = \"0.4\", default-features = false, features = [\"clock\"] }
rzero = { path = \"../rzero\", features = [\"sqlc\"] }
serde_json = \"1\"

[dependencies.sqlx]
version = \"0.9\"
default-features = false
# the service links the system's SQLite
features = [
    \"runtime-tokio\",
    \"sqlite-unbundled\",
]
";
        let out = add_model_dependencies(manifest, "\"0.1.0\"").unwrap();
        assert!(
            out.contains(
                "serde = { version = \"1.0.200\", features = [\"rc\", \"derive\"] } # keep rc"
            ),
            "{out}"
        );
        assert!(
            out.contains("features = [\"clock\", \"serde\"]"),
            "chrono serializes the time columns: {out}"
        );
        assert!(
            out.contains("# the service links the system's SQLite"),
            "{out}"
        );
        for feature in ["mysql", "derive", "macros", "migrate", "chrono", "json"] {
            assert!(
                out.contains(&format!("\"{feature}\"")),
                "{feature} missing: {out}"
            );
        }
        assert!(
            out.contains("    \"sqlite-unbundled\",\n    \"mysql\",\n    \"derive\","),
            "one feature a line, as written: {out}"
        );
        assert!(
            !out.contains("sqlite-bundled"),
            "sqlite-unbundled links SQLite already: {out}"
        );
        assert_eq!(
            add_model_dependencies(&out, "\"0.1.0\"").unwrap(),
            out,
            "a second run changes nothing"
        );
    }
}
