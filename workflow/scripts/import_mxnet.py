"""Snakemake script: MXNet MobileFaceNet -> ONNX with the project's own importer."""

import contextlib

from colourfr.cli import main as colourfr_main
from colourfr.errors import ColourfrError

command = [
    "models",
    "import-mxnet",
    snakemake.input.symbol,  # noqa: F821
    snakemake.input.params,  # noqa: F821
    snakemake.output[0],  # noqa: F821
]
with (
    open(snakemake.log[0], "w") as handle,  # noqa: F821
    contextlib.redirect_stdout(handle),
    contextlib.redirect_stderr(handle),
):
    status = colourfr_main(command)
if status != 0:
    raise ColourfrError(
        f"colourfr {' '.join(command)} failed (exit {status}); see {snakemake.log[0]}"  # noqa: F821
    )
