"""One file per schema revision; the first (0001_base) is the base, never edited once released."""
