//! A deterministic stand-in for fuzzing: thousands of random edits of the
//! test corpus must never panic the parser, checker, formatter or
//! diagnostics renderer, and whatever formats must format to itself.

mod common;

use common::{api_files, data_dir, read};
use rzctl::api;

/// SplitMix64: small, deterministic, good enough to pick edits.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const FRAGMENTS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "`",
    "\"",
    "/*",
    "*/",
    "//",
    "\n",
    "\r\n",
    "\t",
    " ",
    ":",
    ";",
    ",",
    ".",
    "...",
    "*",
    "-",
    "=",
    "@server",
    "@doc",
    "@handler",
    "@x",
    "type",
    "service",
    "import",
    "info",
    "syntax",
    "returns",
    "get",
    "map",
    "struct",
    "interface{}",
    "any",
    "0",
    "3s",
    "1h2m",
    "é",
    "中",
    "\u{fdd0}",
    "\u{feff}",
    "/a/:b",
    "`json:\"x,optional\"`",
    "A",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut data = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = data.len();
        match rng.below(5) {
            0 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(16)).min(len);
                data.drain(start..end);
            }
            1 => {
                let at = rng.below(len + 1);
                let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())].as_bytes();
                data.splice(at..at, fragment.iter().copied());
            }
            2 if len > 0 => {
                let start = rng.below(len);
                let end = (start + 1 + rng.below(64)).min(len);
                let copy = data[start..end].to_vec();
                let at = rng.below(len + 1);
                data.splice(at..at, copy);
            }
            3 if len > 0 => {
                let at = rng.below(len);
                data[at] = (rng.next() & 0xff) as u8;
            }
            _ => {
                let cut = rng.below(len + 1);
                data.truncate(cut);
            }
        }
    }
    data
}

/// What the generation stage made of the valid mutants: how many planned a service, and how
/// many were refused with positioned reasons.
#[derive(Default)]
struct Generated {
    planned: usize,
    refused: usize,
}

fn exercise(bytes: &[u8], generated: &mut Generated) {
    let text = String::from_utf8_lossy(bytes);
    let (_, diags) = api::parse_source("m.api", &text);
    let _ = diags.to_string();
    // the file may import itself; anything else does not exist
    let mut read = |p: &std::path::Path| {
        if p == std::path::Path::new("m.api") {
            Ok(bytes.to_vec())
        } else {
            Err(std::io::Error::new(std::io::ErrorKind::NotFound, "absent"))
        }
    };
    match api::load_with(std::path::Path::new("m.api"), &mut read) {
        Err(d) => {
            let _ = d.to_string();
        }
        Ok(spec) => {
            outputs(&spec, &text);
            generates(&spec, &text, generated);
        }
    }
    if let Ok(once) = api::format_source("m.api", &text) {
        match api::format_source("m.api", &once) {
            Ok(twice) => assert_eq!(twice, once, "not idempotent for input {text:?}"),
            Err(d) => panic!("formatted output does not format again:\n{d}\ninput {text:?}"),
        }
    }
}

/// The generation stage on a valid file: a service whose Rust files all parse, or reasons
/// (each pointing into the file), never a panic, a template failure or invalid Rust.
fn generates(spec: &api::ApiSpec, text: &str, generated: &mut Generated) {
    use rzctl::api::service::{GenError, GenOptions, RzeroDep, plan_unformatted};
    let options = GenOptions {
        package: "m".to_owned(),
        api_file: "m.api".to_owned(),
        rzero: RzeroDep::Version("0.1.0".to_owned()),
        hello: false,
    };
    let templates = TEMPLATES.with(|t| t.clone());
    match plan_unformatted(spec, &options, &templates) {
        Ok(plan) => {
            assert!(!plan.outputs.is_empty());
            let _ = plan.warnings.to_string();
            generated.planned += 1;
        }
        Err(GenError::Spec(reasons)) => {
            for reason in reasons.iter() {
                assert!(
                    reason.position().is_some(),
                    "a reason without a position: {reason}\ninput {text:?}"
                );
            }
            generated.refused += 1;
        }
        Err(other) => panic!("{other}\ninput {text:?}"),
    }
}

thread_local! {
    /// Built once per thread: parsing the templates costs more than most plans.
    static TEMPLATES: std::rc::Rc<rzctl::emit::templates::Templates> = std::rc::Rc::new(
        rzctl::emit::templates::Templates::load(None)
            .unwrap_or_else(|e| panic!("built-in templates: {e}")),
    );
}

