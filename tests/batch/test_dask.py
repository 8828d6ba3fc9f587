"""The same batch on local processes and on Dask clusters gives identical tables."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner
from distributed import Client, LocalCluster

from repscope.batch import run_batch
from repscope.cli.main import cli

TABLES = ("sessions", "sets", "reps")


@pytest.fixture(scope="module")
def thread_cluster() -> Iterator[LocalCluster]:
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster:
        yield cluster


def _inputs(sample_data: Path, recordings: Path) -> list[Path]:
    # 6 analysable files, the MetaMotion export without placement, and a broken file
    (recordings / "bench" / "broken.csv").write_text("time_s,acc_x_g,acc_y_g,acc_z_g\n0,1\n")
    return [sample_data, recordings]


def _run(paths: list[Path], out: Path, **kwargs: Any) -> tuple[dict[str, pd.DataFrame], Any]:
    summary = run_batch(paths, out_dir=out, progress=False, **kwargs)
    return {t: pd.read_parquet(out / f"{t}.parquet") for t in TABLES}, summary


def _assert_same(
    a: tuple[dict[str, pd.DataFrame], Any], b: tuple[dict[str, pd.DataFrame], Any]
) -> None:
    for table in TABLES:
        pd.testing.assert_frame_equal(a[0][table], b[0][table], check_exact=True)
    assert a[1].failures == b[1].failures
    assert (a[1].analysed, a[1].failed, a[1].reps) == (b[1].analysed, b[1].failed, b[1].reps)


def test_local_processes_and_threaded_cluster_agree(
    sample_data: Path, recordings: Path, tmp_path: Path, thread_cluster: LocalCluster
) -> None:
    paths = _inputs(sample_data, recordings)
    serial = _run(paths, tmp_path / "serial", workers=1)
    assert (serial[1].analysed, serial[1].failed) == (6, 2)
    local = _run(paths, tmp_path / "local", workers=2)
    assert local[1].executor == "2 local processes"
    _assert_same(serial, local)
    dask = _run(paths, tmp_path / "dask", scheduler=thread_cluster.scheduler_address)
    assert dask[1].executor.startswith("Dask scheduler")
    _assert_same(serial, dask)
    # a connected Client is accepted too, and left open
    with Client(thread_cluster.scheduler_address, set_as_default=False) as client:
        given = _run(paths, tmp_path / "client", scheduler=client, workers=1)
        assert client.status == "running"
    _assert_same(serial, given)


def test_process_cluster_agrees(sample_data: Path, recordings: Path, tmp_path: Path) -> None:
    paths = _inputs(sample_data, recordings)
    serial = _run(paths, tmp_path / "serial", workers=1)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        dask = _run(paths, tmp_path / "dask", scheduler=cluster.scheduler_address)
    _assert_same(serial, dask)


def test_cli_reads_the_scheduler_from_the_environment(
    sample_data: Path, tmp_path: Path, thread_cluster: LocalCluster
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli,
        ["batch", str(sample_data), "--out", str(out), "--no-progress"],
        env={"REPSCOPE_DASK_SCHEDULER": thread_cluster.scheduler_address},
    )
    assert result.exit_code == 0, result.output
    assert "Dask scheduler" in result.output
    local = _run([sample_data], tmp_path / "local", workers=1)
    pd.testing.assert_frame_equal(pd.read_parquet(out / "reps.parquet"), local[0]["reps"])
