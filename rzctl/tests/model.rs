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

    write(dir.path(), "empty/a.sql", "SET NAMES utf8mb4;\n");
    write(dir.path(), "empty/b.sql", "-- nothing yet\n");
    let out = rzctl(
        dir.path(),
        &[
            "model",
            "mysql",
            "ddl",
            "--src",
            "empty/*.sql",
            "--dir",
            "out",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no CREATE TABLE statement in empty/a.sql, empty/b.sql"),
        "{}",
        text(&out.stderr)
    );

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
    fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:3306/{}", self.0)
    }

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
    // A view matches the pattern too, but has no rows of its own to model.
    mysql(
        "CREATE VIEW `us_names` AS SELECT `id`, `name` FROM `user`",
        Some(&database.0),
    );
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
    assert!(
        !dir.path()
            .join("live/src/model/us_names_model_gen.rs")
            .exists(),
        "the view was skipped"
    );
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
            "--cache",
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

const SHOP_V1: &str = "\
CREATE TABLE `user` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(64) NOT NULL,
  `mobile` varchar(32) NOT NULL,
  `update_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `mobile_unique` (`mobile`)
) ENGINE=InnoDB COMMENT='users';
CREATE TABLE `shop`.`tag` (
  `id` int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `label` varchar(16) NOT NULL,
  KEY `label_idx` (`label`) USING HASH COMMENT 'by label'
);
";

/// v1 with two columns and a key added to `user`, a table `post` added, `tag` removed.
const SHOP_V2: &str = "\
CREATE TABLE `user` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `name` varchar(64) NOT NULL,
  `bio` varchar(255) NOT NULL DEFAULT '' COMMENT 'about me',
  `level` int NOT NULL,
  `mobile` varchar(32) NOT NULL,
  `update_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (`id`),
  UNIQUE KEY `mobile_unique` (`mobile`),
  KEY `name_idx` (`name`)
) ENGINE=InnoDB COMMENT='users';
CREATE TABLE `post` (
  `id` bigint NOT NULL AUTO_INCREMENT,
  `user_id` bigint unsigned NOT NULL,
  `title` varchar(100) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `user_idx` (`user_id`)
);
";

/// v2 with `user.level` dropped and only a key added to `post`.
fn shop_v3() -> String {
    SHOP_V2.replace("  `level` int NOT NULL,\n", "").replace(
        "  KEY `user_idx` (`user_id`)\n",
        "  KEY `user_idx` (`user_id`),\n  KEY `title_idx` (`title`)\n",
    )
}

fn migration_files(dir: &Path) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for kind in ["mysql", "sqlite"] {
        let folder = dir.join("models/src/model/migrations").join(kind);
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        for name in names {
            let path = format!("{kind}/{name}");
            files.push((path, common::read(&folder.join(&name))));
        }
    }
    files
}

/// Runs the generated migrations of one kind, as sqlx does at a service's start-up.
async fn migrate(dir: &Path, kind: &str, url: &str) -> Result<(), String> {
    let folder = dir.join("models/src/model/migrations").join(kind);
    let mut migrator = sqlx::migrate::Migrator::new(folder.as_path())
        .await
        .map_err(|e| e.to_string())?;
    // One migrator at a time here; MariaDB answers sqlx's lock request without waiting.
    migrator.set_locking(false);
    match kind {
        "mysql" => {
            let pool = sqlx::MySqlPool::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            let result = migrator.run(&pool).await.map_err(|e| e.to_string());
            pool.close().await;
            result
        }
        _ => {
            let pool = sqlx::SqlitePool::connect(url)
                .await
                .map_err(|e| e.to_string())?;
            let result = migrator.run(&pool).await.map_err(|e| e.to_string());
            pool.close().await;
            result
        }
    }
}

async fn exec(kind: &str, url: &str, sql: &str) {
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    let result = match kind {
        "mysql" => {
            let pool = sqlx::MySqlPool::connect(url)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let r = sqlx::query(sql).execute(&pool).await.map(|_| ());
            pool.close().await;
            r
        }
        _ => {
            let pool = sqlx::SqlitePool::connect(url)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let r = sqlx::query(sql).execute(&pool).await.map(|_| ());
            pool.close().await;
            r
        }
    };
    result.unwrap_or_else(|e| panic!("{kind}: {e}"));
}