/// The read-only outputs of a valid file: none panics, and the OpenAPI
/// document always serializes.
fn outputs(spec: &api::ApiSpec, text: &str) {
    let _ = api::doc::render(spec);
    let _ = api::ts::render(spec);
    let built = api::openapi::build(spec);
    for format in [api::openapi::Format::Json, api::openapi::Format::Yaml] {
        if let Err(e) = api::openapi::render(&built.document, format) {
            panic!("{e}\ninput {text:?}");
        }
    }
}

#[test]
fn random_edits_of_the_corpus_never_panic() {
    let corpus: Vec<Vec<u8>> = api_files(&data_dir())
        .iter()
        .map(|p| read(p).into_bytes())
        .collect();
    assert!(!corpus.is_empty());
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut generated = Generated::default();
    for _ in 0..4000 {
        let base = &corpus[rng.below(corpus.len())];
        let mutant = mutate(&mut rng, base);
        exercise(&mutant, &mut generated);
    }
    // Many mutants still validate, so generation really ran on a variety of them.
    assert!(
        generated.planned > 100 && generated.refused > 0,
        "planned {}, refused {}: the corpus or the mutations exercise too little",
        generated.planned,
        generated.refused
    );
}

#[test]
fn edge_inputs_never_panic() {
    for input in [
        &b""[..],
        b"\xff\xfe",
        b"\"",
        b"`",
        b"/*",
        b"@",
        b"@server(",
        b"type",
        b"type A {",
        b"service s { @handler h get /",
        b"info(a: b c d",
        b"\r\r\r",
        b"\t\t\x0b\x0c",
        "é\u{fdd0}".as_bytes(),
        // found by cargo-fuzz: a tab inside a tag was turned into padding
        b"type User {J\tI\tName  `js\to:\"n\"`\n}\n",
        // found by cargo-fuzz: carriage returns at the end of a block comment line
        b"/* a\r\r\r\n b */\nsyntax = \"v1\"\n",
        // found by cargo-fuzz: an empty service with a comment before `}`
        b"service s {// end\n}\n",
        b"service s {\n// end\n}\n",
        // found by cargo-fuzz: an old route annotation with a path as handler
        b"service s {\n@server(\nhandler: G/eet\n)\nget /a\n}\n",
        // found by cargo-fuzz: a file holding the formatter's internal mark
        "type U {J\tI\tN  `j\tx:\"\u{fdd0}\"`\n}\n/*\n\t\t */\n".as_bytes(),
    ] {
        exercise(input, &mut Generated::default());
    }
}

/// DDL as users write it, with the odd spellings the generator must survive.
const DDL_SEEDS: &[&str] = &[
    include_str!("data/model/user.sql"),
    include_str!("../../examples/model/sql/0002_all_types.sql"),
    "CREATE TABLE `a` (`x` int, `y` varchar(3) DEFAULT 'q', PRIMARY KEY (`x`, `y`), UNIQUE KEY (`y`, `x`));",
];

const DDL_FRAGMENTS: &[&str] = &[
    "(",
    ")",
    "`",
    "'",
    ",",
    ";",
    " ",
    "\n",
    "--",
    "/*",
    "*/",
    "NOT NULL",
    "NULL",
    "DEFAULT 0",
    "UNIQUE KEY",
    "PRIMARY KEY",
    "KEY",
    "INDEX",
    "AUTO_INCREMENT",
    "unsigned",
    "bigint",
    "int(11)",
    "decimal(10,2)",
    "enum('a','b')",
    "json",
    "timestamp",
    "COMMENT 'é'",
    "CREATE TABLE `b` (",
    "CREATE INDEX i ON `user` (`name`);",
    "ON UPDATE CURRENT_TIMESTAMP",
    "type",
    "self",
    "中",
    "1x",
    "$",
];

/// Whatever parses generates code that is valid Rust, or a clear error about names;
/// never a panic and never invalid code.
fn exercise_ddl(text: &str, templates: &rzctl::emit::templates::Templates, plans: &mut usize) {
    use rzctl::diag::SourceFile;
    use rzctl::model::service::{Layout, ModelError, ModelOptions, plan};
    let (tables, diags) = rzctl::model::ddl::parse(&SourceFile::new("m.sql", text.to_owned()));
    let _ = diags.to_string();
    if tables.is_empty() || !diags.is_empty() {
        return;
    }
    for table in &tables {
        let _ = rzctl::model::sqlite::ddl(table);
    }
    migrations_replay_to_the_same_tables(text, &tables);
    // Each plan formats a few files; a bounded number keeps the test quick.
    if *plans >= 60 {
        return;
    }
    *plans += 1;
    let options = ModelOptions {
        cache: plans.is_multiple_of(2),
        prefix: "cache".to_owned(),
        ignore_columns: vec!["create_time".to_owned()],
        layout: Layout::Module {
            module_dir: "src/model".into(),
        },
        source: "m.sql".to_owned(),
        migrations: Default::default(),
        reset_migrations: false,
    };
    match plan(
        &tables,
        &options,
        templates,
        std::path::Path::new("/nonexistent"),
    ) {
        Ok(_) | Err(ModelError::Tables(_)) => {}
        Err(other) => panic!("{other}\ninput {text:?}"),
    }
}

