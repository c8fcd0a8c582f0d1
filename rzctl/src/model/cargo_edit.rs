//! Adding what generated models need to the `Cargo.toml` of the crate they are written into.
//! `toml_edit` keeps the user's formatting and comments; only missing entries are added.

use toml_edit::{Array, DocumentMut, InlineTable, Item, Table, Value};

/// The dependencies models use, as `(name, version, features)`.
const NEEDED: &[(&str, &str, &[&str])] = &[
    ("serde", "1", &["derive"]),
    ("serde_json", "1", &[]),
    ("chrono", "0.4", &["serde", "clock"]),
    (
        "sqlx",
        "0.9",
        &[
            "runtime-tokio",
            "mysql",
            "sqlite-bundled",
            "derive",
            "macros",
            "migrate",
            "chrono",
            "json",
        ],
    ),
];

/// `manifest` with the models' dependencies added (and the `sqlc` feature on rzero); the same
/// text when nothing is missing. `rzero` is the dependency line to add when rzero is absent.
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
    for (name, version, features) in NEEDED {
        if deps.contains_key(name) {
            continue;
        }
        let mut dep = InlineTable::new();
        dep.insert("version", Value::from(*version));
        if *name == "sqlx" || *name == "chrono" {
            dep.insert("default-features", Value::from(false));
        }
        if !features.is_empty() {
            dep.insert(
                "features",
                Value::Array(features.iter().copied().collect::<Array>()),
            );
        }
        deps.insert(name, Item::Value(Value::InlineTable(dep)));
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
            changed |= ensure_feature(item, "sqlc")?;
        }
    }
    Ok(if changed {
        doc.to_string()
    } else {
        manifest.to_owned()
    })
}

/// Adds `feature` to a dependency written as a version string or a table.
fn ensure_feature(item: &mut Item, feature: &str) -> Result<bool, String> {
    if let Some(version) = item.as_str().map(str::to_owned) {
        let mut dep = InlineTable::new();
        dep.insert("version", Value::from(version));
        dep.insert("features", Value::Array([feature].into_iter().collect()));
        *item = Item::Value(Value::InlineTable(dep));
        return Ok(true);
    }
    let table = item
        .as_table_like_mut()
        .ok_or("the rzero dependency in Cargo.toml is neither a version nor a table")?;
    let features = table
        .entry("features")
        .or_insert(Item::Value(Value::Array(Array::new())));
    let array = features
        .as_array_mut()
        .ok_or("`features` of the rzero dependency is not an array")?;
    if array.iter().any(|v| v.as_str() == Some(feature)) {
        return Ok(false);
    }
    array.push(feature);
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
            out.contains("serde = \"1\""),
            "the existing serde line is untouched: {out}"
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
}
