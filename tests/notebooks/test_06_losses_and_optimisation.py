"""What notebook 06_losses_and_optimisation computes (run once, in quick mode, by the harness)."""

from __future__ import annotations

import pytest

from tests.notebooks.harness import run_notebook

pytestmark = pytest.mark.notebooks


@pytest.fixture(scope="module")
def nb06() -> dict:
    return run_notebook("06_losses_and_optimisation.ipynb").snapshot


# --- 06: losses and optimisation ---------------------------------------------------------------


def test_06_larger_ratio_keeps_more_content(nb06):
    runs = list(nb06["ratio_runs"].values())
    ratios = [run["settings"]["ratio"] for run in runs]
    assert ratios == sorted(ratios) and len(runs) == 3
    assert runs[-1]["final"]["content"] < runs[0]["final"]["content"]


def test_06_scaling_alpha_and_beta_together_barely_changes_the_path(nb06):
    runs = nb06["scale_runs"]
    unscaled, scaled = runs["1.0"], runs["0.001"]
    assert scaled["settings"]["alpha"] / scaled["settings"]["beta"] == pytest.approx(nb06["RATIO"])
    assert scaled["settings"]["beta"] == pytest.approx(1e-3) and unscaled["settings"]["beta"] == 1.0
    assert scaled["first"]["total"] == pytest.approx(1e-3 * unscaled["first"]["total"], rel=1e-4)
    assert scaled["final"]["total"] == pytest.approx(1e-3 * unscaled["final"]["total"], rel=0.05)
    assert nb06["scale_image_difference"] < 0.02
    assert nb06["scale_style_gap"] < 0.05


def test_06_scaling_up_near_float32s_limit_breaks_the_invariance(nb06):
    assert nb06["first_slope"] < 0
    s_star = nb06["overflow_scale"]
    assert (nb06["first_slope"] * s_star**2) ** 2 == pytest.approx(nb06["FLOAT32_MAX"], rel=1e-3)
    run = nb06["up_run"]
    assert run["settings"]["beta"] == pytest.approx(nb06["UP"]) and nb06["UP"] < s_star
    assert run["stopped"] == "diverged"  # the line search's overflow turned the loss into NaN
    assert run["steps"] <= nb06["UP_STEPS"]


def test_06_content_loss_grows_with_size_and_the_layers_are_unbalanced(nb06):
    assert nb06["content_growth"] > 2.5 and 0.5 < nb06["style_growth"] < 2
    assert nb06["RATIO"] == pytest.approx(1e-3 * (256 / nb06["SIZE"]) ** 2)
    ours, normalised = nb06["mean_response"].values()
    assert len(ours) == len(normalised) == 6
    # the normalised network's layers respond alike; ours differ by far more
    assert max(normalised.values()) / min(normalised.values()) < nb06["response_spread"]
    assert nb06["spread"] > 100
    assert nb06["shares"][nb06["top"]] > 0.5 and sum(nb06["shares"].values()) == pytest.approx(1.0)


def test_06_emphasising_a_layer_lowers_its_style_loss(nb06):
    losses = nb06["weight_layer_losses"]
    paper = losses["w_l = 1/5 (paper)"]
    assert losses["conv1_1 emphasised"]["conv1_1"] < paper["conv1_1"]
    assert losses["conv5_1 emphasised"]["conv5_1"] < paper["conv5_1"]


def test_06_emphasis_summary_is_computed_from_the_runs(nb06):
    losses, emphasis = nb06["weight_layer_losses"], nb06["emphasis"]
    for layer in ("conv1_1", "conv5_1"):
        own = losses["w_l = 1/5 (paper)"][layer] / losses[f"{layer} emphasised"][layer]
        assert emphasis[layer]["own"] == pytest.approx(own)


def test_06_adam_and_lbfgs_had_the_same_budget(nb06):
    evaluations = list(nb06["evaluations"].values())
    assert len(evaluations) == 2 and evaluations[0] == evaluations[1] == nb06["STEPS"]
    for run in nb06["optimiser_runs"].values():
        assert run["final"]["total"] < run["first"]["total"]


def test_06_initialisations_from_content_style_and_noise_seeds(nb06):
    runs = nb06["init_runs"]
    assert set(runs) == {"content", "style", "noise 0", "noise 1", "noise 2"}
    assert [runs[k]["settings"]["init"] for k in ("content", "style", "noise 1")] == [
        "content",
        "style",
        "noise",
    ]
    assert [runs[f"noise {s}"]["settings"]["seed"] for s in nb06["SEEDS"]] == [0, 1, 2]
    assert len(nb06["noise_differences"]) == 3
    assert all(d > 0.005 for d in nb06["noise_differences"].values())  # new noise, a new picture
    to_photo, to_painting = nb06["init_distances"]["to the photo"], nb06["init_distances"]["to the painting"]
    assert to_photo["content"] < min(to_photo["noise 0"], to_photo["style"])  # an image start biases ...
    assert to_painting["style"] < min(to_painting["noise 0"], to_painting["content"])  # ... towards itself


def test_06_exercise_stubs_show_the_checks_naming_their_mistakes():
    executed = run_notebook("06_losses_and_optimisation.ipynb")
    out = executed.output_text()
    assert "✗ total_loss: the layer weights w_l are missing" in out
    assert "✗ lbfgs_closure: the gradient of the previous evaluation was still there" in out


def test_06_starts_from_faint_noise_and_links_notebook_07():
    import nbformat

    from tests.notebooks.harness import NOTEBOOKS

    nb = nbformat.read(NOTEBOOKS / "06_losses_and_optimisation.ipynb", as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "torch.rand(" not in code and "helpers.noise_image(" in code
    assert "white noise" not in text.replace("starts from white noise", "")
    assert "(07_style_transfer.ipynb#How-our-pictures-differ-from-the-paper's)" in text
