//! Designation volume thresholds for a 拠点病院 (2014 guideline).

use serde::Serialize;

/// The four annual volumes a 拠点病院 should meet (all of them), or else cover
/// about 20% of the area's resident cancer patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct VolumeThresholds {
    /// 院内がん登録数
    pub registry: u32,
    /// 悪性腫瘍の手術件数
    pub surgery: u32,
    /// がんに係る化学療法のべ患者数
    pub chemotherapy: u32,
    /// 放射線治療のべ患者数
    pub radiotherapy: u32,
    /// The relative criterion: the share (%) of the area's resident cancer patients the hospital
    /// treats (「当該2次医療圏に居住するがん患者の診療の割合」), about 2割.
    pub resident_share_pct: u32,
}

impl VolumeThresholds {
    pub const GUIDELINE_2014: VolumeThresholds =
        VolumeThresholds { registry: 500, surgery: 400, chemotherapy: 1000, radiotherapy: 200, resident_share_pct: 20 };
}
