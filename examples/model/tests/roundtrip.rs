//! The generated models on both kinds of database: MariaDB with Redis (distributed mode) and
//! SQLite with the in-process cache (embedded mode). Every column type round-trips through
//! insert, find, update and delete; unique-key lookups and transactions keep the cache right;
//! models generated without `--cache` read the database itself.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

use chrono::{NaiveDate, NaiveTime};
use model_example::model::{AllTypes, CACHE_PREFIX, GroupMember, Models, User, Visit, migrations};
use model_example::plain;
use rzero::cache::{Cache, CacheConf, CacheStore, MemoryStore, RedisStore};
use rzero::db::{Db, DbConf};
use rzero::sqlc::{CachedConn, SqlcError};
use std::sync::Arc;

/// A database of this test's own and a cache with this test's own key prefix.
struct Backend {
    models: Models,
    cache: Cache,
    cleanup: Option<(Db, String)>,
}

fn unique(test: &str) -> String {
    format!("rz_model_{test}_{:08x}", rand_u32())
}

fn rand_u32() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    hasher.finish() as u32
}

fn conf(name: &str) -> CacheConf {
    CacheConf {
        prefix: Some(format!("{name}:cache")),
        ..CacheConf::default()
    }
}

async fn mariadb(test: &str) -> Backend {
    let name = unique(test);
    let admin = Db::connect(&DbConf {
        dsn: "mysql://root@127.0.0.1:3306/test".to_owned(),
        max_connections: 2,
        ..DbConf::default()
    })
    .await
    .unwrap();
    rzero::with_db!(&admin, pool => sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}`"))).execute(pool).await.map(|_| ())).unwrap();
    let db = Db::connect(&DbConf {
        dsn: format!("mysql://root@127.0.0.1:3306/{name}"),
        ..DbConf::default()
    })
    .await
    .unwrap();
    db.migrate(&migrations()).await.unwrap();
    let conf = conf(&name);
    let store: Arc<dyn CacheStore> = Arc::new(
        RedisStore::connect("redis://127.0.0.1:6379", conf.timeout)
            .await
            .unwrap(),
    );
    let cache = Cache::new(test, store, conf);
    Backend {
        models: Models::new(CachedConn::new(db, cache.clone())),
        cache,
        cleanup: Some((admin, name)),
    }
}

async fn sqlite(test: &str) -> Backend {
    let db = Db::connect(&DbConf::default()).await.unwrap();
    db.migrate(&migrations()).await.unwrap();
    let cache = Cache::new(
        test,
        Arc::new(MemoryStore::new(10_000)),
        conf(&unique(test)),
    );
    Backend {
        models: Models::new(CachedConn::new(db, cache.clone())),
        cache,
        cleanup: None,
    }
}

impl Backend {
    async fn finish(self) {
        if let Some((admin, name)) = self.cleanup {
            rzero::with_db!(&admin, pool => sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE `{name}`"))).execute(pool).await.map(|_| ())).unwrap();
            drop_redis_keys(&format!("{}*", self.cache.prefix())).await;
        }
    }
}

/// Placeholders of deleted rows would otherwise stay for a minute after the run.
async fn drop_redis_keys(pattern: &str) {
    let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut cursor = 0u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(pattern)
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            redis::cmd("DEL")
                .arg(&keys)
                .query_async::<()>(&mut conn)
                .await
                .unwrap();
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
}

fn every_type() -> AllTypes {
    AllTypes {
        id: 0,
        flag: true,
        ok: false,
        tiny: i8::MIN,
        tiny_u: u8::MAX,
        small: i16::MIN,
        small_u: u16::MAX,
        medium: -8_388_608,
        medium_u: 16_777_215,
        regular: i32::MIN,
        regular_u: u32::MAX,
        big: i64::MIN,
        big_u: i64::MAX,
        price: "1234567890.10".to_owned(),
        ratio: 1.5,
        score: std::f64::consts::PI,
        code: "AB-12345".to_owned(),
        title: "知乎 — a title with ünïcode and 'quotes'".to_owned(),
        body: Some("a body\nwith lines".to_owned()),
        tiny_text: Some("tiny".to_owned()),
        medium_text: Some("medium".repeat(100)),
        long_text: Some("long".repeat(1000)),
        raw: Some(vec![0, 1, 2, 255]),
        fixed_raw: Some(vec![9, 8, 7, 6]),
        blob_data: Some((0..=255).collect()),
        tiny_blob: Some(vec![42]),
        medium_blob: Some(vec![1; 1000]),
        long_blob: Some(vec![2; 5000]),
        day: Some(NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()),
        moment: Some(
            NaiveDate::from_ymd_opt(1999, 12, 31)
                .unwrap()
                .and_hms_opt(23, 59, 58)
                .unwrap(),
        ),
        stamp: Some(
            NaiveDate::from_ymd_opt(2030, 1, 2)
                .unwrap()
                .and_hms_opt(3, 4, 5)
                .unwrap()
                .and_utc(),
        ),
        clock: Some(NaiveTime::from_hms_opt(12, 34, 56).unwrap()),
        birth_year: Some(1990),
        doc: Some(sqlx::types::Json(
            serde_json::json!({"tags": ["a", "b"], "n": 1}),
        )),
        kind: "film".to_owned(),
        maybe_int: None,
        maybe_price: Some("0.125".to_owned()),
        serial: "S-0001".to_owned(),
        tags: "red,blue".to_owned(),
        bit_flag: true,
        bits: Some(0b1010_1010_1010),
        real_num: std::f64::consts::E,
        wide_float: Some(1.0e300),
        numeric_num: Some("123456.7890".to_owned()),
        dec_num: "12345.6".to_owned(),
        moment_us: Some(
            NaiveDate::from_ymd_opt(1999, 12, 31)
                .unwrap()
                .and_hms_micro_opt(23, 59, 58, 123_456)
                .unwrap(),
        ),
        stamp_ms: Some(
            NaiveDate::from_ymd_opt(2030, 1, 2)
                .unwrap()
                .and_hms_milli_opt(3, 4, 5, 678)
                .unwrap()
                .and_utc(),
        ),
        clock_us: Some(NaiveTime::from_hms_micro_opt(12, 34, 56, 789).unwrap()),
        // Generated columns: the database computes them, inserts and updates leave them out.
        tiny_doubled: Some(-256),
        small_plus: Some(-32_896),
    }
}

async fn every_type_round_trips(backend: Backend) {
    let model = &backend.models.all_types;
    let mut row = every_type();
    let id = model.insert(&row).await.unwrap();
    row.id = id;
    assert_eq!(
        model.find_one(id).await.unwrap().unwrap(),
        row,
        "read from the database"
    );
    assert_eq!(
        model.find_one(id).await.unwrap().unwrap(),
        row,
        "read from the cache"
    );
    assert_eq!(
        model.find_one_by_serial("S-0001").await.unwrap().unwrap(),
        row
    );

    row.flag = false;
    row.price = "0.01".to_owned();
    row.maybe_int = Some(-7);
    row.body = None;
    row.doc = None;
    row.kind = "song".to_owned();
    row.serial = "S-0002".to_owned();
    row.tags = String::new();
    row.bit_flag = false;
    row.bits = Some(4095);
    row.tiny = 3;
    row.tiny_doubled = Some(6);
    row.small_plus = Some(-32_765);
    row.moment_us = None;
    row.clock_us = Some(NaiveTime::from_hms_micro_opt(0, 0, 0, 1).unwrap());
    model.update(&row).await.unwrap();
    assert_eq!(
        model.find_one(id).await.unwrap().unwrap(),
        row,
        "the update reached the cache"
    );
    assert_eq!(
        model.find_one_by_serial("S-0001").await.unwrap(),
        None,
        "the old unique key is gone"
    );
    assert_eq!(
        model.find_one_by_serial("S-0002").await.unwrap().unwrap(),
        row
    );

    model.delete(id).await.unwrap();
    assert_eq!(model.find_one(id).await.unwrap(), None);
    assert_eq!(model.find_one_by_serial("S-0002").await.unwrap(), None);
    backend.finish().await;
}

#[tokio::test]
async fn every_type_round_trips_on_mariadb_and_redis() {
    every_type_round_trips(mariadb("types").await).await;
}

#[tokio::test]
async fn every_type_round_trips_on_sqlite_and_memory() {
    every_type_round_trips(sqlite("types").await).await;
}

fn user(name: &str, mobile: &str) -> User {
    User {
        id: 0,
        name: name.to_owned(),
        mobile: mobile.to_owned(),
        avatar: None,
        create_time: chrono::DateTime::default(),
        update_time: chrono::DateTime::default(),
    }
}

async fn unique_keys_and_transactions(backend: Backend) {
    let users = &backend.models.user;
    // A lookup before the row exists caches "no such row"; the insert must clear it.
    assert_eq!(users.find_one_by_mobile("m-1").await.unwrap(), None);
    let id = users.insert(&user("ann", "m-1")).await.unwrap();
    let ann = users.find_one_by_mobile("m-1").await.unwrap().unwrap();
    assert_eq!((ann.id, ann.name.as_str()), (id, "ann"));
    assert!(
        ann.create_time.timestamp() > 0,
        "the database filled create_time"
    );
    assert_eq!(users.find_one_by_name("ann").await.unwrap().unwrap(), ann);
    assert!(
        backend
            .cache
            .store()
            .get(&users.mobile_key("m-1"))
            .await
            .unwrap()
            .is_some()
    );

    // Two writes in one transaction: committed together, cache cleared after the commit.
    let renamed = users
        .conn()
        .transact(|tx| {
            let users = users.clone();
            Box::pin(async move {
                let mut ann = users.find_one(id).await?.unwrap();
                ann.name = "ann2".to_owned();
                users.update_tx(tx, &ann).await?;
                let bob = users.insert_tx(tx, &user("bob", "m-2")).await?;
                Ok::<_, SqlcError>(bob)
            })
        })
        .await
        .unwrap();
    assert_eq!(users.find_one(id).await.unwrap().unwrap().name, "ann2");
    assert_eq!(
        users.find_one_by_name("ann").await.unwrap(),
        None,
        "the old name's key went with the commit"
    );
    assert_eq!(users.find_one(renamed).await.unwrap().unwrap().name, "bob");

    // A failed transaction changes nothing.
    let failed: Result<(), SqlcError> = users
        .conn()
        .transact(|tx| {
            let users = users.clone();
            Box::pin(async move {
                users.delete_tx(tx, id).await?;
                // Duplicate mobile: the unique key refuses it and the delete is rolled back.
                users.insert_tx(tx, &user("eve", "m-2")).await?;
                Ok(())
            })
        })
        .await;
    let err = failed.unwrap_err();
    assert!(err.is_unique_violation(), "{err}");
    assert_eq!(users.find_one(id).await.unwrap().unwrap().name, "ann2");

    // Queries of your own (src/model/user_model.rs) on the same connection and cache.
    let newest = users.newest(10).await.unwrap();
    assert_eq!(
        newest.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(),
        ["bob", "ann2"]
    );
    assert_eq!(
        users.find_one(id).await.unwrap().unwrap().name,
        "ann2",
        "cached"
    );
    assert!(users.rename(id, "ann3").await.unwrap());
    assert_eq!(users.find_one(id).await.unwrap().unwrap().name, "ann3");
    assert_eq!(users.find_one_by_name("ann2").await.unwrap(), None);
    assert!(!users.rename(123_456, "nobody").await.unwrap());

    users.delete(id).await.unwrap();
    users.delete(renamed).await.unwrap();
    assert_eq!(users.find_one_by_mobile("m-1").await.unwrap(), None);
    backend.finish().await;
}

#[tokio::test]
async fn unique_keys_and_transactions_on_mariadb_and_redis() {
    unique_keys_and_transactions(mariadb("users").await).await;
}

#[tokio::test]
async fn unique_keys_and_transactions_on_sqlite_and_memory() {
    unique_keys_and_transactions(sqlite("users").await).await;
}

/// Instances of a service start together and each runs the migrations: one applies them,
/// the others wait and find them applied (MariaDB ignores the wait sqlx asks for).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_migrate_once() {
    let name = unique("migrate");
    let admin = Db::connect(&DbConf {
        dsn: "mysql://root@127.0.0.1:3306/test".to_owned(),
        max_connections: 1,
        ..DbConf::default()
    })
    .await
    .unwrap();
    rzero::with_db!(&admin, pool => sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE `{name}`"))).execute(pool).await.map(|_| ())).unwrap();
    let starts: Vec<_> = (0..4)
        .map(|_| {
            let dsn = format!("mysql://root@127.0.0.1:3306/{name}");
            tokio::spawn(async move {
                let db = Db::connect(&DbConf {
                    dsn,
                    max_connections: 2,
                    ..DbConf::default()
                })
                .await
                .unwrap();
                let migrated = db.migrate(&migrations()).await;
                db.close().await;
                migrated
            })
        })
        .collect();
    for start in starts {
        start.await.unwrap().unwrap();
    }
    rzero::with_db!(&admin, pool => sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE `{name}`"))).execute(pool).await.map(|_| ())).unwrap();
}

/// A backend's database, for writes behind the models' back.
fn db_of(backend: &Backend) -> Db {
    backend.models.user.conn().db().clone()
}

async fn the_cache_flag_decides_where_reads_go(backend: Backend) {
    let db = db_of(&backend);
    let cached = &backend.models.user;
    let direct = plain::Models::new(db.clone());
    let row = user("cy", "m-9");
    let id = direct
        .user
        .insert(&plain::User {
            id: 0,
            name: row.name,
            mobile: row.mobile,
            avatar: None,
            create_time: row.create_time,
            update_time: row.update_time,
        })
        .await
        .unwrap();
    assert_eq!(cached.find_one(id).await.unwrap().unwrap().name, "cy");
    // A write behind both models' back: the model generated without --cache sees it at once,
    // the cached one keeps answering from its entry until a write of its own deletes it.
    rzero::with_db!(&db, pool => sqlx::query("UPDATE `user` SET `name` = 'cyd' WHERE `id` = ?").bind(id).execute(pool).await.map(|_| ())).unwrap();
    assert_eq!(direct.user.find_one(id).await.unwrap().unwrap().name, "cyd");
    assert_eq!(
        direct
            .user
            .find_one_by_mobile("m-9")
            .await
            .unwrap()
            .unwrap()
            .name,
        "cyd"
    );
    assert_eq!(cached.find_one(id).await.unwrap().unwrap().name, "cy");
    let mut row = direct.user.find_one(id).await.unwrap().unwrap();
    row.avatar = Some("a.png".to_owned());
    direct.user.update(&row).await.unwrap();
    assert_eq!(
        direct
            .user
            .find_one(id)
            .await
            .unwrap()
            .unwrap()
            .avatar
            .as_deref(),
        Some("a.png")
    );
    direct.user.delete(id).await.unwrap();
    assert_eq!(direct.user.find_one(id).await.unwrap(), None);
    backend.finish().await;
}

#[tokio::test]
async fn the_cache_flag_decides_where_reads_go_on_mariadb_and_redis() {
    the_cache_flag_decides_where_reads_go(mariadb("flag").await).await;
}

#[tokio::test]
async fn the_cache_flag_decides_where_reads_go_on_sqlite_and_memory() {
    the_cache_flag_decides_where_reads_go(sqlite("flag").await).await;
}

#[tokio::test]
async fn keys_start_with_the_generated_prefix_unless_the_config_names_one() {
    let db = Db::connect(&DbConf::default()).await.unwrap();
    let cache = |prefix: Option<&str>| {
        Cache::new(
            "prefix",
            Arc::new(MemoryStore::new(100)),
            CacheConf {
                prefix: prefix.map(str::to_owned),
                ..CacheConf::default()
            },
        )
    };
    let generated = Models::new(CachedConn::new(db.clone(), cache(None)));
    assert_eq!(
        generated.user.id_key(7),
        format!("{CACHE_PREFIX}:user:id:7")
    );
    assert_eq!(CACHE_PREFIX, "cache", "rzctl's --prefix default");
    let configured = Models::new(CachedConn::new(db, cache(Some("tenant-a"))));
    assert_eq!(configured.user.id_key(7), "tenant-a:user:id:7");
    assert_eq!(configured.user.mobile_key("m"), "tenant-a:user:mobile:m");
}

fn member(group_id: i64, user_id: i64, nickname: &str) -> GroupMember {
    GroupMember {
        group_id,
        user_id,
        nickname: nickname.to_owned(),
        role: "member".to_owned(),
        joined_at: NaiveDate::from_ymd_opt(2026, 3, 4)
            .unwrap()
            .and_hms_milli_opt(5, 6, 7, 890)
            .unwrap(),
    }
}

/// A composite primary key and a composite unique key: finders, cache keys and writes by both.
async fn composite_keys_round_trip(backend: Backend) {
    let members = &backend.models.group_member;
    assert_eq!(members.find_one(1, 10).await.unwrap(), None);
    assert_eq!(
        members
            .find_one_by_group_id_and_nickname(1, "ann")
            .await
            .unwrap(),
        None
    );
    let ann = member(1, 10, "ann");
    members.insert(&ann).await.unwrap();
    members.insert(&member(1, 11, "bob")).await.unwrap();
    // The same nickname in another group is another key.
    members.insert(&member(2, 10, "ann")).await.unwrap();
    assert_eq!(
        members.find_one(1, 10).await.unwrap().unwrap(),
        ann,
        "after the placeholder"
    );
    assert_eq!(
        members
            .find_one_by_group_id_and_nickname(1, "ann")
            .await
            .unwrap()
            .unwrap(),
        ann
    );
    assert_eq!(
        members
            .find_one_by_group_id_and_nickname(2, "ann")
            .await
            .unwrap()
            .unwrap()
            .group_id,
        2
    );
    let duplicate = members.insert(&member(1, 12, "bob")).await.unwrap_err();
    assert!(duplicate.is_unique_violation(), "{duplicate}");

    let mut renamed = ann.clone();
    renamed.nickname = "anna".to_owned();
    renamed.role = "admin".to_owned();
    members.update(&renamed).await.unwrap();
    assert_eq!(members.find_one(1, 10).await.unwrap().unwrap(), renamed);
    assert_eq!(
        members
            .find_one_by_group_id_and_nickname(1, "ann")
            .await
            .unwrap(),
        None,
        "the old unique key went with the update"
    );
    assert_eq!(
        members
            .find_one_by_group_id_and_nickname(1, "anna")
            .await
            .unwrap()
            .unwrap(),
        renamed
    );
    let key = members.group_id_and_user_id_key(1, 10);
    assert!(
        key.ends_with(":group_member:group_id:user_id:1:10"),
        "{key}"
    );
    assert!(backend.cache.store().get(&key).await.unwrap().is_some());

    members.delete(1, 10).await.unwrap();
    assert_eq!(members.find_one(1, 10).await.unwrap(), None);
    assert_eq!(
        members
            .find_one_by_group_id_and_nickname(1, "anna")
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        members.find_one(2, 10).await.unwrap().unwrap().nickname,
        "ann"
    );
    backend.finish().await;
}

#[tokio::test]
async fn composite_keys_round_trip_on_mariadb_and_redis() {
    composite_keys_round_trip(mariadb("members").await).await;
}

#[tokio::test]
async fn composite_keys_round_trip_on_sqlite_and_memory() {
    composite_keys_round_trip(sqlite("members").await).await;
}

/// A table with nothing to write but the id the database numbers.
async fn rows_with_nothing_to_write_are_inserted(backend: Backend) {
    let visits = &backend.models.visit;
    let nothing = Visit {
        id: 0,
        create_time: chrono::DateTime::default(),
    };
    let first = visits.insert(&nothing).await.unwrap();
    let second = visits.insert(&nothing).await.unwrap();
    assert_eq!(second, first + 1);
    let visit = visits.find_one(second).await.unwrap().unwrap();
    assert!(
        visit.create_time.timestamp() > 0,
        "the database filled create_time"
    );
    backend.finish().await;
}

#[tokio::test]
async fn rows_with_nothing_to_write_are_inserted_on_mariadb_and_redis() {
    rows_with_nothing_to_write_are_inserted(mariadb("visits").await).await;
}

#[tokio::test]
async fn rows_with_nothing_to_write_are_inserted_on_sqlite_and_memory() {
    rows_with_nothing_to_write_are_inserted(sqlite("visits").await).await;
}
