"""Models behind one interface, looked up by name in :data:`MODELS`."""

from models.base import MODELS, Model, make_model, register_model
from models.cat import CatBoostModel
from models.gbm import LightGBMModel
from models.linear import LogisticModel
from models.xgb import XGBoostModel

__all__ = [
    "MODELS",
    "CatBoostModel",
    "LightGBMModel",
    "LogisticModel",
    "Model",
    "XGBoostModel",
    "make_model",
    "register_model",
]
