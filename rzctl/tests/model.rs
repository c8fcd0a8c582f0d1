//! `rzctl model mysql` as a user runs it: DDL errors, the two layouts (a crate of its own, a
//! module inside a crate), the regeneration contract, and reading a live MariaDB.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::data_dir;

fn rzctl(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rzctl"))
        .args(args)
        .current_dir(dir)
        .env_remove("RZERO_PATH")
        .env_remove("RZCTL_HOME")
        .output()
        .unwrap_or_else(|e| panic!("cannot run rzctl: {e}"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, path: &str, content: &str) {
    let path = dir.join(path);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{}: {e}", parent.display()));
    }
    std::fs::write(&path, content).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

fn read(dir: &Path, path: &str) -> String {
    common::read(&dir.join(path))
}

fn temp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary folder: {e}"))
}

fn rzero_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rzero")
}

fn user_sql() -> String {
    common::read(&data_dir().join("model/user.sql"))
}

/// Generates the user table into `<dir>/models`, a crate of its own.
fn generate_crate(dir: &Path, extra: &[&str]) -> Output {
    let rzero = rzero_path();
    let mut args = vec![
        "model",
        "mysql",
        "ddl",
        "--src",
        "sql/*.sql",
        "--dir",
        "models",
        "--cache",
        "--rzero-path",
        rzero.to_str().unwrap_or_default(),
    ];
    args.extend_from_slice(extra);
    rzctl(dir, &args)
}

