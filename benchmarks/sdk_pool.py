"""The vendor SDK's side of the whole run, as a process of its own: import the SDK, build
its client, fetch every job in 16 threads, print one line each.

Imports nothing of yike-tui (the harness does): the SDK process's CPU is the SDK's, not our
modules' import. ``python -m benchmarks.sdk_pool ENDPOINT IDS_FILE``, the key pair from
``ALIBABA_CLOUD_ACCESS_KEY_ID`` / ``ALIBABA_CLOUD_ACCESS_KEY_SECRET``.
"""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

THREADS = 16  # harness.CONCURRENCY, not imported: see above


def sdk_client(endpoint: str, key_id: str, secret: str) -> Any:
    """The vendor's client, configured the way its docs show, pointed at ``endpoint``."""
    from alibabacloud_ice20201109.client import Client
    from alibabacloud_tea_openapi import models as open_api_models

    config = open_api_models.Config(
        access_key_id=key_id,
        access_key_secret=secret,
        endpoint=endpoint.split("//", 1)[1],
        protocol="HTTP",
        region_id="cn-shanghai",
    )
    return Client(config)


def sdk_get(client: Any, job_id: str) -> str:
    from alibabacloud_ice20201109 import models as ice_models

    response = client.get_yike_storyboard_job(ice_models.GetYikeStoryboardJobRequest(job_id=job_id))
    return str(response.body.job_status)


def main(endpoint: str, ids_file: str) -> None:
    ids = Path(ids_file).read_text(encoding="utf-8").split()
    env = os.environ
    client = sdk_client(
        endpoint, env["ALIBABA_CLOUD_ACCESS_KEY_ID"], env["ALIBABA_CLOUD_ACCESS_KEY_SECRET"]
    )
    with ThreadPoolExecutor(THREADS) as pool:
        for job_id, status in zip(ids, pool.map(lambda j: sdk_get(client, j), ids), strict=True):
            print(json.dumps({"job_id": job_id, "status": status}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
