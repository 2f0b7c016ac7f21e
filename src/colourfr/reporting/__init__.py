"""Tables and figures of the results (performance tables, DET, FRR-threshold plots)."""
