"""Models behind one interface, looked up by name in :data:`MODELS`."""

from models.base import MODELS, Model, make_model, register_model
from models.gbm import LightGBMModel
from models.linear import LogisticModel

__all__ = ["MODELS", "LightGBMModel", "LogisticModel", "Model", "make_model", "register_model"]
