//! A unit's answer to a task: the task's state machine, what a submission and a review decision
//! must hold, and the status a board shows for a task on a given day.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::FieldError;
use crate::text::{char_len, clean_multiline};

/// Where a task stands. Late is not a state: it is derived from the due date (see [`BoardStatus`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// Nothing handed in yet (or the last version was withdrawn).
    Pending,
    /// A version waits for a reviewer.
    Submitted,
    /// A reviewer has taken the version up; it can no longer be withdrawn.
    InReview,
    /// The reviewer sent it back with a comment; the unit submits again.
    Returned,
    /// Done.
    Accepted,
}

/// What happens to a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskEvent {
    Submit,
    /// The unit takes its latest version back; the task returns to where it was before it.
    Withdraw {
        was_returned: bool,
    },
    TakeUp,
    Accept,
    Return,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 5] =
        [TaskStatus::Pending, TaskStatus::Submitted, TaskStatus::InReview, TaskStatus::Returned, TaskStatus::Accepted];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::Pending => "pending",
            TaskStatus::Submitted => "submitted",
            TaskStatus::InReview => "in_review",
            TaskStatus::Returned => "returned",
            TaskStatus::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<TaskStatus> {
        TaskStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The next status, or the stable code of the refusal.
    pub fn transition(self, event: TaskEvent) -> Result<TaskStatus, &'static str> {
        use TaskEvent as E;
        use TaskStatus as S;
        match (self, event) {
            (S::Pending | S::Returned, E::Submit) => Ok(S::Submitted),
            (S::Submitted | S::InReview, E::Submit) => Err("task_awaiting_review"),
            (S::Accepted, E::Submit) => Err("task_accepted"),
            (S::Submitted, E::Withdraw { was_returned }) => Ok(if was_returned { S::Returned } else { S::Pending }),
            (S::InReview, E::Withdraw { .. }) => Err("task_in_review"),
            (S::Submitted, E::TakeUp) => Ok(S::InReview),
            (S::Submitted | S::InReview, E::Accept) => Ok(S::Accepted),
            (S::Submitted | S::InReview, E::Return) => Ok(S::Returned),
            (S::InReview, E::TakeUp) => Err("task_in_review"),
            (S::Accepted, _) => Err("task_accepted"),
            (S::Pending | S::Returned, _) => Err("task_not_submitted"),
        }
    }

    /// The unit may hand in a (new) version.
    pub fn awaits_submission(self) -> bool {
        matches!(self, TaskStatus::Pending | TaskStatus::Returned)
    }

    /// A reviewer may decide on it.
    pub fn awaits_review(self) -> bool {
        matches!(self, TaskStatus::Submitted | TaskStatus::InReview)
    }
}

/// What a board cell shows: the status with lateness folded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum BoardStatus {
    /// Nothing yet, and the due date has not passed.
    NotYet,
    /// Nothing accepted, nothing waiting, and the due date has passed.
    Late,
    Returned,
    /// Waiting for (or under) review.
    Submitted,
    Accepted,
}

impl BoardStatus {
    pub const ALL: [BoardStatus; 5] =
        [BoardStatus::NotYet, BoardStatus::Late, BoardStatus::Returned, BoardStatus::Submitted, BoardStatus::Accepted];

    pub fn of(status: TaskStatus, due_on: NaiveDate, today: NaiveDate) -> BoardStatus {
        match status {
            TaskStatus::Accepted => BoardStatus::Accepted,
            TaskStatus::Submitted | TaskStatus::InReview => BoardStatus::Submitted,
            TaskStatus::Pending | TaskStatus::Returned if today > due_on => BoardStatus::Late,
            TaskStatus::Returned => BoardStatus::Returned,
            TaskStatus::Pending => BoardStatus::NotYet,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            BoardStatus::NotYet => "not_yet",
            BoardStatus::Late => "late",
            BoardStatus::Returned => "returned",
            BoardStatus::Submitted => "submitted",
            BoardStatus::Accepted => "accepted",
        }
    }