/// The first row of a query whose columns are all read as text.
async fn row(kind: &str, url: &str, sql: &str) -> Vec<String> {
    use sqlx::Row;
    let sql = sqlx::AssertSqlSafe(sql.to_owned());
    match kind {
        "mysql" => {
            let pool = sqlx::MySqlPool::connect(url)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let row = sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            let out = (0..row.len()).map(|i| row.get::<String, _>(i)).collect();
            pool.close().await;
            out
        }
        _ => {
            let pool = sqlx::SqlitePool::connect(url)
                .await
                .unwrap_or_else(|e| panic!("{e}"));
            let row = sqlx::query(sql)
                .fetch_one(&pool)
                .await
                .unwrap_or_else(|e| panic!("{kind}: {e}"));
            let out = (0..row.len()).map(|i| row.get::<String, _>(i)).collect();
            pool.close().await;
            out
        }
    }
}

/// Migrations are history: each change of the DDL appends a migration and leaves the ones a
/// database ran alone, so databases migrated before keep starting and keep their rows.
#[tokio::test]
async fn changing_the_ddl_appends_migrations_that_keep_the_data() {
    let dir = temp();
    write(dir.path(), "sql/shop.sql", SHOP_V1);
    let out = generate_crate(dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v1 = migration_files(dir.path());
    let names: Vec<&str> = v1.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "mysql/0001_user.sql",
            "mysql/0002_tag.sql",
            "sqlite/0001_user.sql",
            "sqlite/0002_tag.sql"
        ]
    );
    // The MySQL migration is the DDL as written, without the schema (the migrations run in
    // the database they are given); sqlparser would have printed `USING HASH, COMMENT`.
    assert!(
        v1[1].1.contains("CREATE TABLE `tag` (")
            && v1[1]
                .1
                .contains("KEY `label_idx` (`label`) USING HASH COMMENT 'by label'\n);"),
        "{}",
        v1[1].1
    );
    assert!(
        v1[0].1.ends_with(&format!(
            "{};\n",
            &SHOP_V1[..SHOP_V1.find(";\n").unwrap_or(0)]
        )),
        "{}",
        v1[0].1
    );

    let database = TempDatabase::create("SELECT 1");
    let sqlite_file = dir.path().join("shop.db");
    let sqlite = format!("sqlite://{}?mode=rwc", sqlite_file.display());
    let targets = [("mysql", database.url()), ("sqlite", sqlite)];
    for (kind, url) in &targets {
        migrate(dir.path(), kind, url)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        exec(
            kind,
            url,
            "INSERT INTO `user` (`name`, `mobile`) VALUES ('ann', '138')",
        )
        .await;
        exec(kind, url, "INSERT INTO `tag` (`label`) VALUES ('rust')").await;
    }

    // Two columns and a key on `user`, a table added, a table removed.
    write(dir.path(), "sql/shop.sql", SHOP_V2);
    let out = generate_crate(dir.path(), &["--check"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--check sees the migrations to write"
    );
    assert!(text(&out.stdout).contains("create src/model/migrations/mysql/0003_alter_user.sql"));
    let out = generate_crate(dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let warnings = text(&out.stderr);
    assert!(
        warnings.contains("warning: migration 0005_drop_tag drops table `tag` and its rows"),
        "{warnings}"
    );
    let v2 = migration_files(dir.path());
    for (name, content) in &v1 {
        assert!(
            v2.contains(&(name.clone(), content.clone())),
            "{name} was rewritten"
        );
    }
    let added: Vec<&str> = v2
        .iter()
        .filter(|f| !v1.contains(f))
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(
        added,
        [
            "mysql/0003_alter_user.sql",
            "mysql/0004_post.sql",
            "mysql/0005_drop_tag.sql",
            "sqlite/0003_alter_user.sql",
            "sqlite/0004_post.sql",
            "sqlite/0005_drop_tag.sql"
        ]
    );
    let alter = read(
        dir.path(),
        "models/src/model/migrations/mysql/0003_alter_user.sql",
    );
    assert!(
        alter.contains(
            "ADD COLUMN `bio` varchar(255) NOT NULL DEFAULT '' COMMENT 'about me' AFTER `name`"
        ) && alter.contains("ADD COLUMN `level` int NOT NULL AFTER `bio`")
            && alter.contains("ADD KEY `name_idx` (`name`)"),
        "{alter}"
    );
    let out = generate_crate(dir.path(), &["--check"]);
    assert!(
        out.status.success(),
        "a second run finds nothing to migrate: {}",
        text(&out.stdout)
    );

    for (kind, url) in &targets {
        migrate(dir.path(), kind, url)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(
            row(
                kind,
                url,
                "SELECT `name`, `bio`, CAST(`level` AS CHAR), `mobile` FROM `user`"
            )
            .await,
            ["ann", "", "0", "138"],
            "{kind} kept the row"
        );
        exec(
            kind,
            url,
            "INSERT INTO `user` (`name`, `mobile`, `level`) VALUES ('bob', '139', 2)",
        )
        .await;
        exec(
            kind,
            url,
            "INSERT INTO `post` (`user_id`, `title`) VALUES (1, 'hello')",
        )
        .await;
        let tags = row(
            kind,
            url,
            "SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'tag'",
        );
        if *kind == "mysql" {
            assert_eq!(tags.await, ["0"], "tag is gone");
        } else {
            drop(tags);
            assert_eq!(
                row(
                    kind,
                    url,
                    "SELECT CAST(COUNT(*) AS TEXT) FROM sqlite_master WHERE name = 'tag'"
                )
                .await,
                ["0"],
                "tag is gone"
            );
        }
    }

    // A column dropped, and only a key added (SQLite then creates an index, nothing more).
    write(dir.path(), "sql/shop.sql", &shop_v3());
    let out = generate_crate(dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("drops column `user.level` and its values"),
        "{}",
        text(&out.stderr)
    );
    let post = read(
        dir.path(),
        "models/src/model/migrations/sqlite/0007_alter_post.sql",
    );
    assert!(
        post.contains("CREATE INDEX IF NOT EXISTS `post_title_idx` ON `post` (`title`);")
            && !post.contains("_rzctl_new_"),
        "{post}"
    );
    for (kind, url) in &targets {
        migrate(dir.path(), kind, url)
            .await
            .unwrap_or_else(|e| panic!("{kind}: {e}"));
        assert_eq!(
            row(
                kind,
                url,
                "SELECT `name`, `bio`, `mobile` FROM `user` WHERE `name` = 'bob'"
            )
            .await,
            ["bob", "", "139"],
            "{kind}"
        );
        assert_eq!(
            row(kind, url, "SELECT `title` FROM `post`").await,
            ["hello"],
            "{kind}"
        );
    }
    let out = generate_crate(dir.path(), &["--check"]);
    assert!(out.status.success(), "{}", text(&out.stdout));
}

#[test]
fn migration_history_problems_are_refused_clearly() {
    let dir = temp();
    write(dir.path(), "sql/shop.sql", SHOP_V1);
    assert!(generate_crate(dir.path(), &[]).status.success());
    let mysql = dir.path().join("models/src/model/migrations/mysql");
    // Two branches each added a third migration.
    write(&mysql, "0003_a.sql", "SELECT 1;\n");
    write(&mysql, "0003_b.sql", "SELECT 1;\n");
    let out = generate_crate(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("migrations/mysql has two migrations numbered 3: 0003_a.sql and 0003_b.sql"),
        "{err}"
    );
    assert!(
        err.contains("migration 0003 is in migrations/mysql but not in migrations/sqlite"),
        "{err}"
    );
    std::fs::remove_file(mysql.join("0003_b.sql")).unwrap_or_else(|e| panic!("{e}"));
    write(
        dir.path(),
        "models/src/model/migrations/sqlite/0003_a.sql",
        "SELECT 1;\n",
    );

    // A changed primary key is not guessed at.
    write(
        dir.path(),
        "sql/shop.sql",
        &SHOP_V1
            .replace("PRIMARY KEY (`id`),", "PRIMARY KEY (`id`, `mobile`),")
            .replace("unsigned NOT NULL AUTO_INCREMENT,", "unsigned NOT NULL,"),
    );
    let out = generate_crate(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("the primary key of `user` changes from (id) to (id, mobile)"),
        "{}",
        text(&out.stderr)
    );

    // A reset starts over, but not over a migration of the user's own.
    let out = generate_crate(dir.path(), &["--reset-migrations"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("0003_a.sql is a migration of your own"));
    for kind in ["mysql", "sqlite"] {
        std::fs::remove_file(
            dir.path()
                .join(format!("models/src/model/migrations/{kind}/0003_a.sql")),
        )
        .unwrap_or_else(|e| panic!("{e}"));
    }
    write(dir.path(), "sql/shop.sql", SHOP_V2);
    assert!(generate_crate(dir.path(), &[]).status.success());
    let out = generate_crate(dir.path(), &["--reset-migrations"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let names: Vec<String> = migration_files(dir.path())
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        [
            "mysql/0001_user.sql",
            "mysql/0002_post.sql",
            "sqlite/0001_user.sql",
            "sqlite/0002_post.sql"
        ]
    );
    assert!(text(&out.stderr).contains("drop and recreate it"));
}

#[test]
fn generated_and_database_filled_columns_are_never_written() {
    let dir = temp();
    write(
        dir.path(),
        "sql/t.sql",
        "\
CREATE TABLE `line` (
  `id` int NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `price` int NOT NULL,
  `qty` int NOT NULL,
  `total` int AS (`price` * `qty`) STORED,
  `next` int GENERATED ALWAYS AS (`price` + 1) VIRTUAL
);
CREATE TABLE `visit` (
  `id` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,
  `create_time` timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP
);
",
    );
    let out = generate_crate(dir.path(), &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = read(dir.path(), "models/src/model/line_model_gen.rs");
    assert!(
        line.contains(
            "const INSERT: &str = \"INSERT INTO `line` (`price`, `qty`) VALUES (?, ?)\";"
        ) && line.contains(
            "const UPDATE: &str = \"UPDATE `line` SET `price` = ?, `qty` = ? WHERE `id` = ?\";"
        ) && line.contains("pub total: Option<i32>,"),
        "{line}"
    );
    let sqlite = read(
        dir.path(),
        "models/src/model/migrations/sqlite/0001_line.sql",
    );
    assert!(
        sqlite.contains("`total` INTEGER GENERATED ALWAYS AS (`price` * `qty`) STORED")
            && sqlite.contains("`next` INTEGER GENERATED ALWAYS AS (`price` + 1) VIRTUAL"),
        "{sqlite}"
    );
    // Nothing to write but the id: both databases number a NULL id.
    let visit = read(dir.path(), "models/src/model/visit_model_gen.rs");
    assert!(
        visit.contains("const INSERT: &str = \"INSERT INTO `visit` (`id`) VALUES (NULL)\";"),
        "{visit}"
    );

    write(
        dir.path(),
        "sql/t.sql",
        "CREATE TABLE `c` (`a` int NOT NULL, `n` int NOT NULL AUTO_INCREMENT, PRIMARY KEY (`a`), KEY (`n`));\n",
    );
    let out = generate_crate(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr)
            .contains("column `c.n` is AUTO_INCREMENT but not the table's only primary key column"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn without_cache_the_models_go_straight_to_the_database() {
    let dir = temp();
    write(dir.path(), "sql/user.sql", &user_sql());
    let rzero = rzero_path();
    let args = [
        "model",
        "mysql",
        "ddl",
        "--src",
        "sql/*.sql",
        "--dir",
        "models",
        "--rzero-path",
        rzero.to_str().unwrap_or_default(),
    ];
    let out = rzctl(dir.path(), &args);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let generated = read(dir.path(), "models/src/model/user_model_gen.rs");
    insta::assert_snapshot!("user_model_gen_uncached", generated);
    for cache_only in ["query_row", "keys_of", "delete_after_commit", "_key("] {
        assert!(
            !generated.contains(cache_only),
            "{cache_only} in:\n{generated}"
        );
    }
    let module = read(dir.path(), "models/src/model/mod.rs");
    assert!(
        module.contains("pub fn new(db: rzero::db::Db) -> Self {")
            && !module.contains("CACHE_PREFIX"),
        "{module}"
    );

    // A prefix names cache keys, which these models have none of.
    let mut with_prefix = args.to_vec();
    with_prefix.extend(["--prefix", "shop"]);
    let out = rzctl(dir.path(), &with_prefix);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--cache"),
        "{}",
        text(&out.stderr)
    );
}
