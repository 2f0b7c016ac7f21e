"""Training of colourfr's own DeOldify-style colouriser (NoGAN-like recipe with fastai).

Modules: :mod:`.fastai_compat` (lets fastai's GAN loop import without torchvision),
:mod:`.data` (subject-disjoint LFW training split, data hash), :mod:`.recipe` (the
training recipe). Importing this package imports neither torch nor fastai.
"""
