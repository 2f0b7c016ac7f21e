"""Status values and failure reasons written into the workflow's files.

``status`` columns (manifest, variant indexes) hold :data:`STATUS_OK` or the reason the
image or variant could not be produced; ``failure`` columns (recognition records, quality
tables, score files) hold an empty value or the reason. Every reason counts as a
failure to acquire (FTA) downstream.
"""

from __future__ import annotations

STATUS_OK = "ok"

# Reading an image (colourfr.images)
REASON_MISSING = "missing"
REASON_EMPTY = "empty_file"
REASON_TRUNCATED = "truncated"
REASON_UNDECODABLE = "undecodable"
REASON_UNSUPPORTED_MODE = "unsupported_mode"
REASON_TOO_LARGE = "too_large"

# Listing a dataset (colourfr.datasets.manifest)
REASON_NO_IMAGES = "no_images"

# Recognition (colourfr.recognition)
FAILURE_UNREADABLE = "unreadable"
FAILURE_NO_FACE = "no_face"
FAILURE_EXTRACTION = "extraction_failed"
FAILURE_TOO_SMALL = "too_small"

# Quality (colourfr.quality)
REASON_NO_BBOX = "no_bbox"
REASON_NO_LANDMARKS = "no_landmarks"
REASON_EMPTY_CROP = "empty_crop"
REASON_BAD_IMAGE = "bad_image"
REASON_ALIGNMENT_FAILED = "alignment_failed"
