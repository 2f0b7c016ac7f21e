"""DeOldify weights loading, plugin behaviour and training-mode layers (no fixtures needed).

Uses small generators built with the same classes (resnet18 body, small nf_factor) so that
checkpoint files written here are a few tens of MB at most.
"""

from __future__ import annotations

import dataclasses
import pickle
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from colourfr.colourisers import REGISTRY
from colourfr.colourisers.assets import ASSETS, DEOLDIFY_ARTISTIC, DEOLDIFY_STABLE
from colourfr.colourisers.deoldify import build_jantic_generator, pipeline
from colourfr.colourisers.deoldify import plugin as deoldify_plugin
from colourfr.colourisers.deoldify.layers import SpectralNormConv
from colourfr.colourisers.deoldify.unet import UnetConfig
from colourfr.colourisers.deoldify.weights import load_weights, read_checkpoint
from colourfr.errors import AssetError, ColourfrError

TINY = UnetConfig(kind="deep", body="resnet18", nf_factor=0.25)


def tiny_model(seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = build_jantic_generator(TINY.kind, TINY.body, TINY.nf_factor)
    # make BatchNorm statistics non-trivial so a wrong load would show
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.1, 0.1)
            module.running_var.uniform_(0.9, 1.1)
    return model.eval()


@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("weights") / "tiny_gen.pth"
    torch.save(tiny_model().state_dict(), path)
    return path


