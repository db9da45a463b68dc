"""Automated labeling's training and threshold code (studio.autolabel): the split, the threshold
rule, and a model on a synthetic text dataset. The round's talk with the studio is covered by
server/labeling/auto-labeling.integration.test.ts (a real kernel on a real gateway)."""

import numpy as np
import pytest

from studio.autolabel import RoundError, choose_threshold, evaluate, predict, split_indices, train_text_model, validation_share


def test_validation_share_follows_sagemaker():
    assert validation_share(100) == 0.2
    assert validation_share(4_999) == 0.2
    assert validation_share(5_000) == 0.1


def test_split_is_stratified_and_sized():
    labels = np.array([0] * 80 + [1] * 20)
    train, val = split_indices(labels, 0.2, seed=1)
    assert len(val) == 20 and len(train) == 80
    assert set(train).isdisjoint(val) and len(set(train) | set(val)) == 100
    assert (labels[val] == 1).sum() == 4  # the class balance holds in validation
    # Same seed, same split; another seed, another split.
    assert np.array_equal(split_indices(labels, 0.2, seed=1)[1], val)
    assert not np.array_equal(split_indices(labels, 0.2, seed=2)[1], val)
    # A class with a single item cannot be stratified; the split still happens.
    train, val = split_indices(np.array([0, 0, 0, 0, 1]), 0.2, seed=0)
    assert len(val) == 1 and len(train) == 4
    with pytest.raises(RoundError):
        split_indices(np.array([0]), 0.2, seed=0)


def test_threshold_is_the_lowest_confidence_that_reaches_the_target():
    # 20 validation items, most confident first: the top 12 right, then a wrong one, then mixed.
    confidence = np.linspace(0.99, 0.60, 20)
    correct = np.array([1] * 12 + [0] + [1] * 3 + [0, 1, 0, 0], dtype=bool)
    # Accuracy of the top k: 12/12, 12/13 = 0.923, 13/14, 14/15 = 0.933, 15/16 = 0.9375, ...
    threshold, accuracy, support = choose_threshold(confidence, correct, 0.95)
    assert support == 12 and accuracy == 1.0 and threshold == pytest.approx(confidence[11])
    threshold, accuracy, support = choose_threshold(confidence, correct, 0.93)
    assert support == 16 and accuracy == pytest.approx(15 / 16) and threshold == pytest.approx(confidence[15])
    # Everything counts when the whole split is accurate enough: the threshold is the lowest confidence.
    assert choose_threshold(confidence, correct, 0.5) == (pytest.approx(0.60), pytest.approx(16 / 20), 20)


def test_threshold_takes_ties_together_and_needs_support():
    # Two items at 0.9, one wrong: a threshold of 0.9 takes both (50%), never just the right one.
    confidence = np.array([0.9, 0.9, 0.8])
    correct = np.array([True, False, True])
    assert choose_threshold(confidence, correct, 0.9, min_support=1) == (None, None, 0)
    # One lucky item is not enough when more are required.
    confidence = np.linspace(0.99, 0.5, 30)
    correct = np.array([1] + [0] * 29, dtype=bool)
    assert choose_threshold(confidence, correct, 0.95) == (None, None, 0)
    assert choose_threshold(confidence, correct, 0.95, min_support=1)[2] == 1
    assert choose_threshold(np.array([]), np.array([], dtype=bool), 0.95) == (None, None, 0)


def synthetic(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Reviews: easy ones name their class plainly; a few ambiguous ones mix both."""
    rng = np.random.default_rng(seed)
    good = ["great", "excellent", "wonderful", "superb", "love"]
    bad = ["awful", "terrible", "broken", "horrible", "refund"]
    filler = ["the", "product", "arrived", "on", "time", "box", "color", "size", "day", "week"]
    texts, labels = [], []
    for i in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.choice(filler, 6))
        if i % 10 == 9:  # ambiguous: one word of each
            words += [rng.choice(good), rng.choice(bad)]
        else:
            words += list(rng.choice(good if label == 0 else bad, 2))
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(label)
    return texts, np.array(labels)


def test_text_model_separates_easy_items_and_finds_a_threshold():
    texts, labels = synthetic(300, seed=3)
    result = evaluate(texts, labels, ["good", "bad"], target=0.95, share=0.2, seed=1)
    assert result.train_size == 240 and result.validation_size == 60
    assert result.validation_accuracy > 0.85
    assert result.threshold is not None and result.threshold_accuracy >= 0.95 and result.threshold_support >= 10
    # Easy items of a fresh sample above the threshold are right; the ambiguous ones score lower.
    fresh, truth = synthetic(200, seed=4)
    predicted, confidence = predict(result.model, fresh)
    above = confidence >= result.threshold
    assert above.sum() > 100
    assert (predicted[above] == truth[above]).mean() >= 0.95
    ambiguous = np.arange(200) % 10 == 9
    assert confidence[ambiguous].mean() < confidence[~ambiguous].mean()
    assert set(result.report()) == {"trainSize", "validationSize", "validationAccuracy", "threshold", "thresholdAccuracy", "thresholdSupport"}


def test_one_class_is_refused_with_a_reason():
    with pytest.raises(RoundError, match="one class only \\(good\\)"):
        evaluate(["nice", "fine", "great"], np.array([0, 0, 0]), ["good", "bad"], 0.95, 0.2, 0)


def test_model_labels_are_the_jobs_class_ids():
    # Classes 1 and 3 of a four-label job: predictions name those ids, not positions.
    model = train_text_model(["alpha one", "alpha two", "beta one", "beta two"], np.array([1, 1, 3, 3]))
    predicted, confidence = predict(model, ["alpha three", "beta three"])
    assert list(predicted) == [1, 3]
    assert ((confidence > 0.5) & (confidence <= 1)).all()
