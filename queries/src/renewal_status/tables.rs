//! The two derived tables under construction: `renewal_status` and `renewal_findings`.

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanBuilder, Date32Builder, Int32Builder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::record_batch::RecordBatch;
use model::renewal::{self, Severity, due_round};

use super::checked::{Cert, Checked, date32};
use crate::error::Result;

/// The columns of `renewal_status`.
pub(super) fn status_schema() -> SchemaRef {
    let f = |n: &str, t: DataType, null: bool| Field::new(n, t, null);
    Arc::new(Schema::new(vec![
        f("qualification", DataType::Utf8, false),
        f("renewal_fy", DataType::Int32, false),
        f("certificate_no", DataType::Utf8, false),
        f("member_key", DataType::Utf8, true),
        f("prefecture_code", DataType::Int32, true),
        f("in_roster", DataType::Boolean, false),
        f("due", DataType::Boolean, false),
        f("expires_on", DataType::Date32, true),
        f("last_due_fy", DataType::Int32, true),
        f("applied", DataType::Boolean, false),
        f("ready", DataType::Boolean, true),
        f("status", DataType::Utf8, false),
        f("blockers", DataType::Int32, false),
        f("warnings", DataType::Int32, false),
        f("requirements", DataType::Utf8, true),
        f("first_requirement", DataType::Utf8, true),
        f("messages", DataType::Utf8, true),
        f("measure", DataType::Int64, true),
        f("meetings", DataType::Int64, true),
    ]))
}

/// The columns of `renewal_findings`.
pub(super) fn findings_schema() -> SchemaRef {
    let t = |n: &str| Field::new(n, DataType::Utf8, false);
    Arc::new(Schema::new(vec![
        t("qualification"),
        Field::new("renewal_fy", DataType::Int32, false),
        t("certificate_no"),
        Field::new("seq", DataType::Int32, false),
        t("code"),
        t("requirement"),
        t("severity"),
        t("place"),
        t("message_ja"),
        t("message_en"),
    ]))
}

#[derive(Default)]
pub(super) struct StatusBuilder {
    qualification: StringBuilder,
    round: Int32Builder,
    certificate: StringBuilder,
    member_key: StringBuilder,
    prefecture: Int32Builder,
    in_roster: BooleanBuilder,
    due: BooleanBuilder,
    expires_on: Date32Builder,
    last_due_fy: Int32Builder,
    applied: BooleanBuilder,
    ready: BooleanBuilder,
    status: StringBuilder,
    blockers: Int32Builder,
    warnings: Int32Builder,
    requirements: StringBuilder,
    first_requirement: StringBuilder,
    messages: StringBuilder,
    measure: Int64Builder,
    meetings: Int64Builder,
}

/// Unmet requirements listed per applicant in `renewal_status.messages` (the rest are in
/// `renewal_findings`).
pub const MESSAGES_LISTED: usize = 3;

/// An application with no unmet requirement.
pub const READY: &str = "準備完了";
/// An application with at least one unmet requirement.
pub const NOT_READY: &str = "未充足";
/// Due, and no application loaded.
pub const NOT_APPLIED: &str = "未申請";
/// Every status, in the order the applicant list puts them (what needs work first).
pub const STATUSES: [&str; 3] = [NOT_READY, NOT_APPLIED, READY];

