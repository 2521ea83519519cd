"""Refusals about carbon-neutrality claims and certificates (碳中和证明):
retirements that name a claim (ExchangeService.ReportRetirement), the
certificate pages and API, and `carbon-hub certificate verify`."""

from __future__ import annotations

from hub.errors import ErrorKind
from hub.refusals.reason import Reason, Section

_RETIRE = "ExchangeService.ReportRetirement (claim)"
_WEB = "HTTP /certificates, /api/v1/certificates"
_VERIFY = "`carbon-hub certificate verify`"

SECTION = Section(
    title="Carbon-neutrality claims and certificates",
    intro="A retirement's claim is refused whole: nothing of the retirement is recorded. "
    "`carbon-hub certificate verify` prints `CODE: message` and exits 1 for a certificate "
    "that does not hold, 2 for a file or key it cannot read (docs/certificates.md).",
    reasons=(
        Reason(
            "CLAIM_MALFORMED",
            ErrorKind.INVALID_ARGUMENT,
            _RETIRE,
            "A field of the claim has the wrong shape: an unknown claimant kind, a period "
            "date that is not YYYY-MM-DD, a footprint that is not a decimal number.",
            "声明字段格式错误：声明方类型未知、期间日期不是 YYYY-MM-DD、碳足迹不是十进制数。",
            "聲明欄位格式錯誤：聲明方類型未知、期間日期不是 YYYY-MM-DD、碳足跡不是十進制數。",
        ),
        Reason(
            "CLAIM_PURPOSE_MISMATCH",
            ErrorKind.INVALID_ARGUMENT,
            _RETIRE,
            "A claim goes with a carbon-neutral event or voluntary offsetting, not with an "
            "ETS offset.",
            "碳中和声明只能用于碳中和活动或自愿抵销，不能用于履约抵销。",
            "碳中和聲明只能用於碳中和活動或自願抵銷，不能用於履約抵銷。",
        ),
        Reason(
            "CLAIM_PERIOD_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _RETIRE,
            "The claim's period ends before it starts.",
            "声明期间的结束日期早于开始日期。",
            "聲明期間的結束日期早於開始日期。",
        ),
        Reason(
            "CLAIM_FOOTPRINT_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _RETIRE,
            "The footprint claimed is not a positive number of tCO2e.",
            "声明的碳足迹不是正的 tCO2e 数值。",
            "聲明的碳足跡不是正的 tCO2e 數值。",
        ),
        Reason(
            "CLAIM_UNITS_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _RETIRE,
            "The claim announces no unit to retire (total_units 0).",
            "声明未申报任何注销单位（total_units 为 0）。",
            "聲明未申報任何註銷單位（total_units 為 0）。",
        ),
        Reason(
            "CLAIM_UNITS_BELOW_FOOTPRINT",
            ErrorKind.INVALID_ARGUMENT,
            _RETIRE,
            "A carbon-neutral event must offset its whole footprint: the claim's units are "
            "fewer than the tonnes of its footprint.",
            "碳中和活动须抵销全部碳足迹：声明的单位数少于碳足迹吨数。",
            "碳中和活動須抵銷全部碳足跡：聲明的單位數少於碳足跡噸數。",
        ),
        Reason(
            "CLAIM_CONTENT_DIFFERS",
            ErrorKind.FAILED_PRECONDITION,
            _RETIRE,
            "An earlier retirement named this claim id with another claimant, event, period, "
            "footprint, total or purpose.",
            "此前的注销以同一声明编号申报了不同的声明方、活动、期间、碳足迹、总量或用途。",
            "此前的註銷以同一聲明編號申報了不同的聲明方、活動、期間、碳足跡、總量或用途。",
        ),
        Reason(
            "CLAIM_UNITS_EXCEEDED",
            ErrorKind.FAILED_PRECONDITION,
            _RETIRE,
            "The claim's retirements would retire more units than it announced (its "
            "certificate is issued, or this retirement is too large).",
            "该声明的注销将超过其申报的单位数（证明已签发，或本次注销过大）。",
            "該聲明的註銷將超過其申報的單位數（證明已簽發，或本次註銷過大）。",
        ),
        Reason(
            "CERTIFICATE_NOT_FOUND",
            ErrorKind.NOT_FOUND,
            _WEB,
            "The hub issued no certificate with this id.",
            "本平台未签发此编号的证明。",
            "本平台未簽發此編號的證明。",
        ),
        Reason(
            "CERTIFICATE_FILE_UNREADABLE",
            None,
            _VERIFY,
            "The certificate file or the hub key file cannot be read, or is not what it "
            "should be (a downloaded certificate JSON, a hub public key).",
            "无法读取证明文件或枢纽公钥文件，或其内容不是应有的格式。",
            "無法讀取證明檔案或樞紐公鑰檔案，或其內容不是應有的格式。",
            local=True,
        ),
        Reason(
            "CERTIFICATE_SIGNATURE_INVALID",
            None,
            _VERIFY,
            "The signature does not verify with the hub key given, or names another key: the "
            "file was changed after the hub signed it, or another hub signed it.",
            "签名无法用所给枢纽公钥验证，或指向其他密钥：文件在签发后被改动，或由其他枢纽签发。",
            "簽名無法以所給樞紐公鑰驗證，或指向其他密鑰：檔案於簽發後被改動，或由其他樞紐簽發。",
            local=True,
        ),
        Reason(
            "CERTIFICATE_CONTENT_INVALID",
            None,
            _VERIFY,
            "The signed statement does not hold together: a serial that does not name the "
            "origin, vintage or units listed, tonnes that are not the sum, overlapping serials.",
            "签名内容自相矛盾：序列号与所列来源、年份或单位数不符，吨数不等于合计，或序列号重叠。",
            "簽名內容自相矛盾：序號與所列來源、年份或單位數不符，噸數不等於合計，或序號重疊。",
            local=True,
        ),
    ),
)