/// The migrations written for `tables`, read back as history, make the same tables: a run
/// right after the first finds nothing to migrate.
fn migrations_replay_to_the_same_tables(text: &str, tables: &[rzctl::model::Table]) {
    use rzctl::model::migrate::{Existing, Found, plan};
    let Ok(first) = plan(&Existing::default(), tables, "m.sql", false) else {
        return;
    };
    let found = |sql: fn(&rzctl::model::migrate::NewMigration) -> &String| {
        first
            .new
            .iter()
            .enumerate()
            .map(|(n, m)| Found {
                version: n as i64 + 1,
                file_name: format!("{}.sql", m.stem),
                path: format!("{}.sql", m.stem),
                text: sql(m).clone(),
            })
            .collect::<Vec<_>>()
    };
    let existing = Existing {
        mysql: found(|m| &m.mysql),
        sqlite: found(|m| &m.sqlite),
    };
    match plan(&existing, tables, "m.sql", false) {
        Ok(again) => assert!(
            again.new.is_empty(),
            "replaying the migrations of {text:?} gives other tables: {:?}",
            again.new
        ),
        Err(errors) => panic!("replaying the migrations of {text:?}: {errors:?}"),
    }
}

#[test]
fn random_edits_of_ddl_never_panic_nor_generate_invalid_rust() {
    let templates = rzctl::emit::templates::Templates::load(None)
        .unwrap_or_else(|e| panic!("built-in templates: {e}"));
    let mut rng = Rng(0x5eed_5eed_0000_0004);
    let mut plans = 0;
    for seed in DDL_SEEDS {
        exercise_ddl(seed, &templates, &mut plans);
    }
    for _ in 0..3000 {
        let base = DDL_SEEDS[rng.below(DDL_SEEDS.len())].as_bytes();
        let mut mutant = mutate(&mut rng, base);
        if rng.below(2) == 0 {
            let at = rng.below(mutant.len() + 1);
            let fragment = DDL_FRAGMENTS[rng.below(DDL_FRAGMENTS.len())].as_bytes();
            mutant.splice(at..at, fragment.iter().copied());
        }
        exercise_ddl(&String::from_utf8_lossy(&mutant), &templates, &mut plans);
    }
    assert!(
        plans > 10,
        "only {plans} mutants parsed; the test exercises too little"
    );
}

#[test]
fn multi_line_comments_become_doc_comment_lines() {
    use rzctl::diag::SourceFile;
    use rzctl::model::service::{Layout, ModelOptions, plan};
    // found by cargo-fuzz: a carriage return inside a comment ended the doc comment
    let sql = "CREATE TABLE `t` (`id` int PRIMARY KEY COMMENT 'first\r\rsecond\r\nthird\u{7}') COMMENT='about\rt';";
    let (tables, diags) = rzctl::model::ddl::parse(&SourceFile::new("t.sql", sql.to_owned()));
    assert!(diags.is_empty(), "{diags}");
    let templates = rzctl::emit::templates::Templates::load(None)
        .unwrap_or_else(|e| panic!("built-in templates: {e}"));
    let options = ModelOptions {
        cache: false,
        prefix: "cache".to_owned(),
        ignore_columns: Vec::new(),
        layout: Layout::Module {
            module_dir: "src/model".into(),
        },
        source: "t.sql\nline".to_owned(),
        migrations: Default::default(),
        reset_migrations: false,
    };
    let outputs = plan(
        &tables,
        &options,
        &templates,
        std::path::Path::new("/nonexistent"),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .outputs;
    let generated = outputs
        .iter()
        .find(|o| o.path.ends_with("t_model_gen.rs"))
        .map(|o| o.content.clone())
        .unwrap_or_default();
    assert!(
        generated.starts_with("//! The `t` table: about.\n"),
        "{generated}"
    );
    assert!(generated.contains("from t.sqlline."), "{generated}");
    assert!(
        generated
            .contains("    /// first\n    ///\n    /// second\n    /// third\n    pub id: i32,"),
        "{generated}"
    );
}
