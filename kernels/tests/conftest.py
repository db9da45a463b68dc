"""pytest fixtures for kernels/ tests (helpers live in kgtest.py)."""

from kgtest import fake, gateway  # noqa: F401  (re-exported fixtures)
