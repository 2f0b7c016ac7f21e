"""Image decoding and the ImageMagick-exact greyscale variant."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import warnings
import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from colourfr.errors import ImageReadError
from colourfr.images import (
    MAX_PIXELS,
    grey_to_rgb,
    read_grey,
    read_rgb,
    rec709_luma,
    write_png,
)

IMAGEMAGICK = shutil.which("magick") or shutil.which("convert")
# CI sets this so that the bit-exactness checks cannot pass by being skipped.
REQUIRE_IMAGEMAGICK = os.environ.get("COLOURFR_REQUIRE_IMAGEMAGICK") == "1"
needs_imagemagick = pytest.mark.skipif(
    IMAGEMAGICK is None and not REQUIRE_IMAGEMAGICK,
    reason="ImageMagick not installed (apt install imagemagick)",
)


def imagemagick_grey(source: Path, target: Path) -> np.ndarray:
    assert IMAGEMAGICK is not None, (
        "COLOURFR_REQUIRE_IMAGEMAGICK=1 but neither magick nor convert is on PATH"
    )
    command = [IMAGEMAGICK, str(source), "-grayscale", "Rec709Luma", str(target)]
    subprocess.run(command, check=True, capture_output=True)
    array = np.asarray(Image.open(target))
    return array if array.ndim == 2 else array[:, :, 0]


def test_rec709_luma_hand_worked() -> None:
    # 0.212656*255 = 54.227...; quantum round(257*54.227) = 13936 -> 13936 // 257 = 54
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]]], np.uint8)
    assert rec709_luma(rgb).tolist() == [[54, 182, 18, 255, 0]]


def test_rec709_luma_truncates_like_imagemagick_not_rounds() -> None:
    # 0.212656*10 + 0.715158*200 + 0.072186*30 = 147.4...: both give 147; pick a value with
    # fractional part > .5: R=G=0, B=7 -> 0.505302 -> round would give 1, ImageMagick 0.
    rgb = np.array([[[0, 0, 7]]], np.uint8)
    assert rec709_luma(rgb)[0, 0] == 0


def test_grey_input_is_unchanged() -> None:
    values = np.arange(256, dtype=np.uint8).reshape(16, 16)
    assert np.array_equal(rec709_luma(grey_to_rgb(values)), values)


@needs_imagemagick
def test_bit_exact_with_imagemagick_on_lfw(lfw_root: Path, tmp_path: Path) -> None:
    images = sorted((lfw_root / "images_deepfunneled").glob("A*/*.jpg"))[::40][:25]
    assert images
    for source in images:
        expected = imagemagick_grey(source, tmp_path / "im.png")
        assert np.array_equal(rec709_luma(read_rgb(source)), expected), source


@needs_imagemagick
def test_bit_exact_with_imagemagick_on_all_colours(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    rgb = rng.integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
    source = tmp_path / "random.png"
    Image.fromarray(rgb).save(source)
    expected = imagemagick_grey(source, tmp_path / "im.png")
    assert np.array_equal(rec709_luma(rgb), expected)


def test_cli_greyscale_writes_single_channel_png(lfw_root: Path, tmp_path: Path) -> None:
    from colourfr.cli import main

    source = next((lfw_root / "images_deepfunneled" / "Aaron_Eckhart").glob("*.jpg"))
    target = tmp_path / "grey.png"
    assert main(["greyscale", str(source), str(target)]) == 0
    written = Image.open(target)
    assert written.mode == "L" and written.size == (250, 250)
    assert np.array_equal(np.asarray(written), rec709_luma(read_rgb(source)))


def test_cli_greyscale_names_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from colourfr.cli import main

    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"")
    assert main(["greyscale", str(broken), str(tmp_path / "out.png")]) == 2
    assert "broken.jpg" in capsys.readouterr().err
    assert not (tmp_path / "out.png").exists()


@pytest.mark.parametrize(
    "mode, array",
    [
        ("L", np.full((40, 50), 120, np.uint8)),
        ("RGBA", np.full((40, 50, 4), 200, np.uint8)),
        ("LA", np.full((40, 50, 2), 90, np.uint8)),
    ],
)
def test_read_rgb_converts_modes(tmp_path: Path, mode: str, array: np.ndarray) -> None:
    path = tmp_path / "x.png"
    Image.fromarray(array, mode=mode).save(path)
    rgb = read_rgb(path)
    assert rgb.shape == (40, 50, 3) and rgb.dtype == np.uint8


def test_read_rgb_palette_and_cmyk(tmp_path: Path) -> None:
    base = Image.fromarray(np.random.default_rng(1).integers(0, 255, (30, 30, 3), dtype=np.uint8))
    base.convert("P").save(tmp_path / "p.png")
    base.convert("CMYK").save(tmp_path / "c.jpg")
    assert read_rgb(tmp_path / "p.png").shape == (30, 30, 3)
    assert read_rgb(tmp_path / "c.jpg").shape == (30, 30, 3)


def test_read_rgb_sixteen_bit_keeps_top_byte(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    Image.fromarray(np.full((8, 8), 0xAB12, np.uint16)).save(path)
    rgb = read_rgb(path)
    assert rgb.shape == (8, 8, 3) and int(rgb[0, 0, 0]) == 0xAB


def test_read_rgb_reasons(tmp_path: Path) -> None:
    with pytest.raises(ImageReadError) as missing:
        read_rgb(tmp_path / "nope.jpg")
    assert missing.value.reason == "missing"
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    with pytest.raises(ImageReadError) as zero:
        read_rgb(empty)
    assert zero.value.reason == "empty_file"
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"not an image at all" * 10)
    with pytest.raises(ImageReadError) as undecodable:
        read_rgb(garbage)
    assert undecodable.value.reason == "undecodable"


def test_read_rgb_truncated_jpeg(lfw_root: Path, tmp_path: Path) -> None:
    source = next((lfw_root / "images_deepfunneled" / "Aaron_Eckhart").glob("*.jpg"))
    data = source.read_bytes()
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImageReadError) as error:
        read_rgb(truncated)
    assert error.value.reason == "truncated"
    assert "cut.jpg" in str(error.value)


def test_write_png_round_trip(tmp_path: Path) -> None:
    grey = np.arange(64, dtype=np.uint8).reshape(8, 8)
    write_png(tmp_path / "g.png", grey)
    assert np.array_equal(read_grey(tmp_path / "g.png"), grey)
    assert not list(tmp_path.glob(".*tmp"))


# --------------------------------------------------------------------------- huge images
# Pillow's default guard (Image.MAX_IMAGE_PIXELS = 89,478,485 px) must not decide what
# read_rgb accepts: MAX_PIXELS does. The files are written chunk by chunk so that the
# test never holds more than one row before decoding.

PILLOW_DEFAULT_LIMIT = 89_478_485


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _write_grey_png(path: Path, width: int, height: int, rows: Iterable[bytes]) -> None:
    """8-bit greyscale PNG from raw rows (filter type 0 prepended), streamed through zlib."""
    compressor = zlib.compressobj(6)
    with path.open("wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n")
        out.write(_png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)))
        for row in rows:
            data = compressor.compress(b"\x00" + row)
            if data:
                out.write(_png_chunk(b"IDAT", data))
        out.write(_png_chunk(b"IDAT", compressor.flush()))
        out.write(_png_chunk(b"IEND", b""))


def test_image_above_pillows_default_limit_but_within_max_pixels_decodes(tmp_path: Path) -> None:
    width, height = 10_000, 9_000  # 90 Mpx: Pillow's default would warn (-> was undecodable)
    assert PILLOW_DEFAULT_LIMIT < width * height <= MAX_PIXELS
    path = tmp_path / "huge.png"
    _write_grey_png(path, width, height, (bytes([y % 251]) * width for y in range(height)))
    assert path.stat().st_size < 2_000_000  # constant rows compress to almost nothing
    before = Image.MAX_IMAGE_PIXELS
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)  # none may be raised
        rgb = read_rgb(path)
    assert rgb.shape == (height, width, 3) and rgb.dtype == np.uint8
    for y in (0, 1, 250, 251, 4_567, height - 1):
        assert (rgb[y] == y % 251).all(), y
    assert Image.MAX_IMAGE_PIXELS == before  # the raised limit does not outlive the read


def _header_only_png(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims width x height, with a one-row IDAT: cheap to write,
    and any attempt to decode it would fail as truncated rather than as too large."""
    _write_grey_png(path, width, height, [bytes(16)])
    return path


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    "width, height",
    [
        (20_001, 20_000),  # just above MAX_PIXELS: Pillow (limit raised to it) only warns
        (40_000, 20_001),  # above 2 x MAX_PIXELS: Pillow itself refuses at open
    ],
)
def test_image_above_max_pixels_is_refused_without_decoding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, width: int, height: int
) -> None:
    from PIL import ImageFile

    path = _header_only_png(tmp_path / "bomb.png", width, height)

    def no_decoding(self: object) -> None:
        raise AssertionError("pixels of an image above MAX_PIXELS were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(ImageReadError) as error:
        read_rgb(path)
    assert error.value.reason == "too_large"
    assert "bomb.png" in str(error.value)
    assert f"{width * height:,}" in error.value.detail or str(width * height) in error.value.detail
    assert Image.MAX_IMAGE_PIXELS == before


def test_image_above_max_pixels_is_too_large_also_when_warnings_are_errors(tmp_path: Path) -> None:
    path = _header_only_png(tmp_path / "bomb.png", 20_001, 20_000)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # python -W error turns Pillow's warning into a raise
        with pytest.raises(ImageReadError) as error:
            read_rgb(path)
    assert error.value.reason == "too_large"


def test_concurrent_reads_restore_pillows_limit(tmp_path: Path) -> None:
    """The manifest reads in a thread pool: overlapping reads share the raised limit and
    the last one out restores Pillow's own value, also when some reads fail."""
    from concurrent.futures import ThreadPoolExecutor

    good = tmp_path / "good.png"
    Image.fromarray(np.full((64, 64), 7, np.uint8)).save(good)
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png" * 20)
    before = Image.MAX_IMAGE_PIXELS

    def read(path: Path) -> str:
        try:
            return str(read_rgb(path).shape)
        except ImageReadError as error:
            return error.reason

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(read, [good, bad] * 50))
    assert set(outcomes) == {"(64, 64, 3)", "undecodable"}
    assert Image.MAX_IMAGE_PIXELS == before


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_as_viewers_do(tmp_path: Path, orientation: int) -> None:
    from PIL import ImageOps

    from colourfr.images import EXIF_ORIENTATION, read_rgb_noting

    pixels = np.random.default_rng(orientation).integers(0, 256, (30, 50, 3), dtype=np.uint8)
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[EXIF_ORIENTATION] = orientation
    path = tmp_path / f"o{orientation}.png"
    image.save(path, exif=exif)
    rgb, note = read_rgb_noting(path)
    with Image.open(path) as stored:
        expected = np.asarray(ImageOps.exif_transpose(stored).convert("RGB"))
    np.testing.assert_array_equal(rgb, expected)
    assert rgb.shape == ((50, 30, 3) if orientation >= 5 else (30, 50, 3))
    assert note == ("" if orientation == 1 else f"EXIF orientation {orientation} applied")


