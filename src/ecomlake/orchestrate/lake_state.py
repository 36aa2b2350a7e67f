"""Has the curated layer absorbed raw.events' current snapshot? Read without Spark: the ETL
marks each Delta commit with the raw snapshot it read (`ecomlake.lake.marks`)."""

from __future__ import annotations

from ecomlake.config import Settings


def absorbed_snapshot(settings: Settings) -> int | None:
    """The raw snapshot the curated layer has absorbed: the mark all curated tables share.
    None when a table is missing or the marks differ (a run stopped midway: the ETL's own
    check, which orders marks by raw's history, finishes it)."""
    from deltalake.exceptions import TableNotFoundError

    from ecomlake.core.storage import curated_uri, open_delta
    from ecomlake.lake.marks import CURATED_TABLES, recorded_snapshot

    root = curated_uri(settings)
    try:
        marks = {
            recorded_snapshot(open_delta(settings, f"{root}/{t}").history()) for t in CURATED_TABLES
        }
    except TableNotFoundError:
        return None
    return marks.pop() if len(marks) == 1 else None


def curated_is_current(settings: Settings) -> tuple[bool, str]:
    """True when every raw.events snapshot after the one curated absorbed only rewrote files
    (compaction: operation `replace`), so the ETL would find no new rows."""
    from ecomlake.lake.lineage import lineage

    raw = lineage(settings, "raw", "events")
    if raw is None:
        return True, "raw.events does not exist yet"
    if raw.current is None:
        return True, "raw.events has no snapshot yet"
    absorbed = absorbed_snapshot(settings)
    if absorbed is None:
        return False, "the curated tables do not share one raw snapshot (first run, or one stopped)"
    after = raw.ancestors(absorbed)
    if after is None:  # never run, rolled back, expired
        return False, f"curated has absorbed {absorbed}, not an ancestor of raw's {raw.current}"
    new = sum(1 for snapshot in after if snapshot.operation != "replace")
    if new:
        return False, f"raw.events has {new} snapshot(s) with data after {absorbed}"
    return True, f"curated has absorbed raw.events up to {raw.current}"


# --- the marts: built from which curated state, by which dbt project -------------------------
MARTS_SOURCE = "marts_source.json"  # next to the warehouse


def _project_digest() -> str:
    """The dbt project's content: a change to a model, macro, test or setting rebuilds."""
    import hashlib

    from ecomlake.orchestrate.airflow_home import DBT_PROJECT_DIR

    digest = hashlib.sha256()
    for path in sorted(p for p in DBT_PROJECT_DIR.rglob("*") if p.is_file()):
        relative = path.relative_to(DBT_PROJECT_DIR)
        # dbt's own outputs and hidden files (its .user.yml) are not the project.
        if relative.parts[0] in ("target", "logs", "dbt_packages") or any(
            part.startswith(".") for part in relative.parts
        ):
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def marts_source(settings: Settings) -> dict[str, object]:
    """What the marts would be built from now: each curated table's absorbed raw snapshot (its
    data; maintenance keeps it, a rollback or a new ETL run changes it) and the project."""
    from ecomlake.core.storage import open_delta
    from ecomlake.lake.marks import recorded_snapshot
    from ecomlake.lake.warehouse import curated_tables

    tables = {name: recorded_snapshot(open_delta(settings, uri).history())
              for name, uri in curated_tables(settings).items()}  # fmt: skip
    return {"curated": tables, "project": _project_digest()}


def marts_are_current(settings: Settings) -> tuple[bool, str]:
    """True when the last successful dbt build recorded the same source as now: building again
    would give the same marts."""
    import json

    from ecomlake.lake.warehouse import warehouse_path

    mark = warehouse_path(settings).parent / MARTS_SOURCE
    if not warehouse_path(settings).exists() or not mark.exists():
        return False, "no dbt build recorded yet"
    built = json.loads(mark.read_text())
    now = marts_source(settings)
    if built.get("project") != now["project"]:
        return False, "the dbt project changed since the last build"
    if built.get("curated") != now["curated"]:
        return False, "curated has new data since the last build"
    return True, "the marts were built from the current curated data and dbt project"


def record_marts_source(settings: Settings) -> None:
    """After a successful build: what it was built from (written atomically)."""
    import json
    import os

    from ecomlake.lake.warehouse import warehouse_path

    mark = warehouse_path(settings).parent / MARTS_SOURCE
    mark.parent.mkdir(parents=True, exist_ok=True)
    scratch = mark.with_suffix(".tmp")
    scratch.write_text(json.dumps(marts_source(settings), sort_keys=True))
    os.replace(scratch, mark)
