"""Built-in algorithms run as training jobs: `python -m studio.algorithms <algorithm>`.

The algorithms and their hyperparameters are described by catalogue.json, which the studio's
lib/algorithms.ts reads too (the one source of truth). Inputs follow SageMaker's script mode:
SM_CHANNEL_TRAIN (a directory with one CSV / JSON Lines / Parquet file), optional
SM_CHANNEL_VALIDATION, SM_HPS (a JSON object of string hyperparameters), SM_MODEL_DIR (gets
model.joblib + studio-model.json) and SM_OUTPUT_DATA_DIR (metrics.json and other extras).
Metrics are printed as `validation:<name>=<value>` lines and, when the studio SDK is configured
(STUDIO_URL), logged with studio.log_metrics.

Saved models are scikit-learn Pipelines (preprocessing + estimator) that refer to
studio.algorithms.estimators: loading one needs this package importable.
"""

from ._catalogue import algorithm_ids, get_algorithm, hyperparameters_of, load_catalogue, validate_hyperparameters

__all__ = ["algorithm_ids", "get_algorithm", "hyperparameters_of", "load_catalogue", "run", "validate_hyperparameters"]


def run(algorithm: str, environ=None):
    """Trains `algorithm` from the SM_* environment (os.environ by default); returns the model manifest."""
    from ._train import run as _run

    return _run(algorithm, environ)