    pub fn parse(s: &str) -> Option<BoardStatus> {
        BoardStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BoardStatus::NotYet => "未报送",
            BoardStatus::Late => "逾期未报",
            BoardStatus::Returned => "已退回",
            BoardStatus::Submitted => "待审核",
            BoardStatus::Accepted => "已通过",
        }
    }
}

/// The longest text a submission may carry.
pub const MAX_SUBMISSION_CHARS: usize = 20_000;
/// The most files one submission may carry.
pub const MAX_SUBMISSION_FILES: usize = 50;

/// A submission's text, cleaned, once it is known to say something (text or at least one file).
pub fn parse_submission_text(text: &str, files: usize) -> Result<String, Vec<FieldError>> {
    let text = clean_multiline(text);
    let mut errors = Vec::new();
    if char_len(&text) > MAX_SUBMISSION_CHARS {
        errors.push(FieldError::new("body", "too_long", format!("说明文字不能超过 {MAX_SUBMISSION_CHARS} 字")));
    }
    if text.is_empty() && files == 0 {
        errors.push(FieldError::new("body", "required", "请填写说明文字或上传至少一个文件"));
    }
    if files > MAX_SUBMISSION_FILES {
        errors.push(FieldError::new("files", "too_many", format!("一次最多上传 {MAX_SUBMISSION_FILES} 个文件")));
    }
    if errors.is_empty() { Ok(text) } else { Err(errors) }
}

/// Accept or send back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accept,
    Return,
}

/// A reviewer's decision as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReviewInput {
    /// `accept` or `return`.
    #[serde(default)]
    pub verdict: String,
    #[serde(default)]
    pub comment: String,
    /// 1–5, or nothing.
    #[serde(default)]
    pub rating: Option<String>,
    #[serde(default)]
    pub exemplary: bool,
}

/// A decision that holds together.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub verdict: Verdict,
    pub comment: String,
    pub rating: Option<i32>,
    pub exemplary: bool,
}

