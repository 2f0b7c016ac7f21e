"""LFW verification accuracy (pairs.txt, 10-fold) and TAR@FAR for a recognition system.

A sanity benchmark, not a tuned test: does the system as configured here reach the
accuracy published for it? Every image named in pairs.txt is embedded once (7,701
unique images for the 6,000 pairs), pairs are scored by cosine similarity, and the
standard unrestricted protocol is applied: for each fold, the threshold that maximises
accuracy on the other nine folds is used on the held-out fold; the mean and standard
deviation over folds are reported.

Failures to acquire (no face found) are not dropped: a pair with a failed image gets
the lowest possible score (-1), i.e. it is declared "different" -- an error for a
genuine pair, correct for an impostor pair. The accuracy over acquired pairs only is
reported alongside.

TAR@FAR: over all 3,000 impostor pairs, the threshold is the score that at most
FAR x 3000 impostor pairs exceed (FAR 0.1% -> 3 pairs, so this figure is coarse), and
TAR is the fraction of the 3,000 genuine pairs above it.

Usage:
  python bench/recognition/lfw_accuracy_pairs.py --system mobilefacenet \
      --recogniser RES/models/mobilefacenet-arcface.onnx [--folds 1-10] [--threads 2]
  python bench/recognition/lfw_accuracy_pairs.py --system dlib-hog
Writes bench/recognition/lfw_accuracy_<system>.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
LFW = ROOT.parent / "shared" / "data" / "lfw"
RESULTS = Path(__file__).resolve().parent


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
                pairs.append(Pair(fold, image_id(fields[0], fields[1]), image_id(fields[0], fields[2]), True))
            elif len(fields) == 4:
                pairs.append(Pair(fold, image_id(fields[0], fields[1]), image_id(fields[2], fields[3]), False))
            else:
                raise ValueError(f"pairs.txt line {cursor + offset + 1}: unexpected {fields}")
        cursor += 2 * per_side
    return pairs


def best_threshold(scores: np.ndarray, genuine: np.ndarray) -> float:
    """Threshold (decide genuine when score > t) maximising accuracy on these pairs."""
    candidates = np.unique(scores)
    # Midpoints between consecutive distinct scores, plus both ends.
    thresholds = np.concatenate([[candidates[0] - 1e-6], (candidates[:-1] + candidates[1:]) / 2])
    accuracies = [np.mean((scores > t) == genuine) for t in thresholds]
    return float(thresholds[int(np.argmax(accuracies))])


def ten_fold_accuracy(scores: np.ndarray, genuine: np.ndarray, folds: np.ndarray) -> list[float]:
    results = []
    for fold in np.unique(folds):
        train, test = folds != fold, folds == fold
        threshold = best_threshold(scores[train], genuine[train])
        results.append(float(np.mean((scores[test] > threshold) == genuine[test])))
    return results


def tar_at_far(scores: np.ndarray, genuine: np.ndarray, far: float) -> float:
    impostor = np.sort(scores[~genuine])[::-1]
    allowed = int(np.floor(far * impostor.size))  # impostor pairs allowed above threshold
    threshold = impostor[allowed] if allowed < impostor.size else -np.inf
    return float(np.mean(scores[genuine] > threshold))


def build_system(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    if args.system == "dlib-hog":
        from colourfr.recognition.dlib_resnet import DlibResNet

        return DlibResNet(detector="hog", upsample=1, threads=args.threads)
    from colourfr.recognition.insightface_arcface import InsightFaceArcFace

    return InsightFaceArcFace(
        detector=args.detector, recogniser=args.recogniser, det_size=(640, 640),
        det_thresh=0.5, device="cpu", threads=args.threads,
    )


def embed_all(system, ids: list[str], batch: int, cache: Path | None) -> tuple[np.ndarray, list[str | None]]:  # type: ignore[no-untyped-def]
    """Embed ``ids`` in order; with ``cache``, reuse and periodically save finished rows
    (so an interrupted run can be evaluated on the folds it completed)."""
    from colourfr.images import read_rgb

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
            np.savez(cache.with_suffix(".tmp.npz"), ids=np.array(ids)[done_mask],
                     embeddings=embeddings[done_mask],
                     failures=np.array([f or "" for f in failures])[done_mask])
            cache.with_suffix(".tmp.npz").replace(cache)

    todo = [row for row in range(len(ids)) if not done_mask[row]]
    started = time.perf_counter()
    try:
        for count, start in enumerate(range(0, len(todo), batch)):
            rows = todo[start : start + batch]
            chunk = [ids[r] for r in rows]
            images = [read_rgb(LFW / "images_deepfunneled" / f"{i}.jpg") for i in chunk]
            records, vectors = system.process(images, chunk)
            for row, record, vector in zip(rows, records, vectors):
                embeddings[row], failures[row], done_mask[row] = vector, record.failure, True
            rate = (start + len(rows)) / (time.perf_counter() - started)
            print(f"{int(done_mask.sum())}/{len(ids)} images, {rate:.1f} img/s", file=sys.stderr, flush=True)
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
    return list(range(int(first) - 1, int(last or first)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--system", choices=["mobilefacenet", "buffalo_l", "dlib-hog"], required=True)
    parser.add_argument("--detector", default=str(ROOT.parent / "shared/models/scrfd/scrfd_2.5g_kps.onnx"))
    parser.add_argument("--recogniser")
    parser.add_argument("--folds", default="1-10", help="1-based fold range, e.g. 1-10 or 1-3")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--cache", type=Path, help="npz of finished embeddings (resume/subset)")
    args = parser.parse_args()

    pairs = [p for p in parse_pairs((LFW / "pairs.txt").read_text()) if p.fold in parse_folds(args.folds)]
    ids = images_in_fold_order(pairs)
    system = build_system(args)
    started = time.perf_counter()
    embeddings, failures = embed_all(system, ids, args.batch, args.cache)
    elapsed = time.perf_counter() - started
    row_of = {image: row for row, image in enumerate(ids)}

    first = np.array([row_of[p.first] for p in pairs])
    second = np.array([row_of[p.second] for p in pairs])
    genuine = np.array([p.genuine for p in pairs])
    folds = np.array([p.fold for p in pairs])
    raw = np.sum(embeddings[first] * embeddings[second], axis=1)
    acquired = np.isfinite(raw)
    scores = np.where(acquired, raw, -1.0)  # failure -> declared "different"

    accuracies = ten_fold_accuracy(scores, genuine, folds)
    acquired_acc = ten_fold_accuracy(scores[acquired], genuine[acquired], folds[acquired])
    result = {
        "system": args.system,
        "provenance": system.provenance(),
        "folds": sorted(int(f) + 1 for f in np.unique(folds)),
        "pairs": len(pairs),
        "images": len(ids),
        "fta_images": sum(f is not None for f in failures),
        "failure_counts": {r: failures.count(r) for r in sorted({f for f in failures if f})},
        "pairs_with_failure": int((~acquired).sum()),
        "accuracy_mean": float(np.mean(accuracies)),
        "accuracy_std": float(np.std(accuracies)),
        "accuracy_per_fold": accuracies,
        "accuracy_acquired_only_mean": float(np.mean(acquired_acc)),
        "tar_at_far_0.1%": tar_at_far(scores, genuine, 0.001),
        "tar_at_far_1%": tar_at_far(scores, genuine, 0.01),
        "embed_seconds_this_run": elapsed,
    }
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"lfw_accuracy_{args.system}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps({k: v for k, v in result.items() if k != "provenance"}, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
