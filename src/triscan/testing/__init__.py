"""Float64 references and the tolerance rule that tests and `triscan check` judge scans by."""