def test_a_multi_frame_file_says_only_its_first_frame_is_used(tmp_path: Path) -> None:
    from colourfr.images import read_rgb_noting

    frames = [Image.new("RGB", (20, 10), colour) for colour in ("red", "green", "blue")]
    path = tmp_path / "stack.tif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    rgb, note = read_rgb_noting(path)
    assert tuple(rgb[0, 0]) == (255, 0, 0)
    assert note == "multi-frame file (3 frames): the first frame is used"


def test_blocked_greyscale_equals_the_whole_image_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from colourfr import images

    rgb = np.random.default_rng(7).integers(0, 256, (37, 29, 3), dtype=np.uint8)
    monkeypatch.setattr(images, "GREY_BLOCK_PIXELS", 100)  # 3 rows per block, ragged end
    np.testing.assert_array_equal(images.rec709_luma(rgb), images._rec709_block(rgb))


def test_cli_greyscale_to_a_folder_is_one_line_and_leaves_nothing(
    lfw_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from colourfr.cli import main

    source = next((lfw_root / "images_deepfunneled" / "Aaron_Eckhart").glob("*.jpg"))
    folder = tmp_path / "out"
    folder.mkdir()
    assert main(["greyscale", str(source), str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a folder" in err and str(folder) in err
    assert list(folder.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["out"]
