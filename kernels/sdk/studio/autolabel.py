"""A round of automated labeling (SageMaker Ground Truth's "automated data labeling").

What the studio's worker runs in a kernel on the compute host for one round of a labeling job:

    from studio.autolabel import run_round; run_round()

Environment: STUDIO_URL, STUDIO_TOKEN (the round's own token), STUDIO_LABELING_ROUND_ID. It reads
the job's human-labeled items (their consolidated labels) from the studio, splits them into train
and validation (validation 20% below 5,000 items, 10% above; stratified when every class allows),
trains a model (texts: TF-IDF + logistic regression), picks on validation the lowest confidence
threshold whose items reach the target accuracy, reports that, then scores the unlabeled items page
by page and sends the predictions back; the studio machine-labels those at or above the threshold
and puts the rest in order for people, least confident first. Every outcome, a failure included,
is reported to the studio.
"""

from __future__ import annotations

import os
import sys
import time
import traceback
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import numpy as np

from ._http import Client, Config, StudioError, retrying

PAGE = 2_000  # items per page read from the studio
PREDICTIONS_PER_REQUEST = 2_000  # the studio takes at most 2,000 a request
# The threshold must hold on at least this many validation items (or all of them, if fewer): one
# lucky item at 100% says nothing about the machine's labels.
MIN_THRESHOLD_SUPPORT = 10
RETRY_SECONDS = 600.0  # the studio unreachable this long → the round fails
REASON_LIMIT = 4_000


class RoundError(Exception):
    """The round cannot train (too few labels, one class only, …): reported as its reason."""


def validation_share(items: int) -> float:
    """SageMaker's split: 20% of the items for validation below 5,000 items, 10% above."""
    return 0.2 if items < 5_000 else 0.1


