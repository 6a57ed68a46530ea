//! Group commit for hazard reports. A report is one small transaction (the case, its first timeline
//! step, perhaps a sealed identity and files, and the audit row), and what limits intake is the commit's
//! fsync and the single writer, not the work. One task writes every report waiting at that moment in
//! one transaction and answers each only after that transaction committed: a report is as durable
//! before its answer as alone, and a hundred of them cost one fsync. If a batch fails, each of its
//! reports is written again alone, so one bad report never takes the others with it.

use serde_json::json;
use store::files::FileRow;
use store::hazards::{CaseRow, SealedIdentity};
use tokio::sync::{mpsc, oneshot};

use crate::auth::{Actor, record_in};
use crate::{Db, Error, Result};

/// Everything one report writes, decided and checked before it is queued.
#[derive(Debug)]
pub struct Prepared {
    pub case: CaseRow,
    pub sealed: Option<SealedIdentity>,
    pub files: Vec<FileRow>,
    /// Who the trail names, and the town's path (the trail it goes to).
    pub actor: Actor,
    pub town_path: String,
    pub note: &'static str,
}

type Job = (Prepared, oneshot::Sender<Result<bool>>);

/// The queue to the writer task.
#[derive(Debug, Clone)]
pub struct Intake {
    queue: mpsc::Sender<Job>,
}

/// Reports written together at most.
const BATCH: usize = 256;

impl Intake {
    /// Starts the writer on the current runtime; it ends when the last `Intake` is dropped.
    pub fn start(db: Db) -> Intake {
        let (queue, rx) = mpsc::channel::<Job>(4 * BATCH);
        tokio::spawn(writer(db, rx));
        Intake { queue }
    }

    /// Writes a report; returns once it is committed (true when a photo waits for the worker).
    pub async fn write(&self, report: Prepared) -> Result<bool> {
        let (done, answer) = oneshot::channel();
        self.queue.send((report, done)).await.map_err(|_| Error::Unavailable("the intake writer stopped".into()))?;
        answer.await.map_err(|_| Error::Unavailable("the intake writer stopped".into()))?
    }
}

async fn writer(db: Db, mut rx: mpsc::Receiver<Job>) {
    let mut batch: Vec<Job> = Vec::with_capacity(BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let reports: Vec<&Prepared> = batch.iter().map(|(r, _)| r).collect();
        let written = write_all(&db, &reports).await;
        drop(reports);
        match written {
            Ok(reads) => {
                for ((_, done), read) in batch.drain(..).zip(reads) {
                    let _ = done.send(Ok(read));
                }
            }
            Err(e) if batch.len() == 1 => {
                if let Some((_, done)) = batch.pop() {
                    let _ = done.send(Err(e));
                }
            }
            Err(e) => {
                tracing::warn!(reports = batch.len(), error = %e, "a batch of reports failed; writing each alone");
                for (report, done) in batch.drain(..) {
                    let one = write_all(&db, &[&report]).await;
                    let _ = done.send(one.map(|r| r.first().copied().unwrap_or(false)));
                }
            }
        }
    }
}

/// Writes the reports in one transaction; for each, whether a photo was queued for reading.
async fn write_all(db: &Db, batch: &[&Prepared]) -> Result<Vec<bool>> {
    let mut tx = db.begin().await?;
    let mut reads = Vec::with_capacity(batch.len());
    for r in batch {
        let case = &r.case;
        store::hazards::insert(&mut tx, case).await?;
        if let Some(sealed) = &r.sealed {
            store::hazards::insert_identity(&mut tx, sealed).await?;
        }
        let mut read = false;
        for (i, f) in r.files.iter().enumerate() {
            read |= crate::files::record_file(&mut tx, &r.actor, f, false).await?;
            store::hazards::attach_file(
                &mut tx,
                case.id,
                f.id,
                "report",
                i32::try_from(i).unwrap_or(0),
                case.created_at,
            )
            .await?;
        }
        crate::reports::event(&mut tx, case, "received", Some(r.note), None, case.created_by, case.created_at).await?;
        record_in(
            &mut tx,
            &r.actor,
            &r.town_path,
            "hazard.report",
            "hazard_case",
            Some(case.id),
            json!({ "channel": case.channel, "category": case.category, "files": r.files.len(),
                    "named": r.sealed.is_some() }),
        )
        .await?;
        reads.push(read);
    }
    tx.commit().await?;
    Ok(reads)
}
