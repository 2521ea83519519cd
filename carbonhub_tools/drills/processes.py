"""The hub under drill: `carbon-hub serve` OS processes, their database, PKI and standard.

Everything a drill makes lives in its data folder or in a database it made
for itself: a PostgreSQL database is created fresh on the given server and
dropped at the end, so a drill never touches another database's tables.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from sqlalchemy import create_engine, make_url, text

from carbonhub_tools.demo.trust import DemoTrust, prepare_trust
from hub.bootstrap import build_hub
from hub.serving.serve_process import HubProcess
from hub.settings import HubSettings
from hub.standard.loader import default_standards_dir

TEMPLATE_PARTNER = "CN-GD"
# Partners the drills add to their copy of the standard, each with Guangdong's
# recognitions and crosswalk under its own code and region (see drill_standard).
EXTRA_PARTNERS: dict[str, str] = {
    "CN-GX": "45",
    "CN-GZ": "52",
    "CN-YN": "53",
    "CN-XZ": "54",
    "CN-XJ": "65",
    "CN-HN": "43",
    "CN-JX": "36",
}


def drill_partners(count: int) -> list[str]:
    """``count`` partner codes: Guangdong first, then the drill's own partners."""
    codes = [TEMPLATE_PARTNER, *EXTRA_PARTNERS]
    if not 1 <= count <= len(codes):
        raise ValueError(f"between 1 and {len(codes)} partners")
    return codes[:count]


def drill_standard(folder: Path) -> Path:
    """A copy of the repository's standard with the drill's partners added.

    A partner's signed writes carry one strictly increasing sequence, so
    concurrent streams of one partner overtake and refuse each other; the
    drills stream as several partners at once instead. Each added partner
    is Guangdong's agreement and crosswalk under its own code and region.
    """
    target = folder / "standards"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(default_standards_dir(), target)
    for code, prefix in EXTRA_PARTNERS.items():
        for kind in ("agreements", "crosswalks"):
            source = (target / kind / f"{TEMPLATE_PARTNER}.yaml").read_text(encoding="utf-8")
            cloned = re.sub(
                rf"^partner: {TEMPLATE_PARTNER}$", f"partner: {code}", source, flags=re.M
            )
            cloned = cloned.replace(
                f'iso_3166_2: {TEMPLATE_PARTNER}, gbt2260_prefix: "44"',
                f'iso_3166_2: {code}, gbt2260_prefix: "{prefix}"',
            )
            (target / kind / f"{code}.yaml").write_text(cloned, encoding="utf-8")
    return target


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


@contextlib.contextmanager
def fresh_postgres_database(server_url: str, label: str) -> Iterator[str]:
    """A new, empty database on the server of ``server_url`` (whose own
    database is only used to create and drop it), dropped afterwards."""
    admin_url = make_url(server_url).set(drivername="postgresql+psycopg")
    name = f"drill_{label}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 10}
    )
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def prepare_drill_trust(
    folder: Path, database_url: str, standards_dir: Path, partners: Sequence[str]
) -> DemoTrust:
    """The drill's PKI (CA, hub certificate and signing key, client certificates
    for ``partners`` and the exchange) in ``folder/pki``, and each partner's
    signing key registered in the database, as `carbon-hub keys register`
    leaves it; the database is migrated before any hub process starts."""
    settings = HubSettings(
        database_url=database_url, data_dir=folder / "registrar", standards_dir=standards_dir
    )
    hub = build_hub(settings)
    try:
        return prepare_trust(folder, list(partners), hub.partner_keys, bureau_officers=())
    finally:
        hub.close()


def start_all(hubs: Sequence[HubProcess]) -> list[str]:
    """Start several hubs at once (they import and load in parallel)."""
    for hub in hubs:
        hub.launch()
    return [hub.wait_listening() for hub in hubs]


def wait_until(condition: Callable[[], bool], timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
