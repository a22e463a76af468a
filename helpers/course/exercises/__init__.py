"""Checks for the notebooks' exercises: ``check_…(your_function)`` tests a learner's answer
against the package's tested version and says, in words, what is wrong.

Each check returns ``True`` when the answer is right and prints one line either way, so it can
end a notebook cell. It never raises on a wrong answer (a learner's exception is reported too).
One module per topic; each check is exported here, so notebooks call
``helpers.exercises.check_…``.
"""

from .architecture import check_feature_map_size, check_parameter_count
from .extensions import (
    check_blended_gram_target,
    check_guided_gram,
    check_match_luminance,
    check_total_variation,
)
from .images import check_caffe_inverse, check_caffe_preprocess
from .loop import check_style_transfer_loop
from .losses import check_content_loss, check_gram_matrix, check_style_loss
from .optimisation import check_lbfgs_closure, check_total_loss
from .representations import check_cosine_matrix, check_relu_content_gradient, check_rescaled_style_loss
from .style_statistics import check_histogram_loss, check_mean_std_loss
from .vgg import check_receptive_field

__all__ = [
    "check_caffe_inverse",
    "check_blended_gram_target",
    "check_guided_gram",
    "check_match_luminance",
    "check_total_variation",
    "check_caffe_preprocess",
    "check_feature_map_size",
    "check_parameter_count",
    "check_content_loss",
    "check_cosine_matrix",
    "check_gram_matrix",
    "check_histogram_loss",
    "check_lbfgs_closure",
    "check_mean_std_loss",
    "check_receptive_field",
    "check_relu_content_gradient",
    "check_rescaled_style_loss",
    "check_style_loss",
    "check_style_transfer_loop",
    "check_total_loss",
]