impl StatusBuilder {
    pub(super) fn push(&mut self, k: &(&str, i32, String), cert: Option<&Cert>, due: bool, c: Option<&Checked>) {
        self.qualification.append_value(k.0);
        self.round.append_value(k.1);
        self.certificate.append_value(&k.2);
        self.member_key
            .append_option(cert.and_then(|c| c.member_key.clone()).or_else(|| c.and_then(|c| c.member_key.clone())));
        self.prefecture.append_option(cert.and_then(|c| c.prefecture).and_then(|p| i32::try_from(p).ok()));
        self.in_roster.append_value(cert.is_some());
        self.due.append_value(due);
        self.expires_on.append_option(cert.map(|c| date32(c.expires)));
        self.last_due_fy.append_option(cert.map(|c| due_round(c.expires)));
        self.applied.append_value(c.is_some());
        match c {
            None => {
                self.ready.append_null();
                self.status.append_value(NOT_APPLIED);
                self.blockers.append_value(0);
                self.warnings.append_value(0);
                self.requirements.append_null();
                self.first_requirement.append_null();
                self.messages.append_null();
                self.measure.append_null();
                self.meetings.append_null();
            }
            Some(c) => {
                let a = &c.assessment;
                self.ready.append_value(a.ready());
                self.status.append_value(if a.ready() { READY } else { NOT_READY });
                self.blockers.append_value(a.blockers().count() as i32);
                self.warnings
                    .append_value(a.findings.iter().filter(|f| f.severity == Severity::Warning).count() as i32);
                let mut codes: Vec<&str> = Vec::new();
                for f in a.blockers() {
                    if !codes.contains(&f.code) {
                        codes.push(f.code);
                    }
                }
                self.requirements.append_option((!codes.is_empty()).then(|| codes.join(";")));
                self.first_requirement.append_option(codes.first().and_then(|c| renewal::requirement(c)).map(|r| r.ja));
                let first: Vec<String> = a.blockers().take(MESSAGES_LISTED).map(|f| f.text_ja()).collect();
                self.messages.append_option((!first.is_empty()).then(|| first.join(" / ")));
                self.measure.append_value(c.measure);
                self.meetings.append_option(c.meetings);
            }
        }
    }

    pub(super) fn finish(mut self) -> Result<RecordBatch> {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.qualification.finish()),
            Arc::new(self.round.finish()),
            Arc::new(self.certificate.finish()),
            Arc::new(self.member_key.finish()),
            Arc::new(self.prefecture.finish()),
            Arc::new(self.in_roster.finish()),
            Arc::new(self.due.finish()),
            Arc::new(self.expires_on.finish()),
            Arc::new(self.last_due_fy.finish()),
            Arc::new(self.applied.finish()),
            Arc::new(self.ready.finish()),
            Arc::new(self.status.finish()),
            Arc::new(self.blockers.finish()),
            Arc::new(self.warnings.finish()),
            Arc::new(self.requirements.finish()),
            Arc::new(self.first_requirement.finish()),
            Arc::new(self.messages.finish()),
            Arc::new(self.measure.finish()),
            Arc::new(self.meetings.finish()),
        ];
        Ok(RecordBatch::try_new(status_schema(), cols)?)
    }
}

#[derive(Default)]
pub(super) struct FindingsBuilder {
    qualification: StringBuilder,
    round: Int32Builder,
    certificate: StringBuilder,
    seq: Int32Builder,
    code: StringBuilder,
    requirement: StringBuilder,
    severity: StringBuilder,
    place: StringBuilder,
    ja: StringBuilder,
    en: StringBuilder,
}

impl FindingsBuilder {
    pub(super) fn push(&mut self, k: &(&str, i32, String), i: usize, f: &renewal::Finding) {
        self.qualification.append_value(k.0);
        self.round.append_value(k.1);
        self.certificate.append_value(&k.2);
        self.seq.append_value(i as i32 + 1);
        self.code.append_value(f.code);
        self.requirement.append_value(renewal::requirement(f.code).map_or(f.code, |r| r.ja));
        self.severity.append_value(f.severity.label_ja());
        self.place.append_value(&f.place);
        self.ja.append_value(&f.ja);
        self.en.append_value(&f.en);
    }

    pub(super) fn finish(mut self) -> Result<RecordBatch> {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(self.qualification.finish()),
            Arc::new(self.round.finish()),
            Arc::new(self.certificate.finish()),
            Arc::new(self.seq.finish()),
            Arc::new(self.code.finish()),
            Arc::new(self.requirement.finish()),
            Arc::new(self.severity.finish()),
            Arc::new(self.place.finish()),
            Arc::new(self.ja.finish()),
            Arc::new(self.en.finish()),
        ];
        Ok(RecordBatch::try_new(findings_schema(), cols)?)
    }
}
