"""The character service: our own roster of mascot characters, one or more per waste category."""
