"""The listing fingerprint that reruns the manifest, and the shard digests that rerun a
shard's per-image jobs, see through symbolic links: a dataset assembled from links is
tracked as closely as one of files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from colourfr.datasets.fingerprint import listing_fingerprint, shard_digest


def make_linked_dataset(tmp_path: Path) -> tuple[Path, Path]:
    """store/<subject>/<image> holds the files; dataset/ links a file and a folder."""
    store = tmp_path / "store"
    for subject in ("a", "b"):
        (store / subject).mkdir(parents=True)
        for index in range(2):
            (store / subject / f"{subject}_{index}.jpg").write_bytes(b"x" * (10 + index))
    dataset = tmp_path / "dataset"
    (dataset / "a").mkdir(parents=True)
    (dataset / "a" / "a_0.jpg").symlink_to(store / "a" / "a_0.jpg")
    (dataset / "b").symlink_to(store / "b")  # a whole subject folder linked
    return store, dataset


def test_a_replaced_link_target_changes_the_fingerprint(tmp_path: Path) -> None:
    store, dataset = make_linked_dataset(tmp_path)
    before = listing_fingerprint(dataset)
    assert listing_fingerprint(dataset) == before  # stable when nothing changes
    target = store / "a" / "a_0.jpg"
    stamp = target.stat()
    target.write_bytes(b"y" * 10)  # same size, modification time put back
    os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert listing_fingerprint(dataset) != before


def test_a_link_pointed_elsewhere_or_broken_changes_the_fingerprint(tmp_path: Path) -> None:
    store, dataset = make_linked_dataset(tmp_path)
    before = listing_fingerprint(dataset)
    link = dataset / "a" / "a_0.jpg"
    link.unlink()
    link.symlink_to(store / "b" / "b_0.jpg")  # same size as a_0.jpg
    pointed = listing_fingerprint(dataset)
    assert pointed != before
    link.unlink()
    link.symlink_to(store / "gone.jpg")
    assert listing_fingerprint(dataset) not in {before, pointed}


def test_an_image_added_in_a_linked_folder_changes_the_fingerprint(tmp_path: Path) -> None:
    store, dataset = make_linked_dataset(tmp_path)
    before = listing_fingerprint(dataset)
    shutil.copy2(store / "b" / "b_0.jpg", store / "b" / "b_2.jpg")
    assert listing_fingerprint(dataset) != before


def test_a_link_back_up_the_tree_is_no_loop(tmp_path: Path) -> None:
    _, dataset = make_linked_dataset(tmp_path)
    (dataset / "a" / "up").symlink_to(dataset)
    before = listing_fingerprint(dataset)  # returns: every folder is entered once
    (dataset / "a" / "up").unlink()
    (dataset / "a" / "up").symlink_to(dataset / "b")
    assert listing_fingerprint(dataset) != before


def test_a_shard_digest_sees_an_image_replaced_behind_its_link(tmp_path: Path) -> None:
    store, dataset = make_linked_dataset(tmp_path)
    rows = pd.DataFrame(
        {
            "image_id": ["a/a_0", "b/b_1"],
            "path": [str(dataset / "a/a_0.jpg"), str(dataset / "b/b_1.jpg")],
        }
    )
    before = shard_digest(rows)
    target = store / "b" / "b_1.jpg"
    stamp = target.stat()
    target.write_bytes(b"z" * 11)
    os.utime(target, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert shard_digest(rows) != before
