"""Media a citizen sends: fetched once, kept by sha256; voice notes transcribed."""
