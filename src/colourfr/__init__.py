"""colourfr: does generative colourisation help face recognition?"""

__version__ = "0.1.0"
