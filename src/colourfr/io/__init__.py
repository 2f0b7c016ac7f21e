"""Every file format the workflow writes, with its one writer and its one reader.

- :mod:`.atomic`: how every output is written (temporary file in the same folder, fsync,
  rename), so that a killed job never leaves a file that looks complete;
- :mod:`.status`: the status and failure-reason constants written into those files;
- :mod:`.csv`: CSV tables with a completion marker and validating reads;
- :mod:`.variant_index`, :mod:`.manifest`, :mod:`.recognition_shard`,
  :mod:`.quality_shard`, :mod:`.scores`: the per-stage formats;
- :mod:`.tables`, :mod:`.figures`: the one table writer (CSV, Markdown, LaTeX with
  caption) and the one figure saver (PNG and PDF) for readers.
"""
