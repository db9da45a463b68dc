"""Pieces of the saved model pipelines (model.joblib refers to them by this module's path: keep
the names and their pickled state stable). Only numpy, pandas and scikit-learn are imported here,
so loading a model does not pull in the trainer.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin


def _as_frame(X) -> pd.DataFrame:
    return X if isinstance(X, pd.DataFrame) else pd.DataFrame(X)


def _category_text(value):
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA or value is pd.NaT:
        return np.nan
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


class ToStrings(TransformerMixin, BaseEstimator):
    """Categorical columns as object arrays of text (booleans as "true"/"false", missing as NaN),
    so an imputer and a one-hot encoder see one type whatever the file or the request held."""

    def fit(self, X, y=None):
        self.n_features_in_ = _as_frame(X).shape[1]
        return self

    def transform(self, X):
        frame = _as_frame(X)
        return np.column_stack([frame.iloc[:, i].astype(object).map(_category_text).to_numpy(dtype=object) for i in range(frame.shape[1])]) if frame.shape[1] else np.empty((len(frame), 0), dtype=object)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(input_features, dtype=object)


class ToNumbers(TransformerMixin, BaseEstimator):
    """Numeric columns as floats (text that is not a number becomes missing)."""

    def fit(self, X, y=None):
        self.n_features_in_ = _as_frame(X).shape[1]
        return self

    def transform(self, X):
        frame = _as_frame(X)
        columns = [pd.to_numeric(frame.iloc[:, i].astype(object).map(lambda v: float(v) if isinstance(v, (bool, np.bool_)) else v), errors="coerce").to_numpy(dtype=float) for i in range(frame.shape[1])]
        return np.column_stack(columns) if columns else np.empty((len(frame), 0), dtype=float)

    def get_feature_names_out(self, input_features=None):
        return np.asarray(input_features, dtype=object)


class LabelEncodedClassifier(ClassifierMixin, BaseEstimator):
    """Fits `estimator` on labels 0..n-1 (what XGBoost requires) and predicts the original labels.

    `eval_set` passed to fit has its labels encoded the same way.
    """

    def __init__(self, estimator=None):
        self.estimator = estimator

    def _encode(self, y) -> np.ndarray:
        y = np.asarray(y)
        index = np.searchsorted(self.classes_, y)
        index = np.clip(index, 0, len(self.classes_) - 1)
        unknown = self.classes_[index] != y
        if unknown.any():
            raise ValueError(f"labels not seen in training: {sorted(set(y[unknown].tolist()))[:10]}")
        return index

    def fit(self, X, y, **fit_params):
        self.classes_ = np.unique(np.asarray(y))
        eval_set = fit_params.pop("eval_set", None)
        if eval_set is not None:
            fit_params["eval_set"] = [(Xe, self._encode(ye)) for Xe, ye in eval_set]
        self.estimator_ = self.estimator.fit(X, self._encode(y), **fit_params)
        return self

    def predict(self, X):
        return self.classes_[np.asarray(self.estimator_.predict(X)).astype(int)]

    def predict_proba(self, X):
        return self.estimator_.predict_proba(X)

    @property
    def feature_importances_(self):
        return self.estimator_.feature_importances_
