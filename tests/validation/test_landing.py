"""Only complete files leave the landing folder, and a succeeding run forgets an old failure."""

from __future__ import annotations

import os
import threading
import time

from prospect.pipeline import landing


def _land(settings, name: str, content: bytes = b"user_id\nU1\n", age: float = 3600.0):
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    path = settings.landing_dir / name
    path.write_bytes(content)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_a_file_still_being_copied_is_left_for_the_next_scan(settings, monkeypatch):
    monkeypatch.setattr(landing, "SETTLE_SECONDS", 0.5)
    settled = _land(settings, "subscribers_2026-09.csv")
    growing = _land(settings, "subscribers_2026-10.csv", age=0.0)
    stop = threading.Event()

    def copy() -> None:  # a slow copy appends until told to stop
        while not stop.is_set():
            with open(growing, "ab") as handle:
                handle.write(b"U2\n")
            time.sleep(0.05)

    writer = threading.Thread(target=copy)
    writer.start()
    try:
        assert landing.landed_batches(settings) == [settled]
    finally:
        stop.set()
        writer.join()
    assert landing.landed_batches(settings) == [growing, settled]  # unchanged once copied


def test_a_done_marker_makes_a_fresh_file_complete_without_waiting(settings, monkeypatch):
    monkeypatch.setattr(landing, "SETTLE_SECONDS", 30.0)
    fresh = _land(settings, "subscribers_2026-10.parquet", age=0.0)
    landing.done_marker(fresh).write_text("")
    started = time.perf_counter()
    assert landing.landed_batches(settings) == [fresh]
    assert time.perf_counter() - started < 5.0


def test_a_run_that_succeeds_after_a_failure_no_longer_shows_the_old_reason(settings):
    from prospect.pipeline.state import get_state, mark, run_session
    from prospect.store import get_or_create_run, upgrade

    upgrade(settings.db_url)
    fields = {"month": "2026-10", "batch_path": "/b.csv", "batch_checksum": "c",
              "model_version": "m", "config_hash": "h"}  # fmt: skip
    with run_session(settings) as session:
        get_or_create_run(session, "run-x", fields)
    mark(settings, "run-x", "failed", failure_reason="OSError: disk full")
    assert get_state(settings, "run-x").failure_reason == "OSError: disk full"
    mark(settings, "run-x", "queued")
    for status in ("validating", "scoring", "selecting", "draft"):
        mark(settings, "run-x", status)
    state = get_state(settings, "run-x")
    assert (state.status, state.failure_reason) == ("draft", None)


def _land_folder(settings, name: str, parts: dict[str, bytes], age: float = 3600.0):
    folder = settings.landing_dir / name
    for part, content in parts.items():
        path = folder / part
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
    return folder


def test_a_folder_of_parts_with_a_success_marker_is_one_delivery_taken_at_once(
    settings, monkeypatch
):
    monkeypatch.setattr(landing, "SETTLE_SECONDS", 30.0)
    older = _land(settings, "subscribers_2026-09.csv")
    parts = {"province=gd/part-0.csv": b"user_id\nU1\n", "province=zj/part-0.csv": b"user_id\nU2\n"}
    folder = _land_folder(settings, "subscribers_2026-10", parts, age=0.0)
    _land_folder(settings, "scratch", {"part-0.csv": b"user_id\nU3\n"})  # no month: not a batch
    (folder / "_SUCCESS").write_text("")
    started = time.perf_counter()
    assert landing.landed_batches(settings) == [folder, older]
    assert time.perf_counter() - started < 5.0
    assert landing.batch_for_month(settings, "2026-10") == folder.resolve()
    assert landing.landed_batch(settings, folder.name) == folder.resolve()


def test_a_folder_still_receiving_parts_is_left_for_the_next_scan(settings, monkeypatch):
    monkeypatch.setattr(landing, "SETTLE_SECONDS", 0.5)
    nested = "province=gd/part-0.csv"
    folder = _land_folder(settings, "subscribers_2026-10", {nested: b"user_id\nU1\n"}, 0.0)
    _land_folder(settings, "subscribers_2026-11", {}, 0.0).mkdir(parents=True)  # no part yet
    stop = threading.Event()

    def copy() -> None:  # the job adds parts and still writes into one inside a sub-folder
        index = 1
        while not stop.is_set():
            with (folder / nested).open("ab") as part:
                part.write(f"U{index}\n".encode())
            if index % 4 == 0:
                (folder / f"part-{index}.csv").write_bytes(b"user_id\nU2\n")
            index += 1
            time.sleep(0.05)

    writer = threading.Thread(target=copy)
    writer.start()
    try:
        assert landing.landed_batches(settings) == []
    finally:
        stop.set()
        writer.join()
    assert landing.landed_batches(settings) == [folder]  # unchanged once the job is done
