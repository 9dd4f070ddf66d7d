"""Image facts and conversions, provenance read from files, reading user-named files."""
