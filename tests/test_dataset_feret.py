"""Color FERET reader on small synthetic trees that mimic the NIST distribution.

The tree follows the distributed layout and record formats (two DVDs, bzip2-compressed
PPM images, XML and name/value ground truth, partition lists, the grey FERET copy on
DVD 2); subjects, dates and pixels are made up.
"""

from __future__ import annotations

import bz2
import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from colourfr.datasets.feret import (
    OPTIONS_SCHEMA,
    parse_feret_name,
    parse_name_value,
    parse_us_date,
    parse_yymmdd,
    read_feret,
)
from colourfr.datasets.manifest import RAW_COLUMNS
from colourfr.errors import ConfigError, ManifestError


@dataclass(frozen=True)
class Image:
    disc: str
    stem: str
    us_date: str  # ground-truth format MM/DD/YYYY
    pose: str

    @property
    def subject(self) -> str:
        return self.stem[:5]


IMAGES = [
    Image("dvd1", "00001_930831_fa", "08/31/1993", "fa"),
    Image("dvd1", "00001_930831_fb", "08/31/1993", "fb"),
    Image("dvd1", "00001_930831_hl", "08/31/1993", "hl"),
    Image("dvd1", "00001_940128_fa_a", "01/28/1994", "fa"),
    Image("dvd2", "00740_940422_fa", "04/22/1994", "fa"),
    Image("dvd2", "00740_940422_fb_a", "04/22/1994", "fb"),
    Image("dvd2", "00740_960530_fa", "05/30/1996", "fa"),
]

RECORDING_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Recordings>
 <Recording id="cfrR{number:05d}">
  <URL root="Disc{disc_number}" relative="data/images/{subject}/{stem}.ppm.bz2"/>
  <CaptureDate>{us_date}</CaptureDate>
  <CaptureTime>00:00:00</CaptureTime>
  <Subject id="cfrS{subject}">
   <Application>
    <Face>
     <Pose name="{pose}" yaw="0" pitch="0" roll="0"/>
     <Wearing glasses="No"/>
     <LeftEye x="250" y="300"/>
    </Face>
   </Application>
  </Subject>
 </Recording>
</Recordings>
"""
SUBJECT_XML = """<?xml version="1.0" encoding="UTF-8"?>
<Subjects>
 <Subject id="cfrS{subject}">
  <Gender value="Male"/>
  <YOB value="1960"/>
  <Race value="White"/>
 </Subject>
