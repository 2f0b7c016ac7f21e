"""Snakemake script: train the trained-unet colouriser of one instance (rule train_colouriser)."""

from pathlib import Path

from colourfr.colourisers.training.recipe import make_config, train_and_save
from colourfr.logs import setup_script_logging

log = setup_script_logging(snakemake)  # noqa: F821
settings = snakemake.params.instance  # noqa: F821
params = settings["params"]
overrides = dict(params.get("training") or {})
overrides.setdefault("threads", snakemake.threads)  # noqa: F821
if not settings.get("gpu"):
    overrides.setdefault("device", "cpu")  # no gpu=1 resource was requested for this job
config = make_config(params.get("profile", "cpu"), overrides)
record = train_and_save(
    params["lfw_root"],
    Path(snakemake.output.checkpoint).parent,  # noqa: F821
    config,
    profile=params.get("profile", "cpu"),
)
history = record["history"]
log.info(
    "trained on %d images of %d people in %.0f s; valid loss %.4f -> %.4f; data sha256 %s",
    record["data"]["n_images"],
    record["data"]["n_people"],
    record["wall_time_s"],
    history["valid_loss_initial"],
    history["valid_loss_final"],
    record["data"]["data_sha256"],
)
