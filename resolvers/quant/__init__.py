"""Pure numeric code: synchronous numpy/pandas functions with no I/O, database or web imports."""
