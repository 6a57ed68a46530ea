//! Store tests: the schema on both backends, and the audit trail's tamper evidence. They run on
//! SQLite, and on PostgreSQL when `ANJIAN_TEST_POSTGRES_URL` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use domain::audit::ChainBreak;
use store::audit::{self, NewEvent};
use store::{Db, DbOptions};
use testkit::TestDb;

async fn migrated(t: &TestDb) -> Db {
    let db = Db::connect(&DbOptions { url: t.url.clone(), max_connections: 4 }).await.unwrap();
    db.migrate().await.unwrap();
    db
}

async fn append_events(db: &Db, n: usize) {
    for i in 0..n {
        let mut tx = db.begin().await.unwrap();
        let e = NewEvent {
            scope: Some("/a/b/"),
            actor_id: None,
            actor_name: "测试",
            action: "unit.create",
            entity: "unit",
            entity_id: Some(format!("u{i}")),
            summary: serde_json::json!({ "name": format!("单位{i}") }),
        };
        audit::append(&mut tx, &e, store::now()).await.unwrap();
        tx.commit().await.unwrap();
    }
}

/// Raw SQL against whichever backend, for tampering as an attacker with file access would.
async fn raw(db: &Db, sql: &str) {
    store::on_db!(db, |p| sqlx::query(sqlx::AssertSqlSafe(sql.to_owned())).execute(p).await.map(|_| ())).unwrap();
}

async fn drop_triggers(db: &Db) {
    match db {
        Db::Sqlite(_) => {
            raw(db, "DROP TRIGGER audit_event_no_update").await;
            raw(db, "DROP TRIGGER audit_event_no_delete").await;
        }
        Db::Postgres(_) => raw(db, "ALTER TABLE audit_event DISABLE TRIGGER USER").await,
    }
}

#[tokio::test]
async fn both_migration_sets_give_the_same_tables_and_columns() {
    let sqlite = TestDb::sqlite();
    let sqlite_cols = migrated(&sqlite).await.schema().await.unwrap();
    assert!(sqlite_cols.iter().any(|(t, c)| t == "audit_event" && c == "hash"));
    let Some(admin) = testkit::postgres_url() else {
        eprintln!("ANJIAN_TEST_POSTGRES_URL not set: compared SQLite with itself only (CI sets it)");
        return;
    };
    let pg = TestDb::postgres(&admin).await;
    let pg_cols = migrated(&pg).await.schema().await.unwrap();
    assert_eq!(sqlite_cols, pg_cols);
}

#[tokio::test]
async fn migrations_are_current_after_migrate_and_migrate_twice_is_harmless() {
    let t = TestDb::new().await;
    let db = migrated(&t).await;
    db.migrate().await.unwrap();
    assert!(db.migrations_current().await.unwrap());
}

#[tokio::test]
async fn the_audit_trail_refuses_update_and_delete() {
    let t = TestDb::new().await;
    let db = migrated(&t).await;
    append_events(&db, 2).await;
    for sql in ["UPDATE audit_event SET actor_name = 'x' WHERE seq = 1", "DELETE FROM audit_event WHERE seq = 2"] {
        let r = store::on_db!(&db, |p| sqlx::query(sqlx::AssertSqlSafe(sql)).execute(p).await.map(|_| ()));
        let msg = r.unwrap_err().to_string();
        assert!(msg.contains("append-only"), "{sql}: {msg}");
    }
    assert_eq!(audit::verify(&db).await.unwrap(), Ok(2));
}

#[tokio::test]
async fn every_kind_of_tampering_is_caught_and_named() {
    /// (what the attacker does, the SQL, how the verifier must name it)
    type Case = (&'static str, &'static [&'static str], fn(ChainBreak) -> bool);
    let cases: [Case; 5] = [
        ("edit", &["UPDATE audit_event SET summary = '{}' WHERE seq = 3"], |b| b == ChainBreak::Edited { seq: 3 }),
        ("delete", &["DELETE FROM audit_event WHERE seq = 2"], |b| {
            matches!(b, ChainBreak::Gap { seq: 3, expected: 2 })
        }),
        (
            "insert",
            &["INSERT INTO audit_event SELECT seq + 100, at, scope, actor_id, actor_name, action, entity, entity_id, \
               summary, prev_hash, hash FROM audit_event WHERE seq = 2"],
            |b| matches!(b, ChainBreak::Gap { seq: 102, .. }),
        ),
        (
            "reorder",
            &[
                "UPDATE audit_event SET seq = 100 WHERE seq = 2",
                "UPDATE audit_event SET seq = 2 WHERE seq = 3",
                "UPDATE audit_event SET seq = 3 WHERE seq = 100",
            ],
            |b| b == ChainBreak::Edited { seq: 2 },
        ),
        ("truncate", &["DELETE FROM audit_event WHERE seq = 5"], |b| {
            matches!(b, ChainBreak::Truncated { last: 4, head: 5 })
        }),
    ];
    for (name, statements, expected) in cases {
        let t = TestDb::new().await;
        let db = migrated(&t).await;
        append_events(&db, 5).await;
        assert_eq!(audit::verify(&db).await.unwrap(), Ok(5));
        drop_triggers(&db).await;
        for sql in statements {
            raw(&db, sql).await;
        }
        let outcome = audit::verify(&db).await.unwrap();
        assert!(matches!(outcome, Err(ref b) if expected(b.clone())), "{name}: {outcome:?}");
        db.close().await;
    }
}
