"""Refusals of the operator's commands: the PKI, partners' signing keys,
bureau officers and the audit log's checkpoints."""

from __future__ import annotations

from hub.errors import ErrorKind
from hub.refusals.reason import Reason, Section

_PKI = "`carbon-hub pki`"
_ISSUE = "`carbon-hub pki issue`"
_REVOKE = "`carbon-hub pki revoke`"
_KEYS = "`carbon-hub keys`"
_OFFICER = "`carbon-hub bureau add-officer`"
_AUDIT = "`carbon-hub audit checkpoint`, the periodic checkpointer"
_COMMANDS = "`carbon-hub` commands"
_REGISTERS = "`carbon-hub registers import`"

SECTION = Section(
    title="Operator commands",
    intro="Refusals of `carbon-hub` commands run by the hub's operator or the bureau; "
    "the command prints the code and exits non-zero.",
    reasons=(
        Reason(
            "CONFIG_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _COMMANDS,
            "The config file does not exist, cannot be read, or is not valid TOML.",
            "配置文件不存在、无法读取，或不是有效的 TOML。",
            "設定檔不存在、無法讀取，或不是有效的 TOML。",
        ),
        Reason(
            "SETTING_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _COMMANDS,
            "A setting has a value of the wrong type or range, or is no setting at all.",
            "某项设置的值类型或范围不正确，或该设置项不存在。",
            "某項設定的值類型或範圍不正確，或該設定項不存在。",
        ),
        Reason(
            "REGISTER_FILE_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _REGISTERS,
            "The register list is not UTF-8 CSV or JSON with the documented columns, a row is "
            "wrong (its line, column and reason are named), or it has no entries; nothing is "
            "loaded.",
            "登记簿名单不是含规定列的 UTF-8 CSV 或 JSON，某行有误（列明行、列与原因），"
            "或名单为空；未导入任何内容。",
            "登記簿名單不是含規定欄的 UTF-8 CSV 或 JSON，某行有誤（列明行、欄與原因），"
            "或名單為空；未匯入任何內容。",
        ),
        Reason(
            "REGISTER_FILE_UNREADABLE",
            ErrorKind.INVALID_ARGUMENT,
            _REGISTERS,
            "The register list file does not exist or cannot be read.",
            "登记簿名单文件不存在或无法读取。",
            "登記簿名單檔案不存在或無法讀取。",
        ),
        Reason(
            "SANDBOX_LEDGER_NOT_APART",
            ErrorKind.INVALID_ARGUMENT,
            "`carbon-hub serve --sandbox`",
            "The sandbox's --database-url is the real hub's ledger; a sandbox keeps a "
            "database of its own.",
            "沙盒的 --database-url 指向正式平台的账本；沙盒须使用自己的数据库。",
            "沙盒的 --database-url 指向正式平台的帳本；沙盒須使用自己的資料庫。",
        ),
        Reason(
            "SANDBOX_OPTION_WITHOUT_SANDBOX",
            ErrorKind.INVALID_ARGUMENT,
            "`carbon-hub serve`",
            "--sandbox-partner-key was given without --sandbox; the hub does not start.",
            "给出了 --sandbox-partner-key 却未给 --sandbox；本平台不启动。",
            "給出了 --sandbox-partner-key 卻未給 --sandbox；本平台不啟動。",
        ),
        Reason(
            "DATA_DIR_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _COMMANDS,
            "The hub cannot keep its data in the given folder (it is a file, or cannot "
            "be created or written).",
            "枢纽无法在指定目录中保存数据（该路径是文件，或无法创建或写入）。",
            "樞紐無法在指定資料夾中儲存數據（該路徑是檔案，或無法建立或寫入）。",
        ),
        Reason(
            "DATABASE_UNSUPPORTED",
            ErrorKind.INVALID_ARGUMENT,
            _COMMANDS,
            "The database URL names a database the hub does not support: give a "
            "PostgreSQL URL, or --data-dir for the embedded SQLite database.",
            "数据库 URL 所指的数据库不受枢纽支持：请提供 PostgreSQL URL，"
            "或以 --data-dir 使用内置的 SQLite 数据库。",
            "數據庫 URL 所指的數據庫不受樞紐支援：請提供 PostgreSQL URL，"
            "或以 --data-dir 使用內置的 SQLite 數據庫。",
        ),
        Reason(
            "LEDGER_NOT_FOUND",
            ErrorKind.NOT_FOUND,
            "`carbon-hub` commands on an existing ledger",
            "No hub database is there; run `carbon-hub serve` or `carbon-hub demo` there "
            "first, or pass --database-url. None is created where a mistyped path points.",
            "该处没有枢纽数据库；请先在该处运行 `carbon-hub serve` 或 `carbon-hub demo`，"
            "或传入 --database-url。路径输错时不会自动新建数据库。",
            "該處沒有樞紐數據庫；請先在該處執行 `carbon-hub serve` 或 `carbon-hub demo`，"
            "或傳入 --database-url。路徑輸錯時不會自動新建數據庫。",
        ),
        Reason(
            "PKI_NOT_INITIALISED",
            ErrorKind.NOT_FOUND,
            _PKI + ", `carbon-hub serve`",
            "The PKI folder holds no certificate authority or lacks a file the hub "
            "needs; run `carbon-hub pki init` first.",
            "PKI 目录中没有证书颁发机构或缺少枢纽所需的文件；请先运行 `carbon-hub pki init`。",
            "PKI 資料夾中沒有證書頒發機構或缺少樞紐所需的檔案；請先執行 `carbon-hub pki init`。",
        ),
        Reason(
            "PKI_ALREADY_INITIALISED",
            ErrorKind.INVALID_ARGUMENT,
            "`carbon-hub pki init`",
            "The folder already holds a certificate authority; --force replaces it, and "
            "every certificate it issued stops working.",
            "该目录已有证书颁发机构；使用 --force 将替换之，其签发的所有证书随即失效。",
            "該資料夾已有證書頒發機構；使用 --force 將取代之，其簽發的所有證書隨即失效。",
        ),
        Reason(
            "PKI_INCONSISTENT",
            ErrorKind.INVALID_ARGUMENT,
            _PKI,
            "The CA's private key does not belong to the CA certificate beside it.",
            "CA 私钥与同目录中的 CA 证书不匹配。",
            "CA 私鑰與同一資料夾中的 CA 證書不相符。",
        ),
        Reason(
            "CRL_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _PKI + ", `carbon-hub serve`",
            "The certificate revocation list cannot be read, or was not issued and "
            "signed by the hub's CA.",
            "证书吊销列表无法读取，或并非由枢纽 CA 签发和签名。",
            "證書撤銷清單無法讀取，或並非由樞紐 CA 簽發和簽署。",
        ),
        Reason(
            "HOST_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            "`carbon-hub pki init`",
            "A host name is neither an IP address nor a DNS name (give the A-label of an "
            "internationalised name).",
            "主机名既不是 IP 地址也不是 DNS 名称（国际化域名请使用 A-label 形式）。",
            "主機名稱既不是 IP 位址也不是 DNS 名稱（國際化域名請使用 A-label 形式）。",
        ),
        Reason(
            "ROLE_NOT_ISSUABLE",
            ErrorKind.INVALID_ARGUMENT,
            _ISSUE,
            "Client certificates are issued for partners, the exchange and bureau officers only.",
            "客户端证书仅签发给合作方、交易所和主管部门人员。",
            "客戶端證書僅簽發給合作方、交易所和主管部門人員。",
        ),
        Reason(
            "PARTNER_CODE_REQUIRED",
            ErrorKind.INVALID_ARGUMENT,
            _ISSUE,
            "A partner certificate names its partner region.",
            "合作方证书须载明其合作方区域。",
            "合作方證書須載明其合作方區域。",
        ),
        Reason(
            "PARTNER_CODE_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _ISSUE,
            "The partner code is not of the form two capital letters, a dash and one to "
            "three capital letters or digits (e.g. CN-GD).",
            "合作方代码格式不符：应为两个大写字母、一个连字符，再加一至三个大写字母或数字"
            "（如 CN-GD）。",
            "合作方代碼格式不符：應為兩個大寫字母、一個連字號，再加一至三個大寫字母或數字"
            "（如 CN-GD）。",
        ),
        Reason(
            "PARTNER_NOT_EXPECTED",
            ErrorKind.INVALID_ARGUMENT,
            _ISSUE,
            "An exchange or bureau certificate acts for no partner region; give none.",
            "交易所或主管部门证书不代表任何合作方区域，不应填写。",
            "交易所或主管部門證書不代表任何合作方區域，不應填寫。",
        ),
        Reason(
            "CERTIFICATE_NAME_REQUIRED",
            ErrorKind.INVALID_ARGUMENT,
            _ISSUE,
            "A bureau certificate names its officer.",
            "主管部门证书须载明其人员名称。",
            "主管部門證書須載明其人員名稱。",
        ),
        Reason(
            "CERTIFICATE_NAME_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _ISSUE,
            "The certificate name may hold letters, digits, '.', '_' and '-', starting "
            "with a letter or digit.",
            "证书名称只能包含字母、数字、'.'、'_' 和 '-'，并须以字母或数字开头。",
            "證書名稱只能包含字母、數字、'.'、'_' 和 '-'，並須以字母或數字開頭。",
        ),
        Reason(
            "CERTIFICATE_VALIDITY_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _PKI,
            "The validity is empty or not time-zoned: at least one day, with not_after "
            "after not_before.",
            "有效期无效或未带时区：至少一天，且 not_after 须晚于 not_before。",
            "有效期無效或未帶時區：至少一天，且 not_after 須晚於 not_before。",
        ),
        Reason(
            "CERTIFICATE_OUTLIVES_CA",
            ErrorKind.INVALID_ARGUMENT,
            _ISSUE,
            "The certificate would stay valid after the CA itself expires.",
            "该证书的有效期将超过 CA 本身的到期时间。",
            "該證書的有效期將超過 CA 本身的到期時間。",
        ),
        Reason(
            "CERTIFICATE_UNKNOWN",
            ErrorKind.NOT_FOUND,
            _REVOKE,
            "The CA issued no certificate with this serial or name.",
            "CA 未签发过此序列号或名称的证书。",
            "CA 未簽發過此序號或名稱的證書。",
        ),
        Reason(
            "CERTIFICATE_AMBIGUOUS",
            ErrorKind.INVALID_ARGUMENT,
            _REVOKE,
            "The name matches several live certificates; revoke one by its serial.",
            "该名称对应多张有效证书；请按序列号逐一吊销。",
            "該名稱對應多張有效證書；請按序號逐一撤銷。",
        ),
        Reason(
            "CERTIFICATE_ALREADY_REVOKED",
            ErrorKind.INVALID_ARGUMENT,
            _REVOKE,
            "The certificate is revoked already.",
            "该证书已被吊销。",
            "該證書已被撤銷。",
        ),
        Reason(
            "CERTIFICATE_NOT_A_CLIENT",
            ErrorKind.INVALID_ARGUMENT,
            _REVOKE,
            "The hub's own server certificate is not revoked; replace it with "
            "`pki init --force` instead.",
            "枢纽自身的服务器证书不能吊销；请改用 `pki init --force` 替换。",
            "樞紐自身的伺服器證書不能撤銷；請改用 `pki init --force` 取代。",
        ),
        Reason(
            "REVOCATION_REASON_REQUIRED",
            ErrorKind.INVALID_ARGUMENT,
            _REVOKE,
            "Revoking a certificate needs a reason.",
            "吊销证书须说明理由。",
            "撤銷證書須說明理由。",
        ),
        Reason(
            "KEY_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _KEYS,
            "The public key is not a valid raw 32-byte Ed25519 public key.",
            "公钥不是有效的 32 字节原始 Ed25519 公钥。",
            "公鑰不是有效的 32 位元組原始 Ed25519 公鑰。",
        ),
        Reason(
            "AGREEMENT_UNKNOWN",
            ErrorKind.NOT_FOUND,
            "`carbon-hub keys register`",
            "The partner has no agreement in the standard; file the agreement first.",
            "该合作方在标准中没有互认协议；请先登记协议。",
            "該合作方在標準中沒有互認協議；請先登記協議。",
        ),
        Reason(
            "KEY_REGISTERED_FOR_ANOTHER_PARTNER",
            ErrorKind.FAILED_PRECONDITION,
            "`carbon-hub keys register`",
            "The key is registered for another partner already.",
            "该密钥已登记于其他合作方名下。",
            "該密鑰已登記於其他合作方名下。",
        ),
        Reason(
            "KEY_VALIDITY_EMPTY",
            ErrorKind.INVALID_ARGUMENT,
            _KEYS,
            "valid_until must be after valid_from.",
            "valid_until 须晚于 valid_from。",
            "valid_until 須晚於 valid_from。",
        ),
        Reason(
            "KEY_UNKNOWN",
            ErrorKind.NOT_FOUND,
            _KEYS,
            "No signing key with this key id is registered.",
            "未登记此密钥编号的签名密钥。",
            "未登記此密鑰編號的簽名密鑰。",
        ),
        Reason(
            "KEY_REVOKED",
            ErrorKind.FAILED_PRECONDITION,
            _KEYS,
            "The key is revoked: it can be neither retired nor revoked again.",
            "该密钥已吊销，不能再停用或再次吊销。",
            "該密鑰已撤銷，不能再停用或再次撤銷。",
        ),
        Reason(
            "OFFICER_EXISTS",
            ErrorKind.FAILED_PRECONDITION,
            _OFFICER,
            "An officer with this username exists already.",
            "该用户名的人员已存在。",
            "該用戶名稱的人員已存在。",
        ),
        Reason(
            "USERNAME_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            _OFFICER,
            "A username is 1 to 64 of a-z 0-9 . _ -, starting with a letter or digit.",
            "用户名为 1 至 64 个 a-z、0-9、.、_、- 字符，并须以字母或数字开头。",
            "用戶名稱為 1 至 64 個 a-z、0-9、.、_、- 字元，並須以字母或數字開頭。",
        ),
        Reason(
            "PASSWORD_TOO_SHORT",
            ErrorKind.INVALID_ARGUMENT,
            _OFFICER,
            "The password is shorter than the minimum length.",
            "密码长度不足最低要求。",
            "密碼長度不足最低要求。",
        ),
        Reason(
            "AUDIT_SIGNING_KEY_MISSING",
            ErrorKind.FAILED_PRECONDITION,
            _AUDIT,
            "The hub has no signing key to sign audit checkpoints with.",
            "枢纽没有用于签署审计检查点的签名密钥。",
            "樞紐沒有用於簽署審計檢查點的簽名密鑰。",
        ),
        Reason(
            "AUDIT_CHECKPOINT_FORGED",
            ErrorKind.FAILED_PRECONDITION,
            _AUDIT,
            "The last audit checkpoint does not carry a valid hub signature; no new one "
            "is signed over it.",
            "最近一个审计检查点没有有效的枢纽签名；不会在其之上签署新的检查点。",
            "最近一個審計檢查點沒有有效的樞紐簽名；不會在其之上簽署新的檢查點。",
        ),
        Reason(
            "AUDIT_CHECKPOINT_NONE",
            ErrorKind.NOT_FOUND,
            "HTTP /api/audit/, `carbon-hub audit export-checkpoint`",
            "The hub has not signed an audit checkpoint yet.",
            "枢纽尚未签署任何审计检查点。",
            "樞紐尚未簽署任何審計檢查點。",
        ),
        Reason(
            "AUDIT_CHECKPOINT_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            "`carbon-hub audit verify --against`",
            "The checkpoint file is not UTF-8 JSON, or not a checkpoint as the hub publishes it.",
            "检查点文件不是 UTF-8 JSON，或不是枢纽所发布的检查点格式。",
            "檢查點檔案不是 UTF-8 JSON，或不是樞紐所發布的檢查點格式。",
        ),
        Reason(
            "AUDIT_CHECKPOINT_KEY_UNKNOWN",
            ErrorKind.INVALID_ARGUMENT,
            "`carbon-hub audit verify --against`",
            "A checkpoint held outside the hub is signed with a key that is not one of "
            "this hub's signing keys.",
            "外部保存的检查点所用签名密钥并非本枢纽的签名密钥。",
            "外部保存的檢查點所用簽名密鑰並非本樞紐的簽名密鑰。",
        ),
        Reason(
            "AUDIT_CHECKPOINT_SIGNATURE_INVALID",
            ErrorKind.INVALID_ARGUMENT,
            "`carbon-hub audit verify --against`",
            "A checkpoint held outside the hub does not carry a valid signature of its "
            "key: it was altered or forged.",
            "外部保存的检查点没有其密钥的有效签名：已被改动或伪造。",
            "外部保存的檢查點沒有其密鑰的有效簽名：已被改動或偽造。",
        ),
        Reason(
            "AUDIT_CHAIN_BROKEN",
            ErrorKind.FAILED_PRECONDITION,
            _AUDIT,
            "The audit log's hash chain does not verify; nothing is signed until an "
            "operator has looked.",
            "审计日志的哈希链校验失败；在运维人员核查前不会签署任何检查点。",
            "審計日誌的雜湊鏈校驗失敗；在營運人員核查前不會簽署任何檢查點。",
        ),
    ),
)
