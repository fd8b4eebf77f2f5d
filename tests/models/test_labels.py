"""Label normalisation, synonyms, overrides and the per-model mapping onto canonical labels."""
import numpy as np
import pytest

from transferability.models.labels import PAPER_TASK_LABELS, LabelMap, LabelMappingError, normalise_label

SPOOF = PAPER_TASK_LABELS["spoof"]
EMOTION = PAPER_TASK_LABELS["emotion"]


def test_normalise_label():
    assert normalise_label("hip-hop") == normalise_label("hiphop") == normalise_label("Hip Hop") == "hiphop"
    assert normalise_label("bona-fide") == normalise_label("Bona Fide") == "bonafide"
    assert normalise_label("  Rock_n'Roll ") == "rocknroll"


def test_genre_spellings_map_by_normalised_name():
    model = ("Blues", "Classical", "Country", "Disco", "Hip-Hop", "Jazz", "Metal", "Pop", "Reggae", "Rock")
    label_map = LabelMap.build("mc", model, PAPER_TASK_LABELS["genre"])
    assert label_map.indices == tuple(range(10))
    assert label_map.mapping["Hip-Hop"] == "hiphop"


@pytest.mark.parametrize("model_labels, expected", [
    (("real", "fake"), (0, 1)),
    (("spoof", "bona-fide"), (1, 0)),
    (("genuine", "spoofed"), (0, 1)),
    (("Deepfake", "Bonafide"), (1, 0)),
])
def test_spoof_synonyms(model_labels, expected):
    assert LabelMap.build("sp", model_labels, SPOOF).indices == expected


def test_emotion_synonyms_and_order():
    model = ("anger", "calm", "disgusted", "fear", "happiness", "neutral", "sadness", "surprise")
    label_map = LabelMap.build("vc", model, EMOTION)
    assert [label_map.canonical[i] for i in label_map.indices] == [
        "angry", "calm", "disgust", "fearful", "happy", "neutral", "sad", "surprised"]
    assert label_map.canonical_index(0) == EMOTION.index("angry")


def test_neutral_and_calm_are_not_merged():
    with pytest.raises(LabelMappingError, match="'neutral'"):
        LabelMap.build("vc", ("neutral", "happy"), ("calm", "happy"))


def test_exact_name_wins_over_synonym():
    label_map = LabelMap.build("m", ("fear", "fearful"), ("fearful", "fear"))
    assert label_map.indices == (1, 0)


def test_synonym_of_two_canonical_labels_is_an_error():
    with pytest.raises(LabelMappingError, match="synonym of more than one"):
        LabelMap.build("m", ("bonafide", "spoof"), ("real", "genuine", "spoof"))


def test_unmapped_label_error_names_model_label_and_canonical():
    with pytest.raises(LabelMappingError) as error:
        LabelMap.build("my-model", ("LABEL_0", "LABEL_1"), SPOOF)
    message = str(error.value)
    assert "my-model" in message and "LABEL_0" in message and "bonafide, spoof" in message


def test_overrides():
    label_map = LabelMap.build("m", ("LABEL_0", "LABEL_1"), SPOOF, {"LABEL_0": "spoof", "LABEL_1": "bonafide"})
    assert label_map.indices == (1, 0)
    partial = LabelMap.build("m", ("LABEL_0", "real"), SPOOF, {"LABEL_0": "spoof"})
    assert partial.indices == (1, 0)


def test_override_must_name_existing_labels():
    with pytest.raises(LabelMappingError, match="does not have"):
        LabelMap.build("m", ("real", "fake"), SPOOF, {"REAL": "bonafide"})
    with pytest.raises(LabelMappingError, match="not a canonical label"):
        LabelMap.build("m", ("real", "fake"), SPOOF, {"real": "bona-fide"})  # verbatim, not normalised


def test_automatic_collision_is_an_error():
    with pytest.raises(LabelMappingError, match="both map to canonical label 'bonafide'"):
        LabelMap.build("m", ("real", "bonafide", "fake"), SPOOF)


def test_override_may_merge_classes_and_probabilities_are_summed():
    label_map = LabelMap.build("m", ("real", "tts", "vc"), SPOOF, {"tts": "spoof", "vc": "spoof"})
    assert label_map.indices == (0, 1, 1)
    probs = np.array([[0.2, 0.5, 0.3], [0.9, 0.05, 0.05]])
    np.testing.assert_allclose(label_map.to_canonical(probs), [[0.2, 0.8], [0.9, 0.1]])


def test_unused_canonical_label_gets_zero_probability():
    label_map = LabelMap.build("m", ("happy", "sad"), EMOTION)
    canonical = label_map.to_canonical(np.array([[0.7, 0.3]]))
    assert canonical.shape == (1, len(EMOTION))
    assert canonical[0, EMOTION.index("happy")] == 0.7 and canonical[0, EMOTION.index("sad")] == 0.3
    assert canonical.sum() == pytest.approx(1.0)


def test_to_canonical_checks_width():
    label_map = LabelMap.build("m", ("real", "fake"), SPOOF)
    with pytest.raises(ValueError, match="3 classes"):
        label_map.to_canonical(np.ones((1, 3)) / 3)


def test_bad_label_sets():
    with pytest.raises(LabelMappingError, match="distinct"):
        LabelMap.build("m", ("real", "fake"), ("bona fide", "bonafide"))
    with pytest.raises(LabelMappingError, match="distinct"):
        LabelMap.build("m", ("real", "real"), SPOOF)