#[test]
fn ddl_errors_name_the_file_line_and_column() {
    let dir = temp();
    write(
        dir.path(),
        "sql/bad.sql",
        "\
CREATE TABLE `post` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `title` varchar(64) NOT NULL,
  `title` varchar(64) NOT NULL,
  `shape` geometry NOT NULL,
  PRIMARY KEY (`id`),
  KEY `author_idx` (`author_id`),
  KEY `lower_idx` ((lower(`title`)))
);
INSERT INTO `post` (`id`) VALUES (1);
CREATE INDEX `idx_missing` ON `comment` (`id`);
CREATE TABLE `tag` (
  `name` varchar(32) NOT NULL
);
CREATE INDEX `title_idx` ON `post` (`title`);
ALTER TABLE `post` ADD COLUMN `body` text;
CREATE TABLE `post_copy` LIKE `post`;
CREATE TABLE `post_titles` AS SELECT `title` FROM `post`;
DROP TABLE `never_created`;
CREATE TABLE `tagged` (`id` int PRIMARY KEY, `tag` varchar(8));
DROP INDEX `no_such_key` ON `tagged`;
",
    );
    write(
        dir.path(),
        "sql/session.sql",
        "\
GRANT SELECT ON shop.* TO 'app'@'%';
FLUSH PRIVILEGES;
RENAME TABLE `a` TO `b`;
SHOW TABLES;
LOCK TABLES `tagged` WRITE;
UNLOCK TABLES;
",
    );
    write(
        dir.path(),
        "sql/syntax.sql",
        "CREATE TABLE `t` (\n  `id` int NOT NUL PRIMARY KEY\n);\n",
    );
    let out = rzctl(
        dir.path(),
        &[
            "model",
            "mysql",
            "ddl",
            "--src",
            "sql/*.sql",
            "--dir",
            "out",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    insta::assert_snapshot!("ddl_errors", err);
    assert!(
        !dir.path().join("out").exists(),
        "nothing is written on errors"
    );
}

#[test]
fn a_table_created_in_two_files_is_refused() {
    let dir = temp();
    write(dir.path(), "sql/a.sql", &user_sql());
    write(dir.path(), "sql/b.sql", &user_sql());
    let out = rzctl(
        dir.path(),
        &[
            "model",
            "mysql",
            "ddl",
            "--src",
            "sql/*.sql",
            "--dir",
            "out",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("table `user` is created in both sql/a.sql and sql/b.sql"),
        "{err}"
    );
}

#[test]
fn no_matching_file_and_strict_mode_are_clear_errors() {
    let dir = temp();
    let out = rzctl(
        dir.path(),
        &[
            "model",
            "mysql",
            "ddl",
            "--src",
            "none/*.sql",
            "--dir",
            "out",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no DDL file matches `none/*.sql`"));

    write(dir.path(), "sql/user.sql", &user_sql());
    let out = rzctl(
        dir.path(),
        &[
            "model",
            "mysql",
            "ddl",
            "--src",
            "sql/*.sql",
            "--dir",
            "out",
            "--strict",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("column `user.id` is BIGINT UNSIGNED") && err.contains("--strict refuses it"),
        "{err}"
    );
}

#[test]
fn a_crate_of_its_own_is_generated_checked_and_regenerated() {
    let dir = temp();
    write(dir.path(), "sql/user.sql", &user_sql());
    let out = generate_crate(dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    for file in [
        "models/Cargo.toml",
        "models/src/lib.rs",
        "models/src/model/mod.rs",
        "models/src/model/user_model.rs",
        "models/src/model/user_model_gen.rs",
        "models/src/model/migrations/mysql/0001_user.sql",
        "models/src/model/migrations/sqlite/0001_user.sql",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} is missing");
    }
    let generated = read(dir.path(), "models/src/model/user_model_gen.rs");
    insta::assert_snapshot!("user_model_gen", generated);
    insta::assert_snapshot!(
        "user_sqlite_migration",
        read(
            dir.path(),
            "models/src/model/migrations/sqlite/0001_user.sql"
        )
    );
    let manifest = read(dir.path(), "models/Cargo.toml");
    assert!(manifest.contains("name = \"models\""), "{manifest}");
    assert!(manifest.contains("features = [\"sqlc\"]"), "{manifest}");

    // Fresh output passes --check.
    let out = generate_crate(dir.path(), &["--check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The user's file is theirs; the schema changes.
    let mine = "//! my queries\n\nuse super::user_model_gen::UserModel;\n\nimpl UserModel {}\n";
    write(dir.path(), "models/src/model/user_model.rs", mine);
    write(
        dir.path(),
        "sql/user.sql",
        &user_sql().replace(
            "  `vip` tinyint(1)",
            "  `bio` text COMMENT 'about me',\n  `vip` tinyint(1)",
        ),
    );
    let out = generate_crate(dir.path(), &["--check"]);
    assert_eq!(out.status.code(), Some(1), "a stale model fails --check");
    let report = text(&out.stdout);
    assert!(report.contains("src/model/user_model_gen.rs"), "{report}");
    assert!(
        text(&out.stderr).contains("is not what rzctl generates from sql/*.sql"),
        "{}",
        text(&out.stderr)
    );

    let out = generate_crate(dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let generated = read(dir.path(), "models/src/model/user_model_gen.rs");
    assert!(
        generated.contains("/// about me\n    pub bio: Option<String>,"),
        "{generated}"
    );
    assert_eq!(read(dir.path(), "models/src/model/user_model.rs"), mine);
    let out = generate_crate(dir.path(), &["--check"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[test]
fn generation_is_deterministic() {
    let dir = temp();
    write(dir.path(), "sql/user.sql", &user_sql());
    assert!(generate_crate(dir.path(), &[]).status.success());
    let first = read(dir.path(), "models/src/model/user_model_gen.rs");
    std::fs::remove_dir_all(dir.path().join("models")).unwrap_or_else(|e| panic!("{e}"));
    assert!(generate_crate(dir.path(), &[]).status.success());
    assert_eq!(
        read(dir.path(), "models/src/model/user_model_gen.rs"),
        first
    );
}

#[test]
fn inside_a_crate_a_module_is_written_and_the_manifest_edited() {
    let dir = temp();
    let original = "\
[package]
name = \"svc\"
version = \"0.1.0\"
edition = \"2024\"

[dependencies]
# the service's own choice, kept as written
serde = { version = \"1.0.200\", features = [\"derive\", \"rc\"] }
";
    write(dir.path(), "svc/Cargo.toml", original);
    write(dir.path(), "svc/src/main.rs", "fn main() {}\n");
    write(dir.path(), "svc/sql/user.sql", &user_sql());
    let rzero = rzero_path();
    let args = [
        "model",
        "mysql",
        "ddl",
        "--src",
        "sql/user.sql",
        "--dir",
        "src/model",
        "--rzero-path",
        rzero.to_str().unwrap_or_default(),
    ];
    let out = rzctl(&dir.path().join("svc"), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("note: declare the models in src/main.rs: `mod model;`"),
        "{}",
        text(&out.stdout)
    );
    for file in [
        "svc/src/model/mod.rs",
        "svc/src/model/user_model.rs",
        "svc/src/model/user_model_gen.rs",
        "svc/src/model/migrations/mysql/0001_user.sql",
    ] {
        assert!(dir.path().join(file).is_file(), "{file} is missing");
    }
    assert!(!dir.path().join("svc/src/model/Cargo.toml").exists());
    assert!(!dir.path().join("svc/src/lib.rs").exists());
    let manifest = read(dir.path(), "svc/Cargo.toml");
    assert!(
        manifest.starts_with(original),
        "what was there stays as written:\n{manifest}"
    );
    for dependency in ["rzero = ", "sqlx = ", "chrono = ", "serde_json = "] {
        assert!(
            manifest.contains(dependency),
            "{dependency} missing:\n{manifest}"
        );
    }
    assert!(manifest.contains("features = [\"sqlc\"]"), "{manifest}");

    let mut check = args.to_vec();
    check.push("--check");
    let out = rzctl(&dir.path().join("svc"), &check);
    assert!(
        out.status.success(),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let out = rzctl(&dir.path().join("svc"), &args);
    assert!(out.status.success());
    assert_eq!(
        read(dir.path(), "svc/Cargo.toml"),
        manifest,
        "a rerun edits nothing"
    );
}

/// A MariaDB database of the test's own, dropped at the end.
struct TempDatabase(String);

impl TempDatabase {
    fn create(ddl: &str) -> TempDatabase {
        let name = format!(
            "rz_datasource_{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or_default()
        );
        mysql(&format!("CREATE DATABASE `{name}`"), None);
        mysql(ddl, Some(&name));
        TempDatabase(name)
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        mysql(&format!("DROP DATABASE IF EXISTS `{}`", self.0), None);
    }
}

fn mysql(sql: &str, database: Option<&str>) {
    let mut command = Command::new("mysql");
    command.args(["-h127.0.0.1", "-P3306", "-uroot", "-e", sql]);
    if let Some(database) = database {
        command.arg(database);
    }
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run the mysql client: {e}"));
    assert!(out.status.success(), "mysql: {}", text(&out.stderr));
}

#[test]
fn datasource_reads_the_same_models_from_a_live_mariadb() {
    let sql = user_sql();
    let table_ddl = &sql[sql.find("CREATE TABLE").unwrap_or_default()..];
    let database = TempDatabase::create(table_ddl);
    let dir = temp();
    write(dir.path(), "sql/user.sql", &sql);
    assert!(generate_crate(dir.path(), &[]).status.success());
    let from_ddl = read(dir.path(), "models/src/model/user_model_gen.rs");

    let url = format!("mysql://root@127.0.0.1:3306/{}", database.0);
    let rzero = rzero_path();
    let out = rzctl(
        dir.path(),
        &[
            "model",
            "mysql",
            "datasource",
            "--url",
            &url,
            "--table",
            "us*",
            "--dir",
            "live",
            "--cache",
            "--rzero-path",
            rzero.to_str().unwrap_or_default(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let from_live = read(dir.path(), "live/src/model/user_model_gen.rs");
    // Only the header's source differs: MariaDB spells the DDL its own way, which must not
    // change the model.
    let body = |s: &str| s.lines().skip(4).collect::<Vec<_>>().join("\n");
    assert_eq!(body(&from_live), body(&from_ddl));
    assert!(
        from_live.contains(&format!("from {url}. DO NOT EDIT.")),
        "{from_live}"
    );

    let out = rzctl(
        dir.path(),
        &[
            "model",
            "mysql",
            "datasource",
            "--url",
            &url,
            "--table",
            "nothing*",
            "--dir",
            "none",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("has no table matching `nothing*`"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unreachable_database_is_a_clear_error_without_the_password() {
    let dir = temp();
    let out = rzctl(
        dir.path(),
        &[
            "model",
            "mysql",
            "datasource",
            "--url",
            "mysql://root:secret@127.0.0.1:1/db",
            "--dir",
            "out",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("cannot connect to mysql://root@127.0.0.1:1/db"),
        "{err}"
    );
    assert!(!err.contains("secret"), "{err}");
}

#[test]
fn names_rust_cannot_carry_are_refused() {
    let dir = temp();
    write(
        dir.path(),
        "sql/names.sql",
        "\
CREATE TABLE `order` (
  `id` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `userId` bigint NOT NULL,
  `user_id` bigint NOT NULL,
  `say \"hi\"` varchar(8) NOT NULL
);
",
    );
    let out = rzctl(
        dir.path(),
        &[
            "model",
            "mysql",
            "ddl",
            "--src",
            "sql/*.sql",
            "--dir",
            "out",
            "--prefix",
            "a\"b",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    for expected in [
        "columns `order.userId` and `order.user_id` both become the field `user_id`",
        "column `order.say \"hi\"` cannot be named in Rust",
        "--prefix `a\"b`: expected a non-empty cache key prefix",
    ] {
        assert!(err.contains(expected), "{expected} not in:\n{err}");
    }
}

#[test]
fn a_unique_key_over_the_primary_key_adds_no_second_finder() {
    let dir = temp();
    write(
        dir.path(),
        "sql/t.sql",
        "CREATE TABLE `t` (`id` int NOT NULL PRIMARY KEY, `code` char(4) NOT NULL, UNIQUE KEY (`id`), UNIQUE KEY `c1` (`code`), UNIQUE KEY `c2` (`code`));\n",
    );
    let out = generate_crate(dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let generated = read(dir.path(), "models/src/model/t_model_gen.rs");
    assert_eq!(
        generated.matches("pub async fn find_one_by_code(").count(),
        1
    );
    assert_eq!(generated.matches("pub async fn find_one_by_id(").count(), 0);
    assert_eq!(generated.matches("pub async fn find_one(").count(), 1);
}
