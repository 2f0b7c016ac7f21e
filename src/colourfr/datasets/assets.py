"""Downloadable dataset files (pure data).

The LFW digests are those scikit-learn's loader pins (figshare mirror) or, for the
protocol files it does not fetch, the sha256 of the untouched official files. For the
deep-funneled archive no sha256 is known, but its MD5 is published: on the LFW site next
to the download link ("md5sum 68331da3..."), and in torchvision's and other loaders.
That MD5 is checked (the same sources' MD5s of the six protocol files equal those of the
official files, checked in tests/test_datasets.py); pin a sha256 in your config once you
have a copy.
"""

from colourfr.assets import Asset

LFW_DEEPFUNNELED = Asset(
    name="lfw-deepfunneled",
    urls=("http://vis-www.cs.umass.edu/lfw/lfw-deepfunneled.tgz",),
    sha256=None,
    md5="68331da3eb755a505a502b5aacb3c201",  # published by the LFW site and torchvision
    filename="lfw-deepfunneled.tgz",
    licence="LFW research benchmark terms; cite Huang et al. 2007 and 2012",
)
LFW_FUNNELED = Asset(
    name="lfw-funneled",
    urls=(
        "https://ndownloader.figshare.com/files/5976015",
        "http://vis-www.cs.umass.edu/lfw/lfw-funneled.tgz",
    ),
    sha256="b47c8422c8cded889dc5a13418c4bc2abbda121092b3533a83306f90d900100a",
    filename="lfw-funneled.tgz",
    licence="LFW research benchmark terms; cite Huang et al. 2007",
)
_LFW_SITE = "http://vis-www.cs.umass.edu/lfw/"


def _lfw_protocol_file(filename: str, sha256: str, figshare_file: str | None = None) -> Asset:
    """One of LFW's protocol text files: from figshare where it has a copy, else the site."""
    mirror = (f"https://ndownloader.figshare.com/files/{figshare_file}",) if figshare_file else ()
    return Asset(
        name=f"lfw-{filename.removesuffix('.txt')}",
        urls=(*mirror, _LFW_SITE + filename),
        sha256=sha256,
        filename=filename,
    )


LFW_PROTOCOL_FILES = (
    _lfw_protocol_file(
        "pairs.txt", "ea42330c62c92989f9d7c03237ed5d591365e89b3e649747777b70e692dc1592", "5976006"
    ),
    _lfw_protocol_file(
        "pairsDevTrain.txt",
        "1d454dada7dfeca0e7eab6f65dc4e97a6312d44cf142207be28d688be92aabfa",
        "5976012",
    ),
    _lfw_protocol_file(
        "pairsDevTest.txt",
        "7cb06600ea8b2814ac26e946201cdb304296262aad67d046a16a7ec85d0ff87c",
        "5976009",
    ),
    _lfw_protocol_file(
        "people.txt", "bc8fa2b7f25c895cf7efb6de4f4fc27ca8b8d1cfa63350ad8b96eae2b198d365"
    ),
    _lfw_protocol_file(
        "peopleDevTrain.txt", "2e58df13ba4cc143189336e001cc2c195f1dfa5b29a6475c02857be353c2a2fa"
    ),
    _lfw_protocol_file(
        "peopleDevTest.txt", "c3ed1f90499473401542101a56c14c1d82396bb8218c67a356d7460601047555"
    ),
)

ASSETS = [LFW_DEEPFUNNELED, LFW_FUNNELED, *LFW_PROTOCOL_FILES]

#: Archive per LFW ``images_dir`` option, with the folder name inside the archive.
LFW_ARCHIVES = {
    "images_deepfunneled": (LFW_DEEPFUNNELED, "lfw-deepfunneled"),
    "images_funneled": (LFW_FUNNELED, "lfw_funneled"),
}
