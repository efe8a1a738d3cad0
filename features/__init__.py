"""Feature builders: pure functions from typed frames to (sparse) feature matrices."""

from features.base import FeatureSet

__all__ = ["FeatureSet"]
