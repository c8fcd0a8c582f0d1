//! Feeds arbitrary text to the DDL front end of `rzctl model`: parsing, diagnostics and the
//! SQLite translation must never panic, and the models of whatever parses must be valid
//! Rust (or a clear error about names).

#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rzctl::diag::SourceFile;
use rzctl::emit::templates::Templates;
use rzctl::model::service::{Layout, ModelError, ModelOptions, plan};

fn templates() -> &'static Templates {
    static TEMPLATES: OnceLock<Templates> = OnceLock::new();
    TEMPLATES.get_or_init(|| match Templates::load(None) {
        Ok(t) => t,
        Err(e) => panic!("built-in templates: {e}"),
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (tables, diags) = rzctl::model::ddl::parse(&SourceFile::new("fuzz.sql", text.to_owned()));
    let _ = diags.to_string();
    if tables.is_empty() || !diags.is_empty() {
        return;
    }
    for table in &tables {
        let _ = rzctl::model::sqlite::ddl(table);
    }
    let options = ModelOptions {
        cache: true,
        prefix: "cache".to_owned(),
        ignore_columns: vec!["create_time".to_owned(), "update_time".to_owned()],
        layout: Layout::Module {
            module_dir: "src/model".into(),
        },
        source: "fuzz.sql".to_owned(),
        migrations: Default::default(),
        reset_migrations: false,
    };
    // A nonexistent folder makes rustfmt fall back to prettyplease: no process per input.
    match plan(&tables, &options, templates(), Path::new("/nonexistent/fuzz")) {
        Ok(_) | Err(ModelError::Tables(_)) => {}
        Err(other) => panic!("{other}"),
    }
});