</Subjects>
"""


def ppm_bytes(seed: int) -> bytes:
    """A tiny 3x2 binary PPM whose pixels depend on ``seed``."""
    pixels = bytes((seed * 37 + i * 11) % 256 for i in range(3 * 2 * 3))
    return b"P6\n3 2\n255\n" + pixels


def build_tree(root: Path, images: list[Image] = IMAGES) -> Path:
    """Write a Color FERET copy under ``root/colorferet`` and return that folder."""
    base = root / "colorferet"
    for number, image in enumerate(images, start=1):
        disc = base / image.disc / "data"
        image_dir = disc / "images" / image.subject
        image_dir.mkdir(parents=True, exist_ok=True)
        (image_dir / f"{image.stem}.ppm.bz2").write_bytes(bz2.compress(ppm_bytes(number)))
        xml_dir = disc / "ground_truths" / "xml" / image.subject
        nv_dir = disc / "ground_truths" / "name_value" / image.subject
        xml_dir.mkdir(parents=True, exist_ok=True)
        nv_dir.mkdir(parents=True, exist_ok=True)
        (xml_dir / f"{image.stem}.xml").write_text(
            RECORDING_XML.format(
                number=number,
                disc_number=image.disc[-1],
                subject=image.subject,
                stem=image.stem,
                us_date=image.us_date,
                pose=image.pose,
            )
        )
        (xml_dir / f"{image.subject}.xml").write_text(SUBJECT_XML.format(subject=image.subject))
        (nv_dir / f"{image.stem}.txt").write_text(
            f"id=cfrR{number:05d}\nsubject=cfrS{image.subject}\ndisc={image.disc[-1]}\n"
            f"relative=data/images/{image.subject}/{image.stem}.ppm.bz2\n"
            f"capture_date={image.us_date}\ncapture_time=00:00:00\n\n"
            f"pose={image.pose}\nyaw=0\nglasses=No\n"
        )
        (nv_dir / f"{image.subject}.txt").write_text(
            f"id=cfrS{image.subject}\ngender=Male\nyob=1960\nrace=White\n"
        )
    # the grey FERET copy on DVD 2 is not colour FERET: a reader that looked at it
    # would choke on this file
    grey = base / "dvd2" / "gray_feret_cd1" / "data" / "ground_truths" / "xml" / "00001"
    grey.mkdir(parents=True)
    (grey / "00001_930831_fa.xml").write_text("<broken")
    partitions = base / "dvd1" / "doc" / "partitions"
    partitions.mkdir(parents=True)
    (partitions / "dup1.txt").write_text(
        "00001 00001_940128_fa_a.ppm\n\n00740 00740_960530_fa.ppm\n"
    )
    (partitions / "fb.txt").write_text("00001 00001_930831_fb.ppm\n")
    return base


@pytest.fixture()
def feret(tmp_path: Path) -> Path:
    return build_tree(tmp_path / "copy")


def frontal(images: list[Image] = IMAGES) -> list[Image]:
    return [image for image in images if image.pose in ("fa", "fb")]


# --------------------------------------------------------------------------- pure parts


def test_file_name_dates_are_nineteen_ninety_something() -> None:
    assert parse_yymmdd("930831") == "1993-08-31"
    assert parse_yymmdd("960102") == "1996-01-02"
    with pytest.raises(ValueError):
        parse_yymmdd("931331")  # month 13


def test_ground_truth_dates_are_month_first() -> None:
    assert parse_us_date("08/31/1993") == "1993-08-31"
    assert parse_us_date("1/2/1994") == "1994-01-02"
    with pytest.raises(ValueError):
        parse_us_date("31/08/1993")
    with pytest.raises(ValueError):
        parse_us_date("1993-08-31")


def test_file_name_parts() -> None:
    name = parse_feret_name("00740_940422_fb_a")
    assert (name.subject_id, name.capture_date, name.pose, name.flags) == (
        "00740",
        "1994-04-22",
        "fb",
        "a",
    )
    assert parse_feret_name("00001_930831_hl").flags == ""
    with pytest.raises(ValueError):
        parse_feret_name("0001_930831_fa")


def test_name_value_lines() -> None:
    assert parse_name_value("a=1\n\nb = x=y \n", "f.txt") == {"a": "1", "b": "x=y"}
    with pytest.raises(ManifestError, match=r"f\.txt:2: expected key=value"):
        parse_name_value("a=1\nnonsense\n", "f.txt")
    with pytest.raises(ManifestError, match=r"f\.txt:2: key 'a' repeated"):
        parse_name_value("a=1\na=2\n", "f.txt")


# --------------------------------------------------------------------------- reading


def test_xml_ground_truth_gives_frontal_manifest(feret: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ppm"
    frame = read_feret(feret, decompress_dir=cache)

    assert list(frame.columns) == list(RAW_COLUMNS)
    expected = sorted(frontal(), key=lambda image: image.stem)
    assert frame["image_id"].tolist() == [image.stem for image in expected]
    assert frame["subject_id"].tolist() == [image.subject for image in expected]
    iso = {image.stem: parse_us_date(image.us_date) for image in expected}
    assert frame.set_index("image_id")["capture_date"].to_dict() == iso
    # FERET's session is the capture day
    assert (frame["session"] == frame["capture_date"]).all()
    expressions = dict(zip(frame["pose"], frame["expression"]))
    assert expressions == {"fa": "regular", "fb": "alternative"}
    assert frame["image_id"].is_unique


def test_compressed_images_are_decompressed_into_the_cache(feret: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ppm"
    frame = read_feret(feret, decompress_dir=cache)
    numbers = {image.stem: number for number, image in enumerate(IMAGES, start=1)}
    for row in frame.itertuples():
        path = Path(row.path)
        assert path.is_absolute()
        assert path == (cache / row.subject_id / f"{row.image_id}.ppm").resolve()
        assert path.read_bytes() == ppm_bytes(numbers[row.image_id])

    # a second read reuses the decompressed files instead of writing them again
    marker = Path(frame["path"].iloc[0])
    marker.write_bytes(b"P6\n1 1\n255\nabc")
    read_feret(feret, decompress_dir=cache)
    assert marker.read_bytes() == b"P6\n1 1\n255\nabc"


def test_compressed_copy_without_cache_is_a_clear_error(feret: Path) -> None:
    with pytest.raises(ManifestError, match="decompress_dir"):
        read_feret(feret)


def test_images_decompressed_in_place_are_used_directly(feret: Path) -> None:
    archives = sorted(feret.glob("dvd*/data/images/*/*.ppm.bz2"))
    for number, archive in enumerate(archives):
        archive.with_name(archive.name[: -len(".bz2")]).write_bytes(
            bz2.decompress(archive.read_bytes())
        )
        if number % 2:  # like `bunzip2 -k`: half of the archives stay next to their .ppm
            archive.unlink()
    frame = read_feret(feret)  # no decompress_dir needed
    for row in frame.itertuples():
        assert row.path.endswith(f"/data/images/{row.subject_id}/{row.image_id}.ppm")
        assert Path(row.path).is_file()


def test_root_may_be_a_single_disc_or_the_folder_above(feret: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ppm"
    dvd1 = read_feret(feret / "dvd1", decompress_dir=cache)
    assert set(dvd1["subject_id"]) == {"00001"}
    above = read_feret(feret.parent, decompress_dir=cache)
    pd.testing.assert_frame_equal(above, read_feret(feret, decompress_dir=cache))


def test_name_value_and_file_names_agree_with_xml(feret: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ppm"
    from_xml = read_feret(feret, metadata="xml", decompress_dir=cache)
    from_txt = read_feret(feret, metadata="name_value", decompress_dir=cache)
    from_names = read_feret(feret, metadata="filenames", decompress_dir=cache)
    pd.testing.assert_frame_equal(from_xml, from_txt)
    pd.testing.assert_frame_equal(from_xml, from_names)


def test_auto_falls_back_to_name_value_then_file_names(feret: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ppm"
    reference = read_feret(feret, decompress_dir=cache)
    for disc in ("dvd1", "dvd2"):
        for path in sorted((feret / disc / "data/ground_truths/xml").rglob("*.xml")):
            path.unlink()
        for folder in sorted((feret / disc / "data/ground_truths/xml").glob("*")):
            folder.rmdir()
        (feret / disc / "data/ground_truths/xml").rmdir()
        # a corrupt name/value file proves that auto now reads name/value
    (feret / "dvd1/data/ground_truths/name_value/00001/00001_930831_fa.txt").write_text("x\n")
    with pytest.raises(ManifestError, match="00001_930831_fa.txt:1"):
        read_feret(feret, decompress_dir=cache)
    for disc in ("dvd1", "dvd2"):
        for path in sorted((feret / disc / "data/ground_truths/name_value").rglob("*.txt")):
            path.unlink()
        for folder in sorted((feret / disc / "data/ground_truths/name_value").glob("*")):
            folder.rmdir()
    pd.testing.assert_frame_equal(read_feret(feret, decompress_dir=cache), reference)


def test_pose_filter(feret: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ppm"
    everything = read_feret(feret, poses=None, decompress_dir=cache)
    assert sorted(everything["image_id"]) == sorted(image.stem for image in IMAGES)
    half_left = read_feret(feret, poses=["hl"], decompress_dir=cache)
    assert half_left["image_id"].tolist() == ["00001_930831_hl"]
    assert half_left["expression"].tolist() == [""]
    only_fb = read_feret(feret, poses=["fb"], decompress_dir=cache)
    assert set(only_fb["pose"]) == {"fb"}


def test_partition_filter(feret: Path, tmp_path: Path) -> None:
    cache = tmp_path / "ppm"
    dup1 = read_feret(feret, partitions=["dup1"], decompress_dir=cache)
    assert dup1["image_id"].tolist() == ["00001_940128_fa_a", "00740_960530_fa"]
    both = read_feret(feret, partitions=["dup1", "fb"], decompress_dir=cache)
    assert len(both) == 3
    with pytest.raises(ManifestError, match="partition 'dup2' not found"):
        read_feret(feret, partitions=["dup2"], decompress_dir=cache)


def test_malformed_partition_line(feret: Path, tmp_path: Path) -> None:
    (feret / "dvd1/doc/partitions/dup1.txt").write_text("00001 00001_940128_fa_a.ppm\n00002 x y\n")
    with pytest.raises(ManifestError, match=r"dup1\.txt:2"):
        read_feret(feret, partitions=["dup1"], decompress_dir=tmp_path)


def test_malformed_xml_names_file_and_line(feret: Path) -> None:
    path = feret / "dvd2/data/ground_truths/xml/00740/00740_940422_fa.xml"
    path.write_text('<?xml version="1.0"?>\n<Recordings>\n <Recording>\n</Recordings>\n')
    with pytest.raises(ManifestError, match=r"00740_940422_fa\.xml:4:\d+: malformed XML"):
        read_feret(feret, decompress_dir=feret.parent / "ppm")


def test_bad_capture_date_names_file(feret: Path) -> None:
    path = feret / "dvd1/data/ground_truths/xml/00001/00001_930831_fb.xml"
    path.write_text(path.read_text().replace("08/31/1993", "1993-08-31"))
    with pytest.raises(ManifestError, match=r"00001_930831_fb\.xml: capture date"):
        read_feret(feret, decompress_dir=feret.parent / "ppm")


def test_record_without_pose_or_url(feret: Path) -> None:
    path = feret / "dvd1/data/ground_truths/xml/00001/00001_930831_fb.xml"
    original = path.read_text()
    path.write_text(original.replace('<Pose name="fb" yaw="0" pitch="0" roll="0"/>', ""))
    with pytest.raises(ManifestError, match=r"00001_930831_fb\.xml: no pose"):
        read_feret(feret, decompress_dir=feret.parent / "ppm")
    path.write_text(original.replace("relative=", "other="))
    with pytest.raises(ManifestError, match=r"00001_930831_fb\.xml: .*no URL"):
        read_feret(feret, decompress_dir=feret.parent / "ppm")


def test_subject_that_contradicts_its_folder(feret: Path) -> None:
    path = feret / "dvd1/data/ground_truths/name_value/00001/00001_930831_fb.txt"
    path.write_text(path.read_text().replace("subject=cfrS00001", "subject=cfrS00002"))
    with pytest.raises(ManifestError, match=r"00001_930831_fb\.txt: subject 'cfrS00002'"):
        read_feret(feret, metadata="name_value", decompress_dir=feret.parent / "ppm")


def test_image_named_by_metadata_but_missing(
    feret: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (feret / "dvd2/data/images/00740/00740_940422_fb_a.ppm.bz2").unlink()
    with pytest.raises(ManifestError, match=r"00740_940422_fb_a\.xml: image 00740_940422_fb_a not"):
        read_feret(feret, decompress_dir=tmp_path / "ppm")
    with caplog.at_level(logging.WARNING):
        frame = read_feret(feret, missing_images="skip", decompress_dir=tmp_path / "ppm")
    assert "00740_940422_fb_a" not in set(frame["image_id"])
    assert len(frame) == len(frontal()) - 1
    assert "00740_940422_fb_a" in caplog.text


def test_unparseable_file_name_in_file_name_mode(feret: Path, tmp_path: Path) -> None:
    (feret / "dvd1/data/images/00001/00001_1993_fa.ppm.bz2").write_bytes(bz2.compress(b"x"))
    with pytest.raises(ManifestError, match="00001_1993_fa.ppm.bz2: .*not a FERET image name"):
        read_feret(feret, metadata="filenames", decompress_dir=tmp_path / "ppm")


def test_corrupt_archive_names_the_file(feret: Path, tmp_path: Path) -> None:
    (feret / "dvd1/data/images/00001/00001_930831_fa.ppm.bz2").write_bytes(b"not bzip2")
    with pytest.raises(ManifestError, match=r"00001_930831_fa\.ppm\.bz2: cannot decompress"):
        read_feret(feret, decompress_dir=tmp_path / "ppm")
    assert not list((tmp_path / "ppm").rglob(".*"))  # no half-written temporary left


def test_root_without_feret(tmp_path: Path) -> None:
    (tmp_path / "empty" / "something").mkdir(parents=True)
    with pytest.raises(ManifestError, match="no Color FERET disc"):
        read_feret(tmp_path / "empty")
    with pytest.raises(ManifestError, match="is not a folder"):
        read_feret(tmp_path / "absent")


def test_filters_that_leave_nothing(feret: Path, tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="no FERET image left"):
        read_feret(feret, poses=["pr"], decompress_dir=tmp_path / "ppm")


def test_unknown_option_values(feret: Path) -> None:
    with pytest.raises(ConfigError, match="poses"):
        read_feret(feret, poses=["frontal"])
    with pytest.raises(ConfigError, match="metadata"):
        read_feret(feret, metadata="json")


def test_options_schema_defaults_match_the_function() -> None:
    import inspect

    import jsonschema

    jsonschema.Draft202012Validator.check_schema(OPTIONS_SCHEMA)
    signature = inspect.signature(read_feret)
    for name, spec in OPTIONS_SCHEMA["properties"].items():
        default = signature.parameters[name].default
        assert spec["default"] == (list(default) if isinstance(default, tuple) else default)


def test_listing_becomes_a_manifest_and_a_cross_session_protocol(
    feret: Path, tmp_path: Path
) -> None:
    """The contract with the manifest step and the paper's protocol, end to end."""
    from colourfr.datasets.manifest import STATUS_OK, build_manifest
    from colourfr.protocol import reference_per_subject

    manifest = build_manifest(read_feret(feret, decompress_dir=tmp_path / "ppm"), "feret")
    assert (manifest["status"] == STATUS_OK).all()  # the decompressed PPMs decode
    assert set(zip(manifest["width"], manifest["height"])) == {(3, 2)}
    protocol = reference_per_subject(manifest)
    # reference: fa of the subject's first day; probes: images of its later days
    assert protocol.references["image_id"].tolist() == ["00001_930831_fa", "00740_940422_fa"]
    assert sorted(protocol.probes["image_id"]) == ["00001_940128_fa_a", "00740_960530_fa"]


def test_references_command_output_round_trips(feret: Path, tmp_path: Path) -> None:
    from helpers.references import references_round_trip

    dataset = {
        "format": "feret",
        "root": str(feret),
        "options": {"decompress_dir": str(tmp_path / "ppm")},
    }
    written, chosen = references_round_trip(dataset, tmp_path, "pose=fa")
    assert written == chosen
    assert len(chosen) == len({image.subject for image in IMAGES if image.pose == "fa"})
