"""A worked example of a colourfr plugin distribution (docs/plugins.md).

- ``mean-chroma`` colouriser: every face gets the mean skin chroma (CIELAB a*, b*) that a
  workflow artifact fits on a set of colour training faces, at the grey image's own
  lightness. A deliberately simple learned colouriser: it shows params, an artifact built
  by the workflow, its own conda environment, and the training-subject guard.
- ``laplacian-sharpness`` quality estimator: the variance of the Laplacian of the face's
  bounding box, a classic focus measure, mapped to [0, 1].
"""

__version__ = "0.1.0"
