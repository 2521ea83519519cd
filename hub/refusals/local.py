"""Refusals a client or a command gives on its own machine, before or
instead of talking to the hub: TLS files that cannot work, a handshake the
other side refused, a port already taken, a checkpoint file that cannot be
read. They never cross the wire; the command prints ``CODE: message`` and
exits non-zero (the exit codes are in README.md and adapters/README.md)."""

from __future__ import annotations

from hub.refusals.reason import Reason, Section

_CLIENTS = "the adapters, `carbon-hub exchange-client`"
_CLIENTS_AND_SERVE = f"{_CLIENTS}, `carbon-hub serve` (its own files)"

SECTION = Section(
    title="Local refusals of clients and commands",
    intro="Given on the caller's own machine, never sent by the hub: no gRPC or HTTP "
    "status; the command prints the code and exits non-zero.",
    reasons=(
        Reason(
            "AUDIT_CHECKPOINT_FILE_UNREADABLE",
            None,
            "`carbon-hub audit verify --against`",
            "The checkpoint file cannot be read (missing, a folder, or no permission).",
            "无法读取检查点文件（文件不存在、是目录或没有权限）。",
            "無法讀取檢查點檔案（檔案不存在、是資料夾或沒有權限）。",
            local=True,
        ),
        Reason(
            "KEY_FILE_INVALID",
            None,
            "commands and clients reading a key file (carbonhub_contract.key_files)",
            "The key file is not a readable PEM key, or holds a key that is not Ed25519.",
            "密钥文件不是可读取的 PEM 密钥，或其中的密钥不是 Ed25519。",
            "密鑰檔案不是可讀取的 PEM 密鑰，或其中的密鑰不是 Ed25519。",
            local=True,
        ),
        Reason(
            "OFFLINE_CHECK_UNAVAILABLE",
            None,
            "`carbon-hub-adapter NAME --check`",
            "The partner kit is installed without the hub's distribution, which carries the "
            "Shenzhen standard an offline check assesses against: install it beside the kit, or "
            "send the delivery to the bureau's sandbox hub.",
            "合作方工具包未与枢纽发行包一同安装，离线检查所依据的深圳标准随枢纽发行包提供："
            "请一并安装，或将交付发送至生态环境局的沙盒枢纽。",
            "合作方工具包未與樞紐發行包一同安裝，離線檢查所依據的深圳標準隨樞紐發行包提供："
            "請一併安裝，或將交付發送至生態環境局的沙盒樞紐。",
            local=True,
        ),
        Reason(
            "PORT_IN_USE",
            None,
            "`carbon-hub serve`",
            "Another process already listens on the gRPC port; the hub does not start.",
            "另一进程已在该 gRPC 端口监听；本平台不启动。",
            "另一程序已在該 gRPC 連接埠監聽；本平台不啟動。",
            local=True,
        ),
        Reason(
            "TLS_CERT_INVALID",
            None,
            _CLIENTS_AND_SERVE,
            "A file is not a PEM certificate, or the certificate was not issued by the given CA.",
            "文件不是 PEM 格式的证书，或该证书并非由所给 CA 签发。",
            "檔案不是 PEM 格式的憑證，或該憑證並非由所給 CA 簽發。",
            local=True,
        ),
        Reason(
            "TLS_FILE_UNREADABLE",
            None,
            _CLIENTS_AND_SERVE,
            "A TLS file (CA, certificate or key) cannot be read.",
            "TLS 文件（CA、证书或私钥）无法读取。",
            "TLS 檔案（CA、憑證或私鑰）無法讀取。",
            local=True,
        ),
        Reason(
            "TLS_HANDSHAKE_FAILED",
            None,
            _CLIENTS,
            "The TLS handshake failed: the hub's certificate is not trusted under the "
            "given CA, or the hub refused the client certificate (revoked, expired or "
            "of another CA).",
            "TLS 握手失败：在所给 CA 下不信任本平台的证书，或本平台拒绝了客户端证书"
            "（已吊销、已过期或由其他 CA 签发）。",
            "TLS 交握失敗：在所給 CA 下不信任本平台的憑證，或本平台拒絕了用戶端憑證"
            "（已撤銷、已過期或由其他 CA 簽發）。",
            local=True,
        ),
        Reason(
            "TLS_KEY_INVALID",
            None,
            _CLIENTS_AND_SERVE,
            "The key file is not an unencrypted PEM private key.",
            "私钥文件不是未加密的 PEM 私钥。",
            "私鑰檔案不是未加密的 PEM 私鑰。",
            local=True,
        ),
        Reason(
            "TLS_KEY_MISMATCH",
            None,
            _CLIENTS_AND_SERVE,
            "The private key is not the key of the certificate.",
            "私钥与证书不匹配。",
            "私鑰與憑證不相符。",
            local=True,
        ),
    ),
)
