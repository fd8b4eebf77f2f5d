"""A zoo of small audio classifiers of different architectures, trained here and saved like hub models."""
from transferability.zoo.architectures import ARCHITECTURES, backbone_name, build
from transferability.zoo.evaluation import accuracy, model_facts
from transferability.zoo.training import TrainedModel, fit, save, train

__all__ = ["ARCHITECTURES", "TrainedModel", "accuracy", "backbone_name", "build", "fit", "model_facts", "save", "train"]
