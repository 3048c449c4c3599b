"""Identity checks of a citizen's NIK, name and birth date, behind a registry of providers:
the local NIK checksum (the default) and the civil registry, Dukcapil (optional)."""
