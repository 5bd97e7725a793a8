//! The ministry's own layouts of two datasets: the designation list (一覧表) of `designations`
//! and the 現況報告 of `hospital_volumes`. They are not datasets of their own (so not in
//! [`super::DATASETS`]); their columns are defined here once, for header mapping, messages and
//! `docs/formats.md`.

use super::{DatasetSpec, Kind, colx};

/// The ministry's designation list (`crate::designation_list`): a layout of `designations`,
/// not a dataset of its own (so not in [`super::DATASETS`]).
pub const DESIGNATION_LIST: DatasetSpec = DatasetSpec {
    name: "designations",
    ja: "がん診療連携拠点病院等一覧表",
    about: "The ministry's list, one section per 類型.",
    open_columns: false,
    personal: false,
    dated: true,
    columns: &[
        colx("no", "No", &["番号", "№"], false, Kind::Text, "read, not stored"),
        colx("prefecture", "都道府県名", &["都道府県"], false, Kind::Prefecture, "empty: the row above's"),
        colx("hospital", "医療機関名", &["病院名", "施設名"], true, Kind::Text, "matched to the hospital master"),
        colx("term", "指定年限", &["指定期間", "指定の有効期間"], false, Kind::Text, "read, not stored"),
    ],
};

/// The ministry's 現況報告 volume table (`crate::status_report`): a layout of `hospital_volumes`,
/// not a dataset of its own. Thresholds written in headers (「(年間)500件以上」) are not part of
/// the names; a cell may hold the previous year's figure in brackets above the current year's.
pub const STATUS_REPORT: DatasetSpec = DatasetSpec {
    name: "hospital_volumes",
    ja: "現況報告（診療実績）",
    about: "The ministry's 現況報告 table, one row per hospital, two years per cell.",
    open_columns: false,
    personal: false,
    dated: false,
    columns: &[
        colx(
            "area_name",
            "医療圏名",
            &["二次医療圏名", "がん医療圏名"],
            true,
            Kind::Text,
            "a tie-break when a name is ambiguous",
        ),
        colx("designation", "類型", &["指定類型"], false, Kind::Text, "kept as written"),
        colx("application", "申請区分", &[], false, Kind::Text, "新規, 更新 or 現況"),
        colx(
            "hospital",
            "病院名",
            &["医療機関名"],
            true,
            Kind::Text,
            "matched to the designations, else the hospital master",
        ),
        colx("cancer_registry", "院内がん登録数", &[], false, Kind::Text, "(previous) current"),
        colx("surgery", "悪性腫瘍の手術件数", &["悪性腫瘍手術件数"], false, Kind::Text, "(previous) current"),
        colx(
            "chemotherapy",
            "がんに係る薬物療法のべ患者数",
            &["がんに係る化学療法のべ患者数", "化学療法のべ患者数"],
            false,
            Kind::Text,
            "(previous) current; 「薬物療法」 is the current name of 化学療法",
        ),
        colx("radiotherapy", "放射線治療のべ患者数", &[], false, Kind::Text, "(previous) current"),
        colx(
            "palliative_referrals",
            "緩和ケアチームに対する新規診療依頼数",
            &[],
            false,
            Kind::Text,
            "(previous) current",
        ),
        colx(
            "resident_share_pct",
            "当該2次医療圏に居住するがん患者の診療の割合",
            &[],
            false,
            Kind::Text,
            "% (previous) current",
        ),
        colx("consultations", "相談支援センター相談件数", &[], false, Kind::Text, "(previous) current"),
    ],
};
