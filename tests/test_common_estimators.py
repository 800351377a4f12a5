"""scikit-learn's estimator checks over every estimator of risk/, segmentation/ and
prospect/model/, with the known failures listed and explained (as imblearn's test_common)."""

from __future__ import annotations

from sklearn.utils.estimator_checks import parametrize_with_checks

from prospect.model.preprocess import FramePreparer
from prospect.model.propensity import PropensityModel
from risk import Challenger, Scorecard, ScoreRegressor, WOEBinner
from risk.stepwise_regression import StepwiseLogisticRegression
from segmentation import PersonaSegmenter

ESTIMATORS = [
    WOEBinner(),
    Scorecard(min_iv=0.0),  # random check data: keep every feature (the default drops all)
    Challenger(n_estimators=20),
    ScoreRegressor(n_estimators=20),
    StepwiseLogisticRegression(),
    PersonaSegmenter(n_clusters=2, sample_size=200, selection_size=100, n_init=1),
    PropensityModel(calibration=None),
    FramePreparer(),
]

EVENT_01 = (
    "the target must be coded 0/1 with 1 = the event (a default): these checks relabel y as "
    "{1, 2} or strings, and guessing which label is the event would silently flip every point"
)
Y_COLUMN = "a column-vector y is ravelled without a DataConversionWarning"
WOE_FRAME = "transform returns a float64 DataFrame of WOE named by feature, not the input dtype"
NAMED_COLUMNS = (
    "spec-driven: configured with named numeric/categorical/boolean columns and fitted on a "
    "DataFrame holding them; the checks pass bare arrays without column names or lists"
)
# the checks that feed every estimator bare arrays (the spec-driven ones cannot take them)
ARRAY_FED = [
    "check_fit_score_takes_y",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_readonly_memmap_input",
    "check_n_features_in_after_fitting",
    "check_positive_only_tag_during_fit",
    "check_estimators_dtypes",
    "check_complex_data",
    "check_dtype_object",
    "check_estimators_empty_data_messages",
    "check_pipeline_consistency",
    "check_estimators_nan_inf",
    "check_estimators_pickle",
    "check_estimators_pickle(readonly_memmap=True)",
    "check_f_contiguous_array_estimator",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_fit2d_1sample",
    "check_fit2d_1feature",
    "check_dict_unchanged",
    "check_fit_idempotent",
    "check_fit_check_is_fitted",
    "check_n_features_in",
    "check_fit2d_predict1d",
]

EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "WOEBinner": {
        "check_estimators_dtypes": EVENT_01,
        "check_transformer_preserve_dtypes": WOE_FRAME,
        "check_fit2d_1feature": EVENT_01,
    },
    "Scorecard": {
        "check_estimators_dtypes": EVENT_01,
        "check_classifier_data_not_an_array": EVENT_01,
        "check_classifiers_classes": EVENT_01,
        "check_supervised_y_2d": Y_COLUMN,
        "check_fit2d_1feature": EVENT_01,
    },
    "Challenger": {
        "check_estimators_dtypes": EVENT_01,
        "check_classifier_data_not_an_array": EVENT_01,
        "check_classifiers_classes": EVENT_01,
        "check_supervised_y_2d": Y_COLUMN,
        "check_fit2d_1feature": EVENT_01,
    },
    "ScoreRegressor": {
        "check_supervised_y_2d": Y_COLUMN,
    },
    "PersonaSegmenter": dict.fromkeys(
        [
            *ARRAY_FED,
            "check_estimator_sparse_tag",
            "check_estimator_sparse_array",
            "check_estimator_sparse_matrix",
            "check_clustering",
            "check_clustering(readonly_memmap=True)",
            "check_non_transformer_estimators_n_iter",
            "check_fit1d",
        ],
        NAMED_COLUMNS,
    ),
    "PropensityModel": dict.fromkeys(
        [
            *ARRAY_FED,
            "check_estimators_unfitted",
            "check_estimator_sparse_tag",
            "check_estimator_sparse_array",
            "check_estimator_sparse_matrix",
            "check_classifier_data_not_an_array",
            "check_classifiers_one_label",
            "check_classifiers_classes",
            "check_classifiers_train",
            "check_classifiers_train(readonly_memmap=True)",
            "check_classifiers_train(readonly_memmap=True,X_dtype=float32)",
            "check_classifiers_regression_target",
            "check_supervised_y_2d",
            "check_decision_proba_consistency",
            "check_requires_y_none",
        ],
        NAMED_COLUMNS,
    ),
    "FramePreparer": dict.fromkeys(
        [
            *ARRAY_FED,
            "check_transformer_data_not_an_array",
            "check_transformer_general",
            "check_transformer_preserve_dtypes",
            "check_transformer_general(readonly_memmap=True)",
            "check_fit1d",
        ],
        NAMED_COLUMNS,
    ),
}


def expected_failed_checks(estimator) -> dict[str, str]:
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
