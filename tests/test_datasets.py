"""Dataset readers and manifest validation."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from colourfr.assets import Asset
from colourfr.datasets import download as lfw_download
from colourfr.datasets.assets import LFW_DEEPFUNNELED
from colourfr.datasets.csv_list import read_csv_list
from colourfr.datasets.folder import read_folder
from colourfr.datasets.lfw import read_lfw
from colourfr.datasets.manifest import (
    ISSUE_COLUMNS,
    MANIFEST_COLUMNS,
    OPTIONAL_COLUMNS,
    SubjectSelection,
    build_manifest,
    manifest_issues,
    read_subject_list,
    shard_count,
    shard_of,
)
from colourfr.errors import AssetError, ManifestError


def _face(path: Path, value: int = 128, size: int = 40) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((size, size, 3), value, np.uint8)).save(path)
    return path


@pytest.fixture
def folder_dataset(tmp_path: Path) -> Path:
    root = tmp_path / "faces"
    for subject, count in (("alice", 3), ("bob", 2), ("carol", 1)):
        for k in range(count):
            _face(root / subject / f"{subject}_{k}.png", value=40 * k + 10)
    (root / "alice" / "notes.txt").write_text("ignored")
    return root


def test_lfw_listing(lfw_root: Path) -> None:
    listing = read_lfw(lfw_root)
    assert len(listing) == 13233
    assert listing["subject_id"].nunique() == 5749
    row = listing[listing["image_id"] == "Aaron_Eckhart_0001"].iloc[0]
    assert row["subject_id"] == "Aaron_Eckhart" and Path(row["path"]).is_file()


def test_lfw_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="LFW image folder not found"):
        read_lfw(tmp_path)


def test_folder_reader_ignores_other_files(folder_dataset: Path) -> None:
    listing = read_folder(folder_dataset)
    assert sorted(listing["image_id"])[:2] == ["alice/alice_0", "alice/alice_1"]
    assert len(listing) == 6


def test_manifest_selection_and_shards(folder_dataset: Path) -> None:
    manifest = build_manifest(
        read_folder(folder_dataset), "toy", selection=SubjectSelection(min_images=2), shard_size=2
    )
    assert list(manifest.columns) == list(MANIFEST_COLUMNS)
    assert set(manifest["subject_id"]) == {"alice", "bob"}  # carol has one image
    # 5 images, at most 2 per shard on average: ceil(5/2) = 3 -> 4 shards (a power of two).
    assert set(manifest["shard"]) <= {"s0000", "s0001", "s0002", "s0003"}
    assert manifest["shard"].tolist() == [shard_of(i, 4) for i in manifest["image_id"]]
    assert (manifest["status"] == "ok").all() and (manifest["width"] == 40).all()


def test_shards_are_stable_when_images_come_and_go() -> None:
    assert [shard_count(n, 500) for n in (1, 500, 501, 1000, 1001, 2001)] == [1, 1, 2, 2, 4, 8]
    ids = [f"person_{i // 4}/img_{i}" for i in range(3000)]
    before = {i: shard_of(i, shard_count(len(ids), 500)) for i in ids}
    grown = ids + ["new_person/img_0", "new_person/img_1"]  # 3002 images: still 8 shards
    after = {i: shard_of(i, shard_count(len(grown), 500)) for i in grown}
    assert all(after[i] == before[i] for i in ids)
    sizes = pd.Series(list(after.values())).value_counts()
    assert len(sizes) == 8 and sizes.max() < 1.25 * 3002 / 8


def test_manifest_is_deterministic(folder_dataset: Path) -> None:
    listing = read_folder(folder_dataset)
    first = build_manifest(listing, "toy")
    second = build_manifest(listing.sample(frac=1.0, random_state=3), "toy")
    pd.testing.assert_frame_equal(first, second)


def test_manifest_records_unreadable_images(folder_dataset: Path) -> None:
    (folder_dataset / "alice" / "alice_1.png").write_bytes(b"")
    data = (folder_dataset / "bob" / "bob_0.png").read_bytes()
    (folder_dataset / "bob" / "bob_0.png").write_bytes(data[: len(data) // 2])
    manifest = build_manifest(read_folder(folder_dataset), "toy")
    issues = manifest_issues(manifest).set_index("image_id")
    assert issues.loc["alice/alice_1", "status"] == "empty_file"
    assert issues.loc["bob/bob_0", "status"] in {"truncated", "undecodable"}
    with pytest.raises(ManifestError, match="alice_1.png"):
        build_manifest(read_folder(folder_dataset), "toy", fail_on_bad_image=True)


def test_manifest_records_unsupported_image_mode(folder_dataset: Path) -> None:
    # A 32-bit float TIFF decodes (Pillow mode F) but has no 8-bit RGB meaning.
    path = folder_dataset / "bob" / "bob_9.tif"
    Image.fromarray(np.full((8, 8), 0.5, np.float32)).save(path)
    manifest = build_manifest(read_folder(folder_dataset), "toy")
    row = manifest.set_index("image_id").loc["bob/bob_9"]
    assert row["status"] == "unsupported_mode" and row["detail"] == "Pillow mode F"
    issue = manifest_issues(manifest).set_index("image_id").loc["bob/bob_9"]
    assert (issue["status"], issue["detail"]) == ("unsupported_mode", "Pillow mode F")
    assert issue["path"] == str(path.resolve())


def test_empty_subject_folders_are_recorded(folder_dataset: Path) -> None:
    (folder_dataset / "dave").mkdir()
    (folder_dataset / "erin").mkdir()
    (folder_dataset / "erin" / "readme.txt").write_text("no image here")
    manifest = build_manifest(
        read_folder(folder_dataset), "toy", selection=SubjectSelection(exclude=frozenset({"erin"}))
    )
    assert "dave" not in set(manifest["subject_id"])
    issues = manifest_issues(manifest)
    assert list(issues.columns) == list(ISSUE_COLUMNS)
    # erin is excluded by the user, so only dave is a defect of the selected dataset.
    assert issues.to_dict("records") == [
        {
            "image_id": "",
            "subject_id": "dave",
            "path": str((folder_dataset / "dave").resolve()),
            "status": "no_images",
            "detail": issues["detail"].iloc[0],
            "same_as": "",
        }
    ]
    assert ".png" in issues["detail"].iloc[0]


def test_only_empty_subject_folders_name_one_in_the_error(tmp_path: Path) -> None:
    (tmp_path / "ghost").mkdir()
    with pytest.raises(ManifestError, match="no images found .1 empty subject folder.*ghost"):
        build_manifest(read_folder(tmp_path), "empty")


def test_lfw_person_folder_without_images_is_recorded(tmp_path: Path) -> None:
    _face(tmp_path / "images_deepfunneled" / "Ann" / "Ann_0001.jpg")
    (tmp_path / "images_deepfunneled" / "Bob").mkdir()
    manifest = build_manifest(read_lfw(tmp_path), "lfw", selection=SubjectSelection(min_images=1))
    issues = manifest_issues(manifest)
    assert issues[["subject_id", "status"]].values.tolist() == [["Bob", "no_images"]]


def test_lfw_fetch_offline_names_url_and_local_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Downloads disabled: the real catalogue entry, and no network is touched.
    with pytest.raises(AssetError) as disabled:
        lfw_download.fetch_dataset(
            "lfw", tmp_path / "a", allow_download=False, dataset_name="faces"
        )
    message = str(disabled.value)
    assert message.startswith("datasets.faces: ")
    assert LFW_DEEPFUNNELED.urls[0] in message and "allow_downloads is false" in message
    assert "set datasets.faces.root to a local LFW copy" in message
    assert str(tmp_path / "a" / "downloads" / "lfw-deepfunneled.tgz") in message
    # Downloads allowed but the URL unreachable (a file:// URL stands in for the offline web).
    unreachable = Asset(name="lfw-funneled", urls=((tmp_path / "gone.tgz").as_uri(),), sha256=None)
    monkeypatch.setattr(
        lfw_download, "LFW_ARCHIVES", {"images_funneled": (unreachable, "lfw_funneled")}
    )
    with pytest.raises(AssetError) as offline:
        lfw_download.fetch_dataset(
            "lfw",
            tmp_path / "b",
            True,
            options={"images_dir": "images_funneled"},
            dataset_name="lfw",
        )
    message = str(offline.value)
    assert unreachable.urls[0] in message and "set datasets.lfw.root" in message
    assert "images_funneled/" in message and "Without network" not in message


def test_lfw_fetch_honours_images_dir_and_pinned_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "lfw-funneled.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("lfw_funneled/Ann/Ann_0001.jpg")
        info.size = 3
        tar.addfile(info, io.BytesIO(b"jpg"))
    asset = Asset(name="lfw-funneled", urls=(archive.as_uri(),), sha256=None)
    monkeypatch.setattr(lfw_download, "LFW_ARCHIVES", {"images_funneled": (asset, "lfw_funneled")})
    monkeypatch.setattr(lfw_download, "LFW_PROTOCOL_FILES", ())
    with pytest.raises(AssetError, match="sha256 .* expected 0000"):
        lfw_download.fetch_lfw(tmp_path / "d", "images_funneled", archive_sha256="0" * 64)
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    root = lfw_download.fetch_lfw(tmp_path / "d", "images_funneled", archive_sha256=digest)
    assert (root / "images_funneled" / "Ann" / "Ann_0001.jpg").read_bytes() == b"jpg"
    record = lfw_download.fetch_record(root, "images_funneled", digest)
    assert record["archive_sha256"] == record["expected_sha256"] == digest
    # Pinning a different digest later is checked against the kept archive.
    with pytest.raises(AssetError, match="datasets.lfw.archive_sha256"):
        lfw_download.fetch_lfw(tmp_path / "d", "images_funneled", archive_sha256="f" * 64)


# MD5s of the official LFW files as published (LFW site for the archive; torchvision and
# other loaders for all): the protocol files' must equal the real files' for the archive's
# to be trusted as the same source's.
PUBLISHED_LFW_MD5 = {
    "pairs.txt": "9f1ba174e4e1c508ff7cdf10ac338a7d",
    "pairsDevTrain.txt": "4f27cbf15b2da4a85c1907eb4181ad21",
    "pairsDevTest.txt": "5132f7440eb68cf58910c8a45a2ac10b",
    "people.txt": "450f0863dd89e85e73936a6d71a3474b",
    "peopleDevTrain.txt": "54eaac34beb6d042ed3a7d883e247a21",
    "peopleDevTest.txt": "e4bf5be0a43b5dcd9dc5ccfcb8fb19c5",
}


def test_published_lfw_md5s_match_the_official_files(lfw_root: Path) -> None:
    from colourfr.assets import md5_of, verify_file

    for name, md5 in PUBLISHED_LFW_MD5.items():
        assert md5_of(lfw_root / name) == md5, name
    assert LFW_DEEPFUNNELED.md5 == "68331da3eb755a505a502b5aacb3c201"
    # and verify_file checks an md5 where no sha256 is known
    asset = Asset(name="lfw-pairs", urls=("x",), sha256=None, md5=PUBLISHED_LFW_MD5["pairs.txt"])
    assert verify_file(lfw_root / "pairs.txt", asset) == lfw_root / "pairs.txt"
    with pytest.raises(AssetError, match=r"people\.txt has md5 450f.*expected 9f1b"):
        verify_file(lfw_root / "people.txt", asset)


def test_manifest_rejects_duplicates_and_empty(folder_dataset: Path) -> None:
    listing = read_folder(folder_dataset)
    duplicated = pd.concat([listing, listing.iloc[[0]]])
    with pytest.raises(ManifestError, match="duplicate image_id 'alice/alice_0'"):
        build_manifest(duplicated, "toy")
    with pytest.raises(ManifestError, match="no images found"):
        build_manifest(listing.iloc[0:0], "toy")
    with pytest.raises(ManifestError, match="no subject left"):
        build_manifest(listing, "toy", selection=SubjectSelection(min_images=10))


def test_manifest_rejects_missing_files_and_bad_ids(folder_dataset: Path) -> None:
    listing = read_folder(folder_dataset)
    listing.loc[0, "path"] = str(folder_dataset / "alice" / "gone.png")
    with pytest.raises(ManifestError, match="gone.png"):
        build_manifest(listing, "toy")
    listing = read_folder(folder_dataset)
    listing.loc[0, "image_id"] = "../escape"
    with pytest.raises(ManifestError, match="cannot name an output file"):
        build_manifest(listing, "toy")


def test_manifest_all_unreadable_is_an_error(tmp_path: Path) -> None:
    for subject in ("a", "b"):
        (tmp_path / subject).mkdir()
        (tmp_path / subject / "x.png").write_bytes(b"")
        (tmp_path / subject / "y.png").write_bytes(b"")
    with pytest.raises(ManifestError, match="none of the 4 images can be read"):
        build_manifest(read_folder(tmp_path), "broken")


def test_csv_list(tmp_path: Path, folder_dataset: Path) -> None:
    listing_file = tmp_path / "list.csv"
    listing_file.write_text(
        "image_id,subject_id,path,session\n"
        "a1,alice,alice/alice_0.png,2003-01-01\n"
        "a2,alice,alice/alice_1.png,2003-02-01\n"
    )
    listing = read_csv_list(folder_dataset, image_list=str(listing_file))
    assert listing["session"].tolist() == ["2003-01-01", "2003-02-01"]
    assert listing["pose"].tolist() == ["", ""]
    assert Path(listing["path"].iloc[0]).is_file()


def test_csv_list_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("image_id,path\nx,y.png\n")
    with pytest.raises(ManifestError, match="missing column.*subject_id"):
        read_csv_list(tmp_path, image_list=str(bad))
    blank = tmp_path / "blank.csv"
    blank.write_text("image_id,subject_id,path\nx,,y.png\n")
    with pytest.raises(ManifestError, match="line 2: empty subject_id"):
        read_csv_list(tmp_path, image_list=str(blank))


def test_subject_lists(lfw_root: Path, tmp_path: Path) -> None:
    train = read_subject_list([lfw_root / "peopleDevTrain.txt"])
    assert len(train) == 4038 and "Aaron_Eckhart" in train
    plain = tmp_path / "names.txt"
    plain.write_text("alice\nbob\n")
    assert read_subject_list([plain]) == {"alice", "bob"}


def test_a_sideways_phone_photo_is_turned_and_the_manifest_says_so(tmp_path: Path) -> None:
    person = tmp_path / "dana"
    person.mkdir()
    for index in range(2):
        image = Image.new("RGB", (60, 40), (120, 90, 60))
        exif = image.getexif()
        exif[0x0112] = 6 if index == 0 else 1  # Orientation 6: stored turned by 90 degrees
        image.save(person / f"dana_{index}.jpg", exif=exif)
    manifest = build_manifest(read_folder(tmp_path), "phone").set_index("image_id")
    turned, plain = manifest.loc["dana/dana_0"], manifest.loc["dana/dana_1"]
    assert (turned["width"], turned["height"], turned["status"]) == (40, 60, "ok")
    assert turned["detail"] == "EXIF orientation 6 applied"
    assert (plain["width"], plain["height"], plain["detail"]) == (60, 40, "")


@pytest.mark.parametrize(
    "spelling", ["dana/./dana_0", "dana//dana_0", "dana/dana_0/", "./dana/dana_0"]
)
def test_ids_that_are_not_canonical_are_refused_naming_both_spellings(
    tmp_path: Path, spelling: str
) -> None:
    # Two spellings of one id would write one output file: the second image's results
    # would silently replace the first's.
    image = tmp_path / "a.png"
    Image.new("RGB", (40, 40)).save(image)
    listing = pd.DataFrame(
        {
            "image_id": ["dana/dana_0", spelling, "dana/dana_1"],
            "subject_id": ["dana"] * 3,
            "path": [str(image)] * 3,
            **{column: [""] * 3 for column in OPTIONAL_COLUMNS},
        }
    )
    with pytest.raises(ManifestError, match="not canonical") as error:
        build_manifest(listing, "ids")
    assert repr(spelling) in str(error.value) and "'dana/dana_0'" in str(error.value)


def test_a_broken_symbolic_link_is_reported_not_skipped(tmp_path: Path) -> None:
    person = tmp_path / "erin"
    person.mkdir()
    for index in range(2):
        Image.new("RGB", (40, 40), (90, 90, 90)).save(person / f"erin_{index}.png")
    (person / "erin_2.png").symlink_to(tmp_path / "moved-away.png")
    listing = read_folder(tmp_path)
    assert "erin/erin_2" in set(listing["image_id"])
    manifest = build_manifest(listing, "links")
    issues = manifest_issues(manifest)
    row = issues.set_index("image_id").loc["erin/erin_2"]
    assert row["status"] == "missing"
    assert row["detail"] == f"broken symbolic link to {tmp_path / 'moved-away.png'}"
