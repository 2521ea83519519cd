# ruff: noqa: E501 - the translations are a table, one check per line
"""The hub's check messages in Traditional Chinese and Portuguese, for partners.

The hub answers every check with its code and its message in Simplified
Chinese and English (carbonhub_contract.vocabulary.checks.CATALOGUE). Hong Kong and Macao read
Traditional Chinese, Macao also Portuguese: this table holds the same
str.format templates in zh-Hant and pt (Macao's spelling, as its
government writes: projecto, direcção), so a partner's report can print
each code's message in the language it asks for. A test keeps every code of
the catalogue translated, with the same placeholders as its English message.
"""

from __future__ import annotations

from collections.abc import Mapping

from carbonhub_contract.vocabulary.checks import CATALOGUE

LANGUAGES: tuple[str, ...] = ("en", "zh-CN", "zh-Hant", "pt")

# code → (zh-Hant, pt)
TRANSLATIONS: Mapping[str, tuple[str, str]] = {
    "FIELD_TOO_LONG": (
        "欄位 {field} 長 {length}（{unit}），上限 {limit}",
        "o campo {field} tem {length} {unit}; no máximo {limit}",
    ),
    "FIELD_CONTROL_CHARACTER": (
        "欄位 {field} 在位置 {position} 含控制字元 {character}",
        "o campo {field} contém o carácter de controlo {character} na posição {position}",
    ),
    "FIELD_REQUIRED": ("欄位 {field} 為必填", "o campo {field} é obrigatório"),
    "FIELD_VALUE_UNKNOWN": (
        "欄位 {field} 的取值 {value} 無法識別",
        "o campo {field} tem o valor {value}, que esta plataforma não conhece",
    ),
    "PARTNER_NOT_RECOGNISED": (
        "合作方 {partner} 未簽署互認協議",
        "o parceiro {partner} não tem acordo com a plataforma",
    ),
    "METHODOLOGY_NOT_IN_CROSSWALK": (
        "方法學 {partner_methodology} 不在 {partner} 的對照表中",
        "a metodologia {partner_methodology} não está na tabela de correspondência de {partner}",
    ),
    "METHODOLOGY_NOT_RECOGNISED": (
        "協議未認可方法學 {partner_methodology}（{vintage} 年度）",
        "o acordo não reconhece {partner_methodology} para o ano {vintage}",
    ),
    "METHODOLOGY_NOT_EFFECTIVE": (
        "深圳方法學 {methodology} 對該活動（{vintage} 年度）未生效：{reason}",
        "a metodologia de Shenzhen {methodology} não está em vigor para esta actividade (ano {vintage}): {reason}",
    ),
    "METHODOLOGY_APPLIED_BEFORE_IN_FORCE": (
        "深圳方法學 {methodology} 自 {effective_from} 起生效；本活動始於 {activity_from}，按樞紐自定規則（自 {credits_from} 起適用，暫定：{provisional}）計入，並非該方法學本身的規定",
        "a metodologia de Shenzhen {methodology} entrou em vigor em {effective_from}; esta actividade começa em {activity_from} e é contabilizada pela regra própria da plataforma, que a aplica desde {credits_from} (provisória: {provisional}), e não pela metodologia",
    ),
    "PROJECT_REQUIRED": (
        "項目類方法學 {methodology} 須填寫項目編號",
        "a metodologia por projecto {methodology} exige o número do projecto",
    ),
    "PROJECT_NOT_REGISTERED": (
        "項目 {project_id} 未在樞紐登記",
        "o projecto {project_id} não está registado na plataforma",
    ),
    "PROJECT_NOT_ACTIVE": (
        "項目 {project_id} 狀態為 {status}，不可申報",
        "o projecto {project_id} está {status} e não pode declarar reduções",
    ),
    "PROJECT_METHODOLOGY_MISMATCH": (
        "記錄方法學 {partner_methodology} 與項目方法學 {project_methodology} 不一致",
        "a metodologia do registo {partner_methodology} difere da do projecto, {project_methodology}",
    ),
    "SITE_OUTSIDE_PARTNER_REGION": (
        "地點 {region_code} 不在合作方 {partner} 的行政區域內",
        "o local {region_code} fica fora da região de {partner}",
    ),
    "REGION_CODE_INVALID": (
        "行政區劃代碼 {region_code} 無效",
        "o código de divisão administrativa {region_code} não é válido",
    ),
    "REGION_CODE_UNKNOWN": (
        "行政區劃代碼 {region_code} 不在樞紐所持的任何 GB/T 2260 代碼表中（{editions} 年版）",
        "o código de divisão administrativa {region_code} não consta de nenhuma lista GB/T 2260 que o hub detém (edições {editions})",
    ),
    "REGION_CODE_NOT_IN_FORCE": (
        "行政區劃代碼 {region_code}（{name}）不在活動日期 {activity_date} 適用的 GB/T 2260 代碼表（{editions} 年版）中，僅見於 {listed_in} 年版；後繼代碼：{successors}",
        "o código de divisão administrativa {region_code} ({name}) não consta da lista GB/T 2260 em vigor na data da atividade {activity_date} (edição {editions}); só a edição {listed_in} o lista; códigos sucessores: {successors}",
    ),
    "PROJECT_SIZE_EXCEEDS_LIMIT": (
        "項目規模 {size} 超過方法學上限 {limit}",
        "a dimensão do projecto {size} excede o limite da metodologia, {limit}",
    ),
    "CREDIT_CODE_INVALID": (
        "統一社會信用代碼 {credit_code} 校驗失敗",
        "o código de crédito social unificado {credit_code} falha o carácter de verificação",
    ),
    "OWNER_ID_INVALID": (
        "業主標識 {owner_id} 不符合該合作方業主可用的任何格式（{schemes}）：香港商業登記號碼為 8 位數字，澳門商業登記編號為數字（可帶如 (SO) 的後綴），統一社會信用代碼為 18 位並須通過校驗",
        "o identificador do proprietário {owner_id} não corresponde a nenhum dos esquemas usados pelos proprietários deste parceiro ({schemes}): o número de registo comercial de Hong Kong tem 8 algarismos, o número de matrícula da Conservatória dos Registos Comercial e de Bens Móveis de Macau é numérico (com sufixo opcional como (SO)), o código de crédito social unificado tem 18 caracteres com carácter de controlo correcto",
    ),
    "CREDITING_PERIOD_MALFORMED": (
        "計入期 {start} 至 {end} 無效",
        "o período de creditação de {start} a {end} não é válido",
    ),
    "CREDITING_PERIOD_TOO_LONG": (
        "計入期 {start} 至 {end} 超過方法學 {methodology} 一個計入期最長 {years} 年的規定，最遲至 {latest}",
        "o período de creditação de {start} a {end} é mais longo do que os {years} anos que a metodologia {methodology} admite para um período de creditação; pode ir no máximo até {latest}",
    ),
    "CREDITING_RENEWAL_NOT_ALLOWED": (
        "計入期由 {previous_end} 延至 {end} 不符合方法學 {methodology} 的續期規則（每次續期至多一個計入期，自 {start} 起合計至多 {longest_years} 年），最遲可延至 {latest}；原計入期不變",
        "prolongar o período de creditação de {previous_end} até {end} viola a regra de renovação da metodologia {methodology} (um período de creditação a mais de cada vez, no máximo {longest_years} anos a partir de {start} no total); pode ser prolongado no máximo até {latest}, e o período registado mantém-se",
    ),
    "PROJECT_SIZE_UNIT_INVALID": (
        "規模單位 {unit} 不適用於方法學 {partner_methodology}",
        "a unidade de dimensão {unit} não serve para a metodologia {partner_methodology}",
    ),
    "PROJECT_FIELD_MISSING": ("項目缺少欄位 {field}", "falta o campo {field} do projecto"),
    "PROJECT_BASIS_MISMATCH": (
        "方法學 {partner_methodology} 不是項目類方法學，不能登記項目",
        "a metodologia {partner_methodology} não é por projecto; nenhum projecto pode ser registado nela",
    ),
    "PROJECT_SIZE_MALFORMED": (
        "項目規模 {value} 不是有效正數",
        "a dimensão do projecto {value} não é um número positivo válido",
    ),
    "COORDINATES_INVALID": (
        "經緯度 {longitude}, {latitude} 無效",
        "as coordenadas {longitude}, {latitude} não são válidas",
    ),
    "ASSET_ALREADY_REGISTERED": (
        "同一資產（{family}，{capacity}；已登記為 {other_capacity}，相距 {distance_m} 米）已由 {other_partner} 登記為項目 {other_project_id}",
        "o mesmo activo ({family}, {capacity}; registado como {other_capacity}, a {distance_m} m) já está registado por {other_partner} como projecto {other_project_id}",
    ),
    "ASSET_BOUNDARY_OVERLAP": (
        "地塊邊界與 {other_partner} 的項目 {other_project_id} 重疊 {overlap_ha} 公頃（較小地塊的 {overlap_percent}%）",
        "o limite sobrepõe-se ao projecto {other_project_id} de {other_partner} em {overlap_ha} ha ({overlap_percent}% da parcela menor)",
    ),
    "ASSET_OVERLAP_UNRESOLVED": (
        "缺少地塊邊界（{without_boundary}）：{area} 的地塊距 {other_partner} 的項目 {other_project_id}（{other_area}）{distance_m} 米，按面積可能重疊（{reach_m} 米內），須提交邊界或由主管部門核對",
        "sem limite ({without_boundary}): esta parcela de {area} fica a {distance_m} m do projecto {other_project_id} de {other_partner} ({other_area}), perto o bastante para se sobreporem pelas áreas (até {reach_m} m); é preciso um limite ou a verificação da direcção num mapa",
    ),
    "PROJECT_IN_EXTERNAL_REGISTER": (
        "該資產已列於 {register} 名單（條目 {entry_id}：{entry_name}；第 {version} 版，{imported_at} 匯入），可能已在該處計入",
        "o activo consta da lista de {register} (entrada {entry_id}: {entry_name}; versão {version}, importada em {imported_at}) e pode já estar creditado aí",
    ),
    "CLAIM_CREDITED_IN_EXTERNAL_REGISTER": (
        "這些單位已由 {register} 計入（條目 {entry_id}：{entry_name}；期間 {entry_period}，序號 {entry_serials}；名單第 {version} 版，{imported_at} 匯入），再次簽發即重複簽發",
        "estas unidades já foram creditadas por {register} (entrada {entry_id}: {entry_name}; período {entry_period}, séries {entry_serials}; versão {version} da lista, importada em {imported_at}): emiti-las de novo é dupla emissão",
    ),
    "CLAIM_ASSET_IN_EXTERNAL_REGISTER": (
        "該資產列於 {register} 名單（條目 {entry_id}：{entry_name}；期間 {entry_period}，序號 {entry_serials}；名單第 {version} 版，{imported_at} 匯入），這些單位可能已在該處計入，待主管部門向該登記處核實",
        "o activo consta da lista de {register} (entrada {entry_id}: {entry_name}; período {entry_period}, séries {entry_serials}; versão {version} da lista, importada em {imported_at}) e estas unidades podem já estar creditadas aí: retido até a autoridade confirmar junto desse registo",
    ),
    "BOUNDARY_AREA_MISMATCH": (
        "申報面積 {declared} 與地塊邊界面積 {boundary_area} 相差 {difference_percent}%，超出合理範圍",
        "a área declarada {declared} difere da área do limite {boundary_area} em {difference_percent}%, acima da tolerância",
    ),
    "BOUNDARY_INVALID": (
        "地塊邊界無法使用：{reason}",
        "o limite da parcela não pode ser usado: {reason}",
    ),
    "PROJECT_CHANGED": (
        "項目 {project_id} 的登記資料已更新",
        "o registo do projecto {project_id} foi actualizado",
    ),
    "PERIOD_MALFORMED": (
        "監測期 {start} 至 {end} 無效：{reason}",
        "o período de monitorização de {start} a {end} não é válido: {reason}",
    ),
    "PERIOD_IN_FUTURE": (
        "監測期結束 {end} 晚於當前時間",
        "o período de monitorização termina no futuro ({end})",
    ),
    "PERIOD_OUTSIDE_CREDITING": (
        "監測期不在項目計入期 {crediting_start} 至 {crediting_end} 內",
        "o período de monitorização fica fora do período de creditação de {crediting_start} a {crediting_end}",
    ),
    "PERIOD_TOO_LONG": (
        "監測期 {days} 天超過方法學上限 {limit} 天",
        "o período de monitorização de {days} dias excede o limite da metodologia, {limit} dias",
    ),
    "UNIT_UNKNOWN": ("單位 {unit} 無法識別", "a unidade {unit} não é conhecida"),
    "UNIT_NOT_FOR_METHODOLOGY": (
        "單位 {unit} 不適用於方法學 {methodology}",
        "a unidade {unit} não serve para a metodologia {methodology}",
    ),
    "TRIP_WITHOUT_DISTANCE": (
        "按次計的乘車沒有距離：方法學 {methodology} 需要人公里，{partner_methodology} 未備案平均出行距離",
        "viagens contadas por número não têm distância: a metodologia {methodology} exige passageiros-km e não está registada uma distância média por viagem para {partner_methodology}",
    ),
    "QUANTITY_MALFORMED": (
        "數量 {value} 不是有效數字",
        "a quantidade {value} não é um número válido",
    ),
    "QUANTITY_NOT_POSITIVE": (
        "活動量 {value} 必須大於零",
        "a quantidade de actividade {value} tem de ser positiva",
    ),
    "QUANTITY_OUT_OF_BOUNDS": (
        "活動量 {value} {unit} 超出合理範圍（上限 {limit}）",
        "a quantidade de actividade {value} {unit} está fora dos limites plausíveis (limite {limit})",
    ),
    "ACTIVITY_EXCEEDS_CAPACITY": (
        "活動量 {value} {unit} 相當於登記容量 {capacity} 每天滿負荷 {per_day} 小時（{days} 天），超過合理上限 {bound}（上限 {limit}）",
        "a actividade {value} {unit} equivale a {per_day} horas de plena carga por dia da capacidade registada {capacity} em {days} dias, acima do plausível {bound} (limite {limit})",
    ),
    "REPORTED_MALFORMED": (
        "申報減排量 {value} 不是有效數字",
        "a redução declarada {value} não é um número válido",
    ),
    "REPORTED_NEGATIVE": ("申報減排量 {value} 為負數", "a redução declarada {value} é negativa"),
    "SITE_REQUIRED": (
        "站點類方法學 {methodology} 須填寫站點編號",
        "a metodologia por local {methodology} exige o identificador do local",
    ),
    "PERSON_REQUIRED": (
        "個人行為類方法學 {methodology} 須提供個人標識",
        "a metodologia de comportamento pessoal {methodology} exige o pseudónimo da pessoa",
    ),
    "PSEUDONYM_MALFORMED": (
        "個人標識須為 64 位小寫十六進制（HMAC-SHA256）",
        "o pseudónimo da pessoa deve ter 64 caracteres hexadecimais minúsculos (HMAC-SHA256)",
    ),
    "DAILY_CAP_APPLIED": (
        "超過每人每日上限 {cap} tCO2e，按上限計 {capped}",
        "excedido o limite diário por pessoa de {cap} tCO2e; creditado {capped}",
    ),
    "MATERIAL_REQUIRED": ("回收類記錄須填寫物料", "um registo de reciclagem exige o material"),
    "MATERIAL_UNKNOWN": (
        "物料 {material} 不在方法學 {methodology} 的因子表中",
        "o material {material} não tem factor na metodologia {methodology}",
    ),
    "UTILITY_REQUIRED": (
        "電力類記錄須註明電力公司",
        "um registo de electricidade deve indicar o fornecedor",
    ),
    "UTILITY_UNKNOWN": (
        "電力公司 {utility} 無對應排放因子（可選：{known}）",
        "o fornecedor {utility} não tem factor de emissão (conhecidos: {known})",
    ),
    "FACTOR_NOT_AVAILABLE": (
        "無適用排放因子 {factor}（{region}，{year} 年）",
        "não há factor de emissão {factor} para {region} em {year}",
    ),
    "FACTOR_PROVISIONAL": ("使用了暫定因子 {factor}", "foi usado o factor provisório {factor}"),
    "FACTOR_YEAR_FALLBACK": (
        "{year} 年因子未發佈，採用 {used_year} 年因子 {factor}",
        "não foi publicado valor de {factor} para {year}; usou-se o de {used_year}",
    ),
    "REPORTED_EXCEEDS_RECOMPUTED": (
        "申報 {reported} 高於按深圳標準重算 {recomputed}，取較低值",
        "o declarado {reported} excede o recálculo de Shenzhen {recomputed}; fica o menor",
    ),
    "RECOMPUTED_EXCEEDS_REPORTED": (
        "重算 {recomputed} 高於申報 {reported}，取較低值",
        "o recálculo {recomputed} excede o declarado {reported}; fica o menor",
    ),
    "CROSSWALK_DISCOUNT_APPLIED": (
        "僅有申報減排量，按對照表折扣 {discount} 計入",
        "só foi declarada uma redução; aplicado o desconto da tabela de correspondência {discount}",
    ),
    "REPORTED_REQUIRED": (
        "方法學 {methodology} 只能按申報減排量折算，但未申報",
        "a metodologia {methodology} só converte reduções declaradas e nenhuma foi declarada",
    ),
    "RECOMPUTATION_FAILED": (
        "按公式 {formula_id} 重算失敗：{reason}",
        "o recálculo pela fórmula {formula_id} falhou: {reason}",
    ),
    "ZERO_REDUCTION": ("折算後減排量為零", "a redução é zero após a conversão"),
    "PLATFORM_UNKNOWN": (
        "平台 {platform} 不在與 {partner} 的協議中（可選：{known}）",
        "a plataforma {platform} não consta do acordo com {partner} (conhecidas: {known})",
    ),
    "ADJUSTMENT_REF_MISSING": (
        "協議要求清單排除證明編號（adjustment_ref），但未提供",
        "o acordo exige a referência da exclusão do inventário (adjustment_ref) e nenhuma foi dada",
    ),
    "ORIGIN_ISSUED_WITHOUT_SERIAL": (
        "標記為已簽發但缺少 PHCER 序列號",
        "marcado como emitido na origem mas sem número de série de origem",
    ),
    "ORIGIN_SERIAL_MALFORMED": (
        "原註冊登記序列號 {serial} 格式錯誤",
        "o número de série de origem {serial} está mal formado",
    ),
    "ORIGIN_SERIAL_QUANTITY_MISMATCH": (
        "序列號區間 {units} 個單位與申報減排量 {reported} 不符",
        "o bloco de origem de {units} unidades não corresponde ao declarado {reported}",
    ),
    "ORIGIN_SERIAL_YEAR_MISMATCH": (
        "原註冊登記序列號 {serial} 的年度 {serial_year} 不是申報的年度 {vintage}（監測期所跨的日曆年度）之一，可能是為另一年度的減排量簽發的",
        "o número de série de origem {serial} é do ano {serial_year}, que não é um dos anos de referência {vintage} do pedido (os anos civis que o seu período de monitorização abrange): pode ter sido emitido para a redução de outro ano",
    ),
    "ORIGIN_SERIAL_PROJECT_MISMATCH": (
        "序列號 {serial} 所屬項目與記錄項目 {project_id} 不一致",
        "o número de série de origem {serial} pertence a outro projecto que não {project_id}",
    ),
    "ORIGIN_SERIAL_UNEXPECTED": (
        "未簽發記錄不應帶有序列號 {serial}",
        "um registo não emitido na origem traz o número de série {serial}",
    ),
    "ORIGIN_CANCELLED_ELSEWHERE": (
        "原註冊登記簿已註銷該減排量（重複使用）",
        "a origem já cancelou esta redução para outro uso (uso duplo)",
    ),
    "AWAITING_SOURCE_CANCELLATION": (
        "原註冊登記簿已簽發，須先註銷再由深圳簽發",
        "emitido na origem: tem de ser cancelado na origem antes da emissão em Shenzhen",
    ),
    "DUPLICATE_RECORD_CHANGED": (
        "記錄 {record_id} 已以不同內容提交，原記錄保持不變",
        "o registo {record_id} já foi submetido com outro conteúdo; mantém-se o original",
    ),
    "DUPLICATE_CONTENT": (
        "相同內容已以記錄 {other_record_id} 提交",
        "o mesmo conteúdo já foi submetido como registo {other_record_id}",
    ),
    "PROJECT_PERIOD_OVERLAP": (
        "項目 {key} 的監測期與記錄 {other_record_id} 重疊",
        "o período de monitorização de {key} sobrepõe-se ao registo {other_record_id}",
    ),
    "PERSON_PERIOD_OVERLAP": (
        "同一人同一方法學的時段與記錄 {other_record_id}（{other_partner}）重疊",
        "a mesma pessoa e metodologia sobrepõem-se ao registo {other_record_id} de {other_partner}",
    ),
    "PERSON_TRIP_OVERLAP": (
        "同一人同一時間只能在一處：該行程與 {other_partner} 的行程 {other_record_id} 時間重疊（任何出行方式）",
        "uma pessoa, um lugar de cada vez: esta viagem sobrepõe-se à viagem {other_record_id} "
        "de {other_partner} (qualquer modo)",
    ),
    "PERSON_DAILY_MOBILITY_IMPLAUSIBLE": (
        "同一人 {day} 各方式、各合作方出行合計 {total} 人公里（此前已計 {counted}），超過合理上限 {limit}",
        "as deslocações da pessoa em {day}, em todos os modos e parceiros, somariam {total} "
        "passageiros-km ({counted} já contados), acima do plausível {limit}",
    ),
    "ORIGIN_SERIAL_OVERLAP": (
        "原註冊登記序列號與記錄 {other_record_id} 重疊",
        "o bloco de série de origem sobrepõe-se ao registo {other_record_id}",
    ),
    "SITE_PROGRAMME_CONFLICT": (
        "站點 {site_id} 已登記於方法學 {other_methodology}",
        "o local {site_id} já está ligado à metodologia {other_methodology}",
    ),
    "PROJECT_SUSPENDED_BY_BUREAU": (
        "主管部門已暫停項目 {project_id}：{reason}",
        "a autoridade suspendeu o projecto {project_id}: {reason}",
    ),
    "CLAIM_ORIGIN_REISSUED": (
        "原註冊登記簿已將記錄 {record_id} 簽發為 {origin_serial}（該記錄按未簽發計入深圳）：主管部門處理該差異前暫不簽發",
        "a origem emitiu o registo {record_id} como {origin_serial}, que a plataforma tomou como não emitido na origem: não é emitido até a autoridade resolver a discrepância",
    ),
    "PROJECT_NOT_APPROVED": (
        "項目 {project_id} 尚未通過主管部門審核（當前 {state}）",
        "o projecto {project_id} ainda não foi aprovado pela autoridade (estado {state})",
    ),
    "PROJECT_REJECTED": (
        "主管部門未通過項目 {project_id} 的審核",
        "a autoridade rejeitou o projecto {project_id} na sua apreciação",
    ),
    "CLAIM_APPROVED_BY_REVIEWER": (
        "主管部門審核人員 {officer} 批准：{comment}",
        "aprovado pelo revisor da autoridade {officer}: {comment}",
    ),
    "CLAIM_REJECTED_BY_REVIEWER": (
        "主管部門審核人員 {officer} 駁回：{comment}",
        "rejeitado pelo revisor da autoridade {officer}: {comment}",
    ),
    "SOURCE_CANCELLATION_NOT_AWAITING": (
        "申報 {claim_id} 不在等待原註冊登記簿註銷狀態（當前 {state}）",
        "o pedido {claim_id} não aguarda cancelamento na origem (estado {state})",
    ),
    "SOURCE_CANCELLATION_BLOCK_MISMATCH": (
        "證明註銷的區間 {attested} 不是該申報的完整原始區間 {expected}",
        "o bloco atestado {attested} não é o bloco de origem completo do pedido, {expected}",
    ),
    "SOURCE_CANCELLATION_NOTE_MISSING_CLAIM": (
        "註銷備註未寫明樞紐申報編號 {claim_id}",
        "a nota de cancelamento não indica o pedido {claim_id} da plataforma",
    ),
    "SOURCE_CANCELLATION_ID_REUSED": (
        "註銷編號 {cancellation_id} 已用於申報 {other_claim_id} 的證明",
        "o cancelamento {cancellation_id} já foi atestado para o pedido {other_claim_id}",
    ),
    "SOURCE_CANCELLATION_RANGE_MALFORMED": (
        "證明註銷的單位區間 {attested} 不是有效的單位編號區間（須同時給出首尾編號，1 ≤ 首 ≤ 尾 < 10^12）",
        "as unidades canceladas {attested} não são um intervalo de números de unidade (indique as duas pontas, 1 <= primeira <= última < 10^12)",
    ),
    "SOURCE_CANCELLATION_RANGE_OUTSIDE_BLOCK": (
        "證明註銷的單位 {attested} 不在該申報的原始區間 {block} 之內",
        "as unidades canceladas {attested} não estão dentro do bloco de origem {block} do pedido",
    ),
    "SOURCE_CANCELLATION_RANGE_EXCEEDS_CREDITED": (
        "證明註銷 {units} 個原始單位，多於深圳為該申報核定的 {credited} tCO2e 所需的 {expected} 個",
        "{units} unidades de origem canceladas, mais do que as {expected} que as {credited} tCO2e creditadas por Shenzhen exigem",
    ),
    "SOURCE_CANCELLATION_RANGE_SHORT_OF_CREDITED": (
        "證明註銷 {units} 個原始單位，少於深圳為該申報核定的 {credited} tCO2e 所需的 {expected} 個",
        "{units} unidades de origem canceladas, menos do que as {expected} que as {credited} tCO2e creditadas por Shenzhen exigem",
    ),
    "SOURCE_CANCELLATION_SERIAL_MALFORMED": (
        "證明中的原註冊登記序列號 {serial} 格式錯誤",
        "o número de série de origem atestado {serial} está mal formado",
    ),
    "SOURCE_CANCELLATION_OVERDUE": (
        "{days} 天內未收到原註冊登記簿的註銷證明，該申報作廢",
        "não foi atestado cancelamento na origem em {days} dias; o pedido fica sem efeito",
    ),
    "ADJUSTMENT_STATUS_BACKWARDS": (
        "清單排除 {reference} 當前為 {current}，不能變為 {status}",
        "a exclusão do inventário {reference} está {current}; não pode passar a {status}",
    ),
    "ADJUSTMENT_STATUS_INVALID": (
        "證明只能將清單排除狀態設為 COMMITTED、COMPLETED 或 REVOKED，不能設為 {status}",
        "um atestado só pode fixar uma exclusão do inventário COMMITTED, COMPLETED ou REVOKED, não {status}",
    ),
    "INVENTORY_EXCLUSION_REVOKED": (
        "清單排除 {reference} 已撤回，不能再變為 {status}",
        "a exclusão do inventário {reference} foi revogada; não pode passar a {status}",
    ),
    "INVENTORY_EXCLUSION_TERMS_INCOMPLETE": (
        "清單排除 {reference} 的證明須同時寫明數量和年度（缺少 {field}）",
        "um atestado da exclusão do inventário {reference} indica quantidade e ano ({field} em falta)",
    ),
    "INVENTORY_EXCLUSION_QUANTITY_SHORT": (
        "清單排除 {reference} 證明的數量 {quantity} tCO2e 少於其下已簽發的 {issued} 個單位",
        "a exclusão do inventário {reference} cobre {quantity} tCO2e, menos do que as {issued} unidades emitidas ao seu abrigo",
    ),
    "INVENTORY_EXCLUSION_VINTAGE_MISMATCH": (
        "清單排除 {reference} 證明年度 {vintage}，但其下簽發的區塊屬於年度 {issued}",
        "a exclusão do inventário {reference} cobre o ano {vintage}, mas foram emitidos blocos do ano {issued} ao seu abrigo",
    ),
    "CLAIM_INVENTORY_EXCLUSION_REVOKED": (
        "清單排除 {reference} 已撤回：其下的申報不予簽發",
        "a exclusão do inventário {reference} foi revogada: nenhum pedido ao seu abrigo é emitido",
    ),
    "OFFSET_FIELDS_MISSING": (
        "履約抵銷註銷須填寫有效的 {fields}",
        "um cancelamento para compensação no ETS exige {fields} válidos",
    ),
    "OFFSET_ORIGIN_NOT_ELIGIBLE": (
        "來源 {origin} 的減排量不可用於履約抵銷（可用：{eligible}）",
        "unidades de {origin} não podem compensar obrigações do ETS (elegíveis: {eligible})",
    ),
    "OFFSET_VINTAGE_OUTSIDE_WINDOW": (
        "年度 {vintage} 早於 {compliance_year} 履約年度可用的最早年度 {earliest}（{years} 年）",
        "o ano {vintage} é anterior a {earliest}, o primeiro da janela de {years} anos do ano de cumprimento {compliance_year}",
    ),
    "OFFSET_CAP_EXCEEDED": (
        "{entity} {compliance_year} 年抵銷將達 {total} 個單位，超過上限 {cap}（核查排放量 {emissions} tCO2e 的 {share}）",
        "{entity} compensaria {total} unidades em {compliance_year}, acima do limite de {cap} ({share} das emissões verificadas de {emissions} tCO2e)",
    ),
    "OFFSET_ORIGIN_SHARE_EXCEEDED": (
        "{entity} {compliance_year} 年來自 {origin} 的抵銷將達 {origin_total} 個單位，超過 {origin_cap}（上限 {cap} 的 {origin_share}）",
        "{entity} compensaria {origin_total} unidades de {origin} em {compliance_year}, acima de {origin_cap} ({origin_share} do limite de {cap})",
    ),
}


class _KeepMissing(dict[str, str]):
    """Formats a template whose detail is absent as the placeholder itself."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def check_message(code: str, lang: str, details: Mapping[str, str]) -> str:
    """The hub check ``code``'s message in ``lang`` (one of LANGUAGES), filled with ``details``.

    Raises KeyError for an unknown code or language.
    """
    definition = CATALOGUE[code]
    if lang not in LANGUAGES:
        raise KeyError(f"no messages in '{lang}' (known: {', '.join(LANGUAGES)})")
    template = {
        "en": definition.message_en,
        "zh-CN": definition.message_zh,
        "zh-Hant": TRANSLATIONS[code][0],
        "pt": TRANSLATIONS[code][1],
    }[lang]
    return template.format_map(_KeepMissing(details))