impl ReviewInput {
    pub fn parse(&self) -> Result<Review, Vec<FieldError>> {
        let mut errors = Vec::new();
        let verdict = match self.verdict.trim() {
            "accept" => Some(Verdict::Accept),
            "return" => Some(Verdict::Return),
            _ => {
                errors.push(FieldError::new("verdict", "required", "请选择“通过”或“退回”"));
                None
            }
        };
        let comment = clean_multiline(&self.comment);
        if char_len(&comment) > 2000 {
            errors.push(FieldError::new("comment", "too_long", "审核意见不能超过 2000 字"));
        }
        if verdict == Some(Verdict::Return) && comment.is_empty() {
            errors.push(FieldError::new("comment", "required", "退回时请写明需要修改的地方"));
        }
        let rating = match self.rating.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(r) => match r.parse::<i32>() {
                Ok(n @ 1..=5) => Some(n),
                _ => {
                    errors.push(FieldError::new("rating", "invalid", "评分是 1 到 5 之间的整数"));
                    None
                }
            },
        };
        if verdict == Some(Verdict::Return) && self.exemplary {
            errors.push(FieldError::new("exemplary", "invalid", "退回的材料不能标为优秀"));
        }
        match verdict {
            Some(verdict) if errors.is_empty() => Ok(Review { verdict, comment, rating, exemplary: self.exemplary }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::TaskEvent as E;
    use super::TaskStatus as S;
    use super::*;

    const EVENTS: [E; 6] = [
        E::Submit,
        E::Withdraw { was_returned: false },
        E::Withdraw { was_returned: true },
        E::TakeUp,
        E::Accept,
        E::Return,
    ];

    #[test]
    fn every_move_of_a_task_is_allowed_or_refused_as_the_table_says() {
        let expected = |s: S, e: E| -> Result<S, &'static str> {
            match (s, e) {
                (S::Pending, E::Submit) | (S::Returned, E::Submit) => Ok(S::Submitted),
                (S::Submitted, E::Withdraw { was_returned: false }) => Ok(S::Pending),
                (S::Submitted, E::Withdraw { was_returned: true }) => Ok(S::Returned),
                (S::Submitted, E::TakeUp) => Ok(S::InReview),
                (S::Submitted | S::InReview, E::Accept) => Ok(S::Accepted),
                (S::Submitted | S::InReview, E::Return) => Ok(S::Returned),
                (S::Submitted | S::InReview, E::Submit) => Err("task_awaiting_review"),
                (S::InReview, E::Withdraw { .. } | E::TakeUp) => Err("task_in_review"),
                (S::Accepted, _) => Err("task_accepted"),
                (S::Pending | S::Returned, _) => Err("task_not_submitted"),
            }
        };
        for s in S::ALL {
            for e in EVENTS {
                assert_eq!(s.transition(e), expected(s, e), "{s:?} + {e:?}");
            }
        }
    }

    #[test]
    fn statuses_round_trip_through_their_names() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
        }
        for b in BoardStatus::ALL {
            assert_eq!(BoardStatus::parse(b.as_str()), Some(b));
        }
        assert_eq!(S::parse("done"), None);
    }

    #[test]
    fn a_task_is_late_only_after_its_due_day_and_only_while_nothing_waits() {
        let due = NaiveDate::from_ymd_opt(2021, 5, 31).unwrap_or_default();
        let on_the_day = due;
        let day_after = due.succ_opt().unwrap_or_default();
        assert_eq!(BoardStatus::of(S::Pending, due, on_the_day), BoardStatus::NotYet);
        assert_eq!(BoardStatus::of(S::Pending, due, day_after), BoardStatus::Late);
        assert_eq!(BoardStatus::of(S::Returned, due, on_the_day), BoardStatus::Returned);
        assert_eq!(BoardStatus::of(S::Returned, due, day_after), BoardStatus::Late);
        assert_eq!(BoardStatus::of(S::Submitted, due, day_after), BoardStatus::Submitted);
        assert_eq!(BoardStatus::of(S::InReview, due, day_after), BoardStatus::Submitted);
        assert_eq!(BoardStatus::of(S::Accepted, due, day_after), BoardStatus::Accepted);
    }

    #[test]
    fn a_submission_needs_text_or_a_file() {
        assert_eq!(codes(parse_submission_text("  \n ", 0)), [("body", "required")]);
        assert_eq!(parse_submission_text("", 1), Ok(String::new()));
        assert_eq!(parse_submission_text(" 方案见附件 ", 0), Ok("方案见附件".into()));
        assert_eq!(codes(parse_submission_text("", MAX_SUBMISSION_FILES + 1)), [("files", "too_many")]);
        assert_eq!(codes(parse_submission_text(&"字".repeat(MAX_SUBMISSION_CHARS + 1), 0)), [("body", "too_long")]);
    }

    /// Which fields were refused, and why, in order.
    fn codes<T>(r: Result<T, Vec<FieldError>>) -> Vec<(&'static str, &'static str)> {
        r.err().unwrap_or_default().iter().map(|e| (e.field, e.code)).collect()
    }

    fn review(verdict: &str, comment: &str, rating: Option<&str>, exemplary: bool) -> Result<Review, Vec<FieldError>> {
        ReviewInput { verdict: verdict.into(), comment: comment.into(), rating: rating.map(Into::into), exemplary }
            .parse()
    }

    #[test]
    fn a_return_needs_a_comment_and_cannot_be_exemplary() {
        let e = review("return", " ", None, false).unwrap_err();
        assert_eq!(e[0].field, "comment");
        assert!(review("return", "缺少照片", None, true).is_err());
        assert_eq!(review("return", "缺少照片", Some("2"), false).map(|r| r.rating), Ok(Some(2)));
    }

    #[test]
    fn an_acceptance_may_carry_a_rating_from_one_to_five() {
        assert_eq!(review("accept", "", Some("5"), true).map(|r| (r.rating, r.exemplary)), Ok((Some(5), true)));
        assert_eq!(review("accept", "", Some(""), false).map(|r| r.rating), Ok(None));
        for bad in ["0", "6", "4.5", "五"] {
            assert_eq!(review("accept", "", Some(bad), false).unwrap_err()[0].field, "rating", "{bad}");
        }
        assert_eq!(review("maybe", "", None, false).unwrap_err()[0].field, "verdict");
    }
}
