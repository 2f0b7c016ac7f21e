"""Exception types shared by the whole package.

Every error the workflow raises on bad input derives from ``ColourfrError`` so that
the CLI and Snakemake scripts can print one clear line instead of a traceback.
"""

from __future__ import annotations


class ColourfrError(Exception):
    """Base class: a problem with the user's input, config or files (not a bug)."""


class ConfigError(ColourfrError):
    """The configuration is invalid; the message names the key at fault."""


class ManifestError(ColourfrError):
    """A dataset could not be turned into a valid manifest; the message names the file."""


class UnknownPluginError(ConfigError):
    """A config names a plugin that no registry knows."""


class AssetError(ColourfrError):
    """A model/data file is missing, truncated, or fails its checksum."""


class ImageReadError(ColourfrError):
    """An image could not be decoded; carries a machine-readable reason."""

    def __init__(self, path: str, reason: str, detail: str = "") -> None:
        self.path = path
        self.reason = reason
        self.detail = detail
        super().__init__(f"{path}: {reason}" + (f" ({detail})" if detail else ""))


class PluginLoadError(ConfigError):
    """An installed plugin cannot be used: its entry point fails to import, its spec is
    invalid, or two distributions register the same name. Names the distribution."""


class PluginRuntimeError(ColourfrError):
    """A plugin's model runtime failed, or broke its contract, on inputs that are not to
    blame (an onnxruntime or CUDA error, too few results): the job fails so that it can
    be rerun, instead of counting the images as failures to acquire."""