def split_indices(labels: np.ndarray, share: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Train and validation positions: `share` of the items (at least one) for validation,
    stratified by label when every class has two items and both sides can hold every class."""
    from sklearn.model_selection import train_test_split

    n = len(labels)
    if n < 2:
        raise RoundError(f"a round needs at least 2 human-labeled items (it has {n})")
    n_val = min(n - 1, max(1, round(n * share)))
    classes, counts = np.unique(labels, return_counts=True)
    stratify = labels if counts.min() >= 2 and n_val >= len(classes) and n - n_val >= len(classes) else None
    train, val = train_test_split(np.arange(n), test_size=n_val, random_state=seed, stratify=stratify)
    return np.sort(train), np.sort(val)


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target: float, min_support: int = MIN_THRESHOLD_SUPPORT) -> tuple[float | None, float | None, int]:
    """The lowest confidence t such that the validation items with confidence >= t are at least
    `target` accurate and number at least min(min_support, all). Returns (t, their accuracy, their
    number), or (None, None, 0) when no threshold reaches the target."""
    n = len(confidence)
    if n == 0:
        return None, None, 0
    order = np.argsort(-confidence, kind="stable")
    conf = confidence[order]
    accuracy = np.cumsum(correct[order].astype(float)) / np.arange(1, n + 1)
    # Cut only after the last of equal confidences: a threshold takes all of its ties.
    ends = np.flatnonzero(np.r_[conf[1:] != conf[:-1], True])
    support = ends + 1
    ok = (support >= min(min_support, n)) & (accuracy[ends] >= target - 1e-12)
    if not ok.any():
        return None, None, 0
    cut = ends[np.flatnonzero(ok)[-1]]  # the most items, i.e. the lowest threshold
    return float(conf[cut]), float(accuracy[cut]), int(cut + 1)


def train_text_model(texts: list[str], labels: np.ndarray, seed: int = 0) -> Any:
    """TF-IDF over words + multinomial logistic regression. (Word pairs made thresholds less
    reliable on the small training sets of early rounds: more features than examples.)"""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline

    model = Pipeline(
        [
            ("tfidf", TfidfVectorizer(sublinear_tf=True, max_features=200_000, strip_accents="unicode")),
            ("classifier", LogisticRegression(C=4.0, max_iter=2_000, random_state=seed)),
        ]
    )
    model.fit(texts, labels)
    return model


def predict(model: Any, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Each text's most probable label (a class id of the job) and that probability."""
    probabilities = model.predict_proba(texts)
    best = probabilities.argmax(axis=1)
    return model.classes_[best].astype(int), probabilities[np.arange(len(texts)), best]


@dataclass
class Evaluation:
    model: Any
    train_size: int
    validation_size: int
    validation_accuracy: float
    threshold: float | None
    threshold_accuracy: float | None
    threshold_support: int

    def report(self) -> dict[str, Any]:
        return {
            "trainSize": self.train_size,
            "validationSize": self.validation_size,
            "validationAccuracy": self.validation_accuracy,
            "threshold": self.threshold,
            "thresholdAccuracy": self.threshold_accuracy,
            "thresholdSupport": self.threshold_support,
        }


def evaluate(texts: list[str], labels: np.ndarray, label_names: list[str], target: float, share: float, seed: int) -> Evaluation:
    """Splits, trains on the train part and picks the threshold on the validation part."""
    present = np.unique(labels)
    if len(present) < 2:
        name = label_names[int(present[0])] if len(present) == 1 and int(present[0]) < len(label_names) else "none"
        raise RoundError(f"the human labels so far have one class only ({name}); a model needs examples of at least two")
    train, val = split_indices(labels, share, seed)
    if len(np.unique(labels[train])) < 2:
        raise RoundError("the training split has one class only; more human labels of the other classes are needed")
    model = train_text_model([texts[i] for i in train], labels[train], seed)
    predicted, confidence = predict(model, [texts[i] for i in val])
    correct = predicted == labels[val]
    threshold, threshold_accuracy, support = choose_threshold(confidence, correct, target)
    return Evaluation(model, len(train), len(val), float(correct.mean()), threshold, threshold_accuracy, support)


# --- talking to the studio ----------------------------------------------------------------------


def _client() -> tuple[Client, str]:
    round_id = os.environ.get("STUDIO_LABELING_ROUND_ID", "")
    url = os.environ.get("STUDIO_URL", "")
    if not round_id or not url:
        raise RoundError("STUDIO_URL and STUDIO_LABELING_ROUND_ID are not set: the studio's worker starts rounds")
    return Client(Config(url=url, token=os.environ.get("STUDIO_TOKEN"), project=os.environ.get("STUDIO_PROJECT_ID"))), round_id


def _call(fn: Callable[[], Any]) -> Any:
    return retrying(fn, deadline=time.monotonic() + RETRY_SECONDS)


def _pages(client: Client, round_id: str, item_set: str) -> Iterator[list[dict[str, Any]]]:
    after: int | None = None
    while True:
        query = {"set": item_set, "limit": PAGE, "after": after}
        page = _call(lambda: client.request_json("GET", f"/api/labeling/rounds/{round_id}/items", query=query))
        if page["items"]:
            yield page["items"]
        if page["next"] is None:
            return
        after = page["next"]


def run_round() -> None:
    """Runs the round named by the environment and reports its outcome (never raises for a
    failure it could report)."""
    client, round_id = _client()
    path = f"/api/labeling/rounds/{round_id}"
    try:
        spec = _call(lambda: client.request_json("GET", path))["round"]
        texts: list[str] = []
        labels: list[int] = []
        for page in _pages(client, round_id, "training"):
            for item in page:
                if "label" in item:
                    texts.append(item["text"])
                    labels.append(int(item["label"]))
        print(f"round {spec['number']}: {len(texts)} human-labeled items", flush=True)
        result = evaluate(texts, np.asarray(labels, dtype=int), spec["labels"], float(spec["targetAccuracy"]), float(spec["validationShare"]), int(spec["number"]))
        print(f"round {spec['number']}: validation accuracy {result.validation_accuracy:.3f}, threshold {result.threshold}", flush=True)
        _call(lambda: client.request_json("POST", f"{path}/report", json_body=result.report()))
        for page in _pages(client, round_id, "candidates"):
            predicted, confidence = predict(result.model, [item["text"] for item in page])
            for start in range(0, len(page), PREDICTIONS_PER_REQUEST):
                body = {
                    "predictions": [
                        {"id": item["id"], "label": int(label), "confidence": float(min(1.0, max(0.0, conf)))}
                        for item, label, conf in zip(page[start : start + PREDICTIONS_PER_REQUEST], predicted[start:], confidence[start:])
                    ]
                }
                _call(lambda: client.request_json("POST", f"{path}/predictions", json_body=body))
        _call(lambda: client.request_json("POST", f"{path}/finish", json_body={"status": "completed"}))
    except Exception as error:  # noqa: BLE001 - every failure becomes the round's reason
        if isinstance(error, StudioError) and error.status == 409:
            return  # the round already ended (stopped or failed by the studio): nothing to report
        reason = str(error) if isinstance(error, RoundError) else f"{type(error).__name__}: {error}"
        traceback.print_exc(file=sys.stderr)
        _call(lambda: client.request_json("POST", f"{path}/finish", json_body={"status": "failed", "reason": reason[:REASON_LIMIT]}))


if __name__ == "__main__":
    run_round()