def grey_face(height: int, width: int, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    base = 128 + 60 * np.sin(xx / 9.0) * np.cos(yy / 13.0)
    return np.clip(base + rng.normal(0, 8, (height, width)), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------- loader


def test_bare_state_dict_loads_and_reproduces_outputs(tiny_checkpoint: Path) -> None:
    reference = tiny_model(seed=0)
    other = tiny_model(seed=5)
    x = torch.randn(1, 3, 64, 64)
    with torch.inference_mode():
        assert not torch.allclose(other(x), reference(x))
        load_weights(other, tiny_checkpoint, "tiny")
        assert torch.equal(other(x), reference(x))


def test_model_opt_wrapper_takes_the_model_part(tmp_path: Path) -> None:
    state = tiny_model().state_dict()
    path = tmp_path / "wrapped.pth"
    torch.save({"model": state, "opt": {"state": {}, "param_groups": []}}, path)
    loaded = read_checkpoint(path, "tiny")
    assert list(loaded) == list(state)


def test_legacy_serialisation_format_loads(tmp_path: Path) -> None:
    """The published files use the pre-1.6 (non-zip) torch.save format."""
    state = tiny_model().state_dict()
    path = tmp_path / "legacy.pth"
    torch.save(state, path, _use_new_zipfile_serialization=False)
    assert torch.equal(
        read_checkpoint(path, "tiny")["layers.11.0.weight_orig"], state["layers.11.0.weight_orig"]
    )


def test_truncated_checkpoint_is_reported_with_its_path(
    tiny_checkpoint: Path, tmp_path: Path
) -> None:
    data = tiny_checkpoint.read_bytes()
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(AssetError, match="truncated.pth"):
        read_checkpoint(truncated, "tiny")


def test_empty_and_missing_checkpoints(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pth"
    empty.write_bytes(b"")
    with pytest.raises(AssetError, match="empty"):
        read_checkpoint(empty, "tiny")
    with pytest.raises(AssetError, match="not found"):
        read_checkpoint(tmp_path / "absent.pth", "tiny")


class _Payload:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("this must never run",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_arbitrary_pickled_objects_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pth"
    with open(path, "wb") as handle:
        pickle.dump({"layers.0.0.weight": _Payload()}, handle)
    with pytest.raises(AssetError, match="evil.pth"):
        read_checkpoint(path, "tiny")


def test_non_mapping_checkpoint_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.pth"
    torch.save([torch.zeros(2)], path)
    with pytest.raises(AssetError, match="not a state_dict"):
        read_checkpoint(path, "tiny")


def test_missing_unexpected_and_misshapen_keys_are_named(tmp_path: Path) -> None:
    state = tiny_model().state_dict()
    missing = dict(state)
    missing.pop("layers.10.layers.0.0.weight_orig")
    missing["module.extra"] = torch.zeros(1)
    path = tmp_path / "keys.pth"
    torch.save(missing, path)
    with pytest.raises(AssetError) as info:
        load_weights(tiny_model(), path, "tiny")
    assert "layers.10.layers.0.0.weight_orig" in str(info.value)
    assert "module.extra" in str(info.value) and "keys.pth" in str(info.value)

    misshapen = dict(state)
    misshapen["layers.11.0.bias"] = torch.zeros(4)
    torch.save(misshapen, path)
    with pytest.raises(AssetError, match=r"layers\.11\.0\.bias: file \[4\] vs network \[3\]"):
        load_weights(tiny_model(), path, "tiny")


def test_failed_load_leaves_the_model_untouched(tmp_path: Path) -> None:
    model = tiny_model(seed=3)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    state = tiny_model(seed=4).state_dict()
    state.pop("layers.1.bias")
    path = tmp_path / "partial.pth"
    torch.save(state, path)
    with pytest.raises(AssetError):
        load_weights(model, path, "tiny")
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())


# ---------------------------------------------------------------------------- assets


def test_asset_catalogue_sizes_and_no_invented_digests() -> None:
    by_name = {asset.name: asset for asset in ASSETS}
    assert by_name["deoldify-stable"].size == 874_066_230
    assert by_name["deoldify-video"].size == 874_066_230
    assert by_name["deoldify-artistic"].size == 255_144_681
    assert all(asset.sha256 is None for asset in ASSETS)  # none published; see docstring
    assert all(asset.urls[0].startswith("https://") for asset in ASSETS)


def test_wrong_size_weights_fail_before_any_model_is_built(
    tiny_checkpoint: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []
    monkeypatch.setattr(deoldify_plugin, "load_generator", lambda *a: built.append("x"))
    with pytest.raises(AssetError, match=r"tiny_gen\.pth has [\d,]+ bytes, expected 874,066,230"):
        deoldify_plugin.DeOldifyColouriser("stable", weights=str(tiny_checkpoint), device="cpu")
    assert built == []


def test_offline_without_weights_gives_one_clear_message(tmp_path: Path) -> None:
    with pytest.raises(AssetError, match="ColorizeArtistic_gen.pth"):
        deoldify_plugin.DeOldifyColouriser(
            "artistic", cache_dir=str(tmp_path), allow_download=False, device="cpu"
        )


# ------------------------------------------------- global allow_downloads / resources_dir


def validated_params(plugin: str, **given: object) -> dict[str, object]:
    """An instance's params as config validation leaves them (schema defaults filled)."""
    from colourfr.config import validate_against

    params = dict(given)
    assert validate_against(REGISTRY.get(plugin).params_schema, params, "p") == []
    return params


@pytest.fixture()
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record download attempts instead of touching the network."""
    import colourfr.assets

    attempts: list[str] = []

    def fake_download(asset: object, destination: object, timeout: float = 60.0) -> Path:
        attempts.append(str(destination))
        raise AssetError(f"download attempted to {destination}")

    monkeypatch.setattr(colourfr.assets, "download", fake_download)
    return attempts


def test_schema_defaults_leave_downloads_to_the_global_switch() -> None:
    params = validated_params("deoldify-stable")
    assert params["cache_dir"] is None and params["allow_download"] is True
    assert params["weights_sha256"] is None
    from colourfr.registry import factory_arguments

    def factory_params(plugin, params, resources_dir, allow_downloads):  # type: ignore[no-untyped-def]
        return factory_arguments(
            REGISTRY.get(plugin),
            params,
            resources_dir=resources_dir,
            allow_downloads=allow_downloads,
        )

    off = factory_params("deoldify-stable", params, "/res", allow_downloads=False)
    assert off["allow_download"] is False
    assert off["cache_dir"] == str(Path("/res") / "models" / "deoldify")
    on = factory_params("deoldify-stable", params, "/res", allow_downloads=True)
    assert on["allow_download"] is True
    # the per-instance flag can forbid a download, never enable one
    vetoed = factory_params("deoldify-stable", {**params, "allow_download": False}, "/res", True)
    assert vetoed["allow_download"] is False
    # an explicit cache_dir is kept; plugins without download params are left alone
    own = factory_params("deoldify-stable", {**params, "cache_dir": "/mine"}, "/res", True)
    assert own["cache_dir"] == "/mine"
    exemplar = validated_params("exemplar-transfer", exemplar=None)
    assert factory_params("exemplar-transfer", exemplar, "/res", True) == exemplar


def test_workflow_offline_default_gives_one_error_naming_file_url_and_config_key(
    tmp_path: Path, no_network: list[str]
) -> None:
    from colourfr.colourisers.run import build_colouriser

    params = validated_params("deoldify-stable", device="cpu")  # allow_download: True
    with pytest.raises(AssetError) as info:
        build_colouriser(
            "deoldify-stable",
            params,
            resources_dir=str(tmp_path),
            allow_downloads=False,
            instance="deoldify-stable",
        )
    message = str(info.value)
    expected_file = tmp_path / "models" / "deoldify" / "ColorizeStable_gen.pth"
    assert str(expected_file) in message
    assert DEOLDIFY_STABLE.urls[0] in message and DEOLDIFY_STABLE.urls[1] in message
    assert "allow_downloads" in message and "params.weights" in message
    assert "colourisers.deoldify-stable" in message
    assert f"colourfr fetch deoldify-stable --dest {expected_file.parent}" in message
    assert no_network == []  # the instance's allow_download: true did not override the global
    assert not expected_file.parent.exists() or not any(expected_file.parent.iterdir())


def test_instance_flag_vetoes_a_globally_allowed_download(
    tmp_path: Path, no_network: list[str]
) -> None:
    from colourfr.colourisers.run import build_colouriser

    params = validated_params("deoldify-video", device="cpu", allow_download=False)
    with pytest.raises(AssetError, match="ColorizeVideo_gen.pth"):
        build_colouriser("deoldify-video", params, str(tmp_path), allow_downloads=True)
    assert no_network == []


def test_download_happens_only_with_the_global_switch_on(
    tmp_path: Path, no_network: list[str]
) -> None:
    from colourfr.colourisers.run import build_colouriser

    params = validated_params("deoldify-artistic", device="cpu")
    with pytest.raises(AssetError, match="download attempted"):
        build_colouriser("deoldify-artistic", params, str(tmp_path), allow_downloads=True)
    assert no_network == [str(tmp_path / "models" / "deoldify" / "ColorizeArtistic_gen.pth")]


def test_weights_in_the_resources_cache_are_used_offline(
    tiny_variant: Path, tmp_path: Path, no_network: list[str]
) -> None:
    from colourfr.colourisers.run import colourise_index

    cache = tmp_path / "res" / "models" / "deoldify"
    cache.mkdir(parents=True)
    (cache / "ColorizeArtistic_gen.pth").write_bytes(tiny_variant.read_bytes())
    grey = tmp_path / "a.png"
    cv2.imwrite(str(grey), grey_face(20, 24))
    import pandas as pd

    index = pd.DataFrame([{"image_id": "a", "path": str(grey), "status": "ok", "detail": ""}])
    params = validated_params("deoldify-artistic", device="cpu", render_factor=2)
    table, provenance = colourise_index(
        index,
        tmp_path / "out",
        plugin="deoldify-artistic",
        params=params,
        batch_size=1,
        resources_dir=str(tmp_path / "res"),
        allow_downloads=False,
    )
    assert table["status"].tolist() == ["ok"] and no_network == []
    assert provenance["colouriser"]["weights"] == str(cache / "ColorizeArtistic_gen.pth")
    assert provenance["allow_downloads"] is False


def test_weights_sha256_pin_is_checked(tiny_variant: Path) -> None:
    import hashlib

    digest = hashlib.sha256(tiny_variant.read_bytes()).hexdigest()
    pinned = deoldify_plugin.artistic(
        weights=str(tiny_variant), weights_sha256=digest.upper(), render_factor=2, device="cpu"
    )
    info = pinned.provenance()
    assert info["weights_sha256"] == digest and info["weights_sha256_pinned"] is True
    with pytest.raises(AssetError, match=rf"tiny_gen\.pth has sha256 {digest}, expected 0+"):
        deoldify_plugin.artistic(weights=str(tiny_variant), weights_sha256="0" * 64, device="cpu")
    with pytest.raises(ColourfrError, match="weights_sha256"):
        deoldify_plugin.artistic(weights=str(tiny_variant), weights_sha256="abc", device="cpu")
    assert validated_params("deoldify-artistic", weights_sha256=digest)["weights_sha256"] == digest
    from colourfr.config import validate_against

    problems = validate_against(
        REGISTRY.get("deoldify-artistic").params_schema,
        {"weights_sha256": "xyz"},
        "colourisers.d.params",
    )
    assert problems and problems[0].startswith("colourisers.d.params.weights_sha256")


# ---------------------------------------------------------------------------- plugin


@pytest.fixture()
def tiny_variant(monkeypatch: pytest.MonkeyPatch, tiny_checkpoint: Path) -> Path:
    """Point deoldify-artistic at the tiny architecture (sizes unknown to the catalogue)."""
    asset = dataclasses.replace(DEOLDIFY_ARTISTIC, size=tiny_checkpoint.stat().st_size)
    variant = deoldify_plugin.Variant(
        "deoldify-artistic",
        asset,
        lambda: build_jantic_generator("deep", "resnet18", 0.25),
        "jantic",
        TINY.to_dict(),
    )
    monkeypatch.setitem(deoldify_plugin.VARIANTS, "artistic", variant)
    return tiny_checkpoint


def test_registry_specs_are_lazy_and_complete() -> None:
    for name in ("deoldify-stable", "deoldify-artistic", "deoldify-video", "deoldify-dana"):
        spec = REGISTRY.get(name)
        assert spec.uses_gpu and spec.path_params == ("weights",)
        props = spec.params_schema["properties"]
        assert props["render_factor"]["default"] == 35
        assert props["weights"]["default"] is None
        assert set(props["device"]["enum"]) == {"auto", "cpu", "cuda"}
        assert props["fp16"]["default"] is False
        assert spec.load_factory().__module__ == "colourfr.colourisers.deoldify.plugin"
    assert "colourfr.colourisers.deoldify.plugin" in sys.modules


def test_plugin_colourises_mixed_sizes_keeping_luma(tiny_variant: Path) -> None:
    colouriser = REGISTRY.get("deoldify-artistic").create(
        weights=str(tiny_variant), render_factor=4, device="cpu", net_batch_size=2
    )
    greys = [grey_face(50, 40), grey_face(33, 61, seed=2), grey_face(64, 64, seed=3)]
    outputs = colouriser.colourise(greys)
    assert [o.shape for o in outputs] == [(50, 40, 3), (33, 61, 3), (64, 64, 3)]
    for grey, rgb in zip(greys, outputs):
        assert rgb.dtype == np.uint8
        luma = cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV)[:, :, 0].astype(int)
        # the merge keeps the input's Y: exact up to fixed-point rounding of the YUV round
        # trip wherever no channel was clipped at 0 or 255 (an untrained net saturates some)
        unclipped = ((rgb > 0) & (rgb < 255)).all(axis=2)
        assert unclipped.mean() > 0.2
        assert np.abs(luma - grey)[unclipped].max() <= 2
    one_by_one = [pipeline.colourise_image(colouriser.model, g, 4) for g in greys]
    for a, b in zip(one_by_one, outputs):
        assert np.abs(a.astype(int) - b.astype(int)).max() <= 3


def test_plugin_accepts_colour_input_as_deoldify_does(tiny_variant: Path) -> None:
    colouriser = deoldify_plugin.artistic(weights=str(tiny_variant), render_factor=2, device="cpu")
    rgb = np.stack([grey_face(40, 40), grey_face(40, 40, 2), grey_face(40, 40, 3)], axis=2)
    out = colouriser.colourise([rgb])[0]
    expected = pipeline.colourise_image(colouriser.model, rgb, 2)
    np.testing.assert_array_equal(out, expected)
    # the network sees luminance only: after undoing the normalisation, the three input
    # channels hold the same 8-bit grey value
    x = pipeline.jantic_net_input(rgb, 2)
    levels = np.rint(
        (x * pipeline.IMAGENET_STD[:, None, None] + pipeline.IMAGENET_MEAN[:, None, None]) * 255
    )
    assert np.array_equal(levels[0], levels[1]) and np.array_equal(levels[1], levels[2])


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((8, 8), np.float32),
        np.zeros((8, 8, 4), np.uint8),
        np.zeros((0, 5), np.uint8),
        "not an image",
    ],
)
def test_plugin_rejects_bad_images_by_position(tiny_variant: Path, bad: object) -> None:
    colouriser = deoldify_plugin.artistic(weights=str(tiny_variant), render_factor=2, device="cpu")
    with pytest.raises(ColourfrError, match="image 1"):
        colouriser.colourise([grey_face(8, 8), bad])  # type: ignore[list-item]


def test_plugin_provenance_records_weights_digest_and_settings(tiny_variant: Path) -> None:
    colouriser = deoldify_plugin.artistic(
        weights=str(tiny_variant), render_factor=3, device="cpu", fp16=True
    )
    info = colouriser.provenance()
    import hashlib

    assert info["weights_sha256"] == hashlib.sha256(tiny_variant.read_bytes()).hexdigest()
    assert info["render_factor"] == 3 and info["watermark"] is False
    assert info["fp16"] is False  # fp16 only takes effect on CUDA
    assert info["architecture"]["body"] == "resnet18"


def test_bad_settings_are_config_errors(tiny_variant: Path) -> None:
    with pytest.raises(ColourfrError, match="render_factor"):
        deoldify_plugin.artistic(weights=str(tiny_variant), render_factor=0, device="cpu")
    with pytest.raises(ColourfrError, match="device"):
        deoldify_plugin.artistic(weights=str(tiny_variant), device="tpu")


def test_published_layouts_build_on_meta_with_expected_parameter_counts() -> None:
    """Parameter counts from the fixtures README (section 2) for stable and artistic."""
    counts = {}
    for name in ("stable", "artistic"):
        with torch.device("meta"):
            model = deoldify_plugin.VARIANTS[name].build()
        counts[name] = sum(p.numel() for p in model.parameters())
    assert counts == {"stable": 218_222_197, "artistic": 63_646_881}
    assert DEOLDIFY_STABLE.size is not None


# ---------------------------------------------------------------------------- layers


def test_spectral_norm_power_iteration_converges_to_largest_singular_value() -> None:
    torch.manual_seed(0)
    conv = SpectralNormConv(6, 5, 3, bias=True).train()
    x = torch.randn(2, 6, 8, 8)
    for _ in range(60):
        conv(x)
    conv.eval()
    matrix = conv.weight_orig.detach().reshape(5, -1)
    sigma_true = torch.linalg.matrix_norm(matrix, ord=2)
    normalised = conv.normalised_weight().detach().reshape(5, -1)
    assert torch.linalg.matrix_norm(normalised, ord=2) == pytest.approx(1.0, abs=1e-4)
    assert float(torch.dot(conv.weight_u, matrix @ conv.weight_v)) == pytest.approx(
        float(sigma_true), rel=1e-4
    )


def test_eval_mode_uses_stored_vectors_without_updating_them() -> None:
    conv = SpectralNormConv(4, 3, 1, bias=False).eval()
    u_before, v_before = conv.weight_u.clone(), conv.weight_v.clone()
    conv(torch.randn(1, 4, 5, 5))
    assert torch.equal(conv.weight_u, u_before) and torch.equal(conv.weight_v, v_before)
    matrix = conv.weight_orig.detach().reshape(3, -1)
    sigma = torch.dot(u_before, matrix @ v_before)
    torch.testing.assert_close(conv.normalised_weight().detach(), conv.weight_orig.detach() / sigma)


def test_generator_trains_one_step() -> None:
    torch.manual_seed(0)
    model = build_jantic_generator("wide", "resnet18", 0.125, self_attention=True).train()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(2, 3, 48, 48)
    loss = (model(x) - x).abs().mean()
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    optimiser.step()
    assert float((model(x) - x).abs().mean()) != float(loss)


def test_inference_weight_cache_follows_parameter_changes() -> None:
    torch.manual_seed(0)
    model = build_jantic_generator("deep", "resnet18", 0.25)
    x = torch.randn(1, 3, 32, 32)
    with torch.inference_mode():
        first = model(x)
        assert torch.equal(model(x), first)  # cached weights give the same result
    with torch.no_grad():
        model.layers[11][0].weight_orig.add_(0.5)  # an optimiser-style in-place update
        assert not torch.equal(model(x), first)
        model.load_state_dict(build_jantic_generator("deep", "resnet18", 0.25).state_dict())
        reloaded = model(x)
    fresh = build_jantic_generator("deep", "resnet18", 0.25)
    fresh.load_state_dict(model.state_dict())
    with torch.no_grad():
        assert torch.equal(fresh(x), reloaded)


def test_fresh_network_starts_with_unit_spectral_norms() -> None:
    torch.manual_seed(1)
    conv = SpectralNormConv(16, 8, 3, bias=False).eval()
    normalised = conv.normalised_weight().detach().reshape(8, -1)
    assert float(torch.linalg.matrix_norm(normalised, ord=2)) == pytest.approx(1.0, abs=0.05)


def test_half_precision_run_does_not_poison_the_float32_path() -> None:
    torch.manual_seed(0)
    model = build_jantic_generator("deep", "resnet18", 0.25)
    x = np.random.default_rng(0).standard_normal((2, 3, 32, 32)).astype(np.float32)
    reference = pipeline.run_network(model, x)
    half = pipeline.run_network(model, x, fp16=True)  # CPU autocast here, CUDA in production
    assert half.dtype == np.float32 and np.isfinite(half).all()
    assert np.abs(half - reference).max() < 0.1  # fp16 is close, not exact
    np.testing.assert_array_equal(pipeline.run_network(model, x), reference)
