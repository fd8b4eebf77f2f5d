"""A zoo of small audio classifiers of different architectures, trained here and saved like hub models."""
from transferability.models.zoo.architectures import ARCHITECTURES, backbone_name, build
from transferability.models.zoo.evaluation import accuracy, model_facts
from transferability.models.zoo.training import TrainedModel, fit, pad_to_common_length, save, train

__all__ = [
    "ARCHITECTURES", "TrainedModel", "accuracy", "backbone_name", "build", "fit", "model_facts",
    "pad_to_common_length", "save", "train",
]
