"""Runs in `.venvs/dbt` (which has the Snowflake connector): point Snowflake's Iceberg table
at a raw.events snapshot. Credentials come from the SNOWFLAKE_* variables dbt's profile uses.

    python -m ecomlake.orchestrate.snowflake_load --metadata-location s3://lake/.../v42.json
"""

from __future__ import annotations

import argparse
import os
import sys

from ecomlake.config import load_settings
from ecomlake.errors import EcomlakeError
from ecomlake.orchestrate.load import snowflake_statements

REQUIRED = ("SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER", "SNOWFLAKE_PASSWORD")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metadata-location", required=True)
    args = parser.parse_args(argv)
    try:
        missing = [name for name in REQUIRED if not os.environ.get(name)]
        if missing:
            raise EcomlakeError(f"Snowflake load is on but {', '.join(missing)} is not set")
        statements = snowflake_statements(load_settings(), args.metadata_location)
        import snowflake.connector

        with snowflake.connector.connect(
            account=os.environ["SNOWFLAKE_ACCOUNT"],
            user=os.environ["SNOWFLAKE_USER"],
            password=os.environ["SNOWFLAKE_PASSWORD"],
            role=os.environ.get("SNOWFLAKE_ROLE"),
            warehouse=os.environ.get("SNOWFLAKE_WAREHOUSE"),
            database=os.environ.get("SNOWFLAKE_DATABASE", "ECOMLAKE"),
        ) as con:
            for statement in statements:
                print(statement, file=sys.stderr)
                con.cursor().execute(statement)
    except EcomlakeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
