//! Telling people: every notification lands in the app, and — when the installation has SMTP and the
//! person gave an address — goes out by email from the jobs table, retried until the mail server takes it.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;
use store::campaigns::NotificationRow;
use uuid::Uuid;

use crate::{App, Config, Error, Result};

/// Writes the notification, and queues its email in the same transaction when SMTP is configured.
pub async fn notify(config: &Config, tx: &mut store::Tx, n: &NotificationRow) -> Result<()> {
    store::campaigns::notify(tx, n).await?;
    if !config.smtp_url.trim().is_empty() {
        let key = format!("email:{}", n.id);
        store::jobs::enqueue(tx, "email", &key, &json!({ "notification": n.id }), n.created_at, n.created_at).await?;
    }
    Ok(())
}

/// Sends one notification by email, if its person gave an address. An error leaves the job to retry.
pub async fn send_email(app: &App, notification: Uuid) -> Result<()> {
    let Some(n) = store::campaigns::notification(&app.db, notification).await? else { return Ok(()) };
    let Some(to) = store::users::email_of(&app.db, n.user_id).await? else { return Ok(()) };
    let from: Mailbox = app.config.smtp_from.parse().map_err(|e| Error::Internal(format!("smtp_from: {e}")))?;
    let to: Mailbox = to.parse().map_err(|e| Error::Internal(format!("address of {}: {e}", n.user_id)))?;
    let link = format!("{}{}", app.config.public_url.trim_end_matches('/'), n.link);
    let message = Message::builder()
        .from(from)
        .to(to)
        .subject(format!("【安监】{}", n.title))
        .header(ContentType::TEXT_PLAIN)
        .body(format!("{}\n\n{link}\n\n——安监（请勿直接回复本邮件）", n.body))
        .map_err(|e| Error::Internal(format!("email: {e}")))?;
    let url = app.config.smtp_url.trim();
    match url.strip_prefix("file://") {
        // Development and tests: each message becomes a file in that directory.
        Some(dir) => {
            AsyncFileTransport::<Tokio1Executor>::new(dir)
                .send(message)
                .await
                .map_err(|e| Error::Unavailable(format!("writing the email: {e}")))?;
        }
        None => {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| Error::Internal(format!("smtp_url: {e}")))?
                .build();
            transport.send(message).await.map_err(|e| Error::Unavailable(format!("sending the email: {e}")))?;
        }
    }
    Ok(())
}
