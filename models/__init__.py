"""Models behind one interface, looked up by name in :data:`MODELS`."""

from models.base import MODELS, Model, make_model, register_model
from models.cat import CatBoostModel
from models.classic import (
    KernelSVMModel,
    KNeighborsModel,
    LinearSVMModel,
    LogisticKBestModel,
    LogisticPCAModel,
    RandomForestModel,
)
from models.gbm import LightGBMModel
from models.linear import LogisticModel
from models.neural import MLPModel
from models.xgb import XGBoostModel

__all__ = [
    "MODELS",
    "CatBoostModel",
    "KNeighborsModel",
    "KernelSVMModel",
    "LightGBMModel",
    "LinearSVMModel",
    "LogisticKBestModel",
    "LogisticModel",
    "LogisticPCAModel",
    "MLPModel",
    "Model",
    "RandomForestModel",
    "XGBoostModel",
    "make_model",
    "register_model",
]
