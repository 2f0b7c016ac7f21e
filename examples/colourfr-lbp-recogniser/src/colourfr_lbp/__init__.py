"""colourfr-lbp-recogniser: a recognition system plugin written from docs/plugins.md."""
