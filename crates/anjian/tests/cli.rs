//! The binary as an operator meets it: one-line errors with a non-zero exit, an idempotent demo,
//! and `audit verify` naming the row someone changed behind the application's back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

use testkit::TestDb;

fn anjian(db: &TestDb, args: &[&str], env: &[(&str, &str)]) -> Output {
    db.command(env!("CARGO_BIN_EXE_anjian"), args, env).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test]
async fn bad_configuration_is_one_line_and_a_non_zero_exit() {
    let db = TestDb::new().await;
    for (env, expected) in [
        (("ANJIAN_LISTEN", "nonsense"), "listen"),
        (("ANJIAN_DATABASE_URL", "mysql://x"), "database_url"),
        (("ANJIAN_LISTN", "127.0.0.1:1"), "unknown field"),
        (("ANJIAN_DATA_DIR", "/proc/anjian-cannot-write-here"), "data directory"),
    ] {
        let out = anjian(&db, &["migrate"], &[env]);
        assert_eq!(out.status.code(), Some(1), "{env:?}");
        let err = stderr(&out);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.starts_with("anjian: error: ") && err.contains(expected), "{err}");
    }
}

#[tokio::test]
async fn the_demo_loads_once_and_the_audit_trail_verifies_until_a_row_is_edited_by_hand() {
    let db = TestDb::new().await;
    let first = anjian(&db, &["demo", "--no-serve"], &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("qf.admin") && stdout(&first).contains("yc.supervisor"));
    let second = anjian(&db, &["demo", "--no-serve"], &[]);
    assert!(second.status.success());
    assert!(stdout(&second).starts_with("演示数据已存在，未做改动。"));
    let ok = anjian(&db, &["audit", "verify"], &[]);
    assert!(ok.status.success());
    assert!(stdout(&ok).starts_with("OK"), "{}", stdout(&ok));

    // Someone with access to the database file drops the guard and edits row 4.
    let store = store::Db::connect(&store::DbOptions { url: db.url.clone(), max_connections: 1 }).await.unwrap();
    let unguard = match store {
        store::Db::Postgres(_) => "ALTER TABLE audit_event DISABLE TRIGGER USER",
        store::Db::Sqlite(_) => "DROP TRIGGER audit_event_no_update",
    };
    for sql in [unguard, "UPDATE audit_event SET actor_name = 'someone else' WHERE seq = 4"] {
        store::on_db!(&store, |p| sqlx::query(sql).execute(p).await.map(|_| ())).unwrap();
    }
    store.close().await;
    let broken = anjian(&db, &["audit", "verify"], &[]);
    assert_eq!(broken.status.code(), Some(1));
    assert_eq!(stdout(&broken).trim(), "BROKEN: row seq=4: its content does not match its hash (edited)");
}

#[tokio::test]
async fn an_operator_registers_a_town_and_its_first_administrator() {
    let db = TestDb::new().await;
    let run = |args: &[&str]| anjian(&db, args, &[]);
    assert!(
        run(&["admin", "create-unit", "--kind", "district", "--name", "重庆市永川区", "--code", "500118"])
            .status
            .success()
    );
    let town = run(&[
        "admin",
        "create-unit",
        "--kind",
        "town",
        "--name",
        "青峰镇",
        "--code",
        "500118100",
        "--parent",
        "500118",
    ]);
    assert!(town.status.success(), "{}", stderr(&town));
    let again = run(&[
        "admin",
        "create-unit",
        "--kind",
        "town",
        "--name",
        "青峰镇",
        "--code",
        "500118100",
        "--parent",
        "500118",
    ]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("代码已被“青峰镇”使用"), "{}", stderr(&again));
    let user = run(&[
        "admin",
        "create-user",
        "--username",
        "qf.admin",
        "--display-name",
        "张三",
        "--role",
        "admin",
        "--authority",
        "青峰镇",
    ]);
    assert!(user.status.success(), "{}", stderr(&user));
    assert!(stdout(&user).contains("one-time password"));
    let nowhere = run(&[
        "admin",
        "create-user",
        "--username",
        "x.y",
        "--display-name",
        "李四",
        "--role",
        "admin",
        "--authority",
        "火星镇",
    ]);
    assert_eq!(nowhere.status.code(), Some(1));
}

#[test]
fn notice_parse_json_prints_the_seed_exactly_as_the_contract_writes_it() {
    let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../notice/tests/corpus/seed");
    let out = Command::new(env!("CARGO_BIN_EXE_anjian"))
        .args(["notice", "parse"])
        .arg(seed.with_extension("txt"))
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let expected = std::fs::read(seed.with_extension("expected.json")).unwrap();
    // Byte for byte: key order, two-space indent, Chinese as written (no \u escapes), one closing newline.
    assert!(out.stdout == expected, "printed:\n{}\nexpected:\n{}", stdout(&out), String::from_utf8_lossy(&expected));
}
