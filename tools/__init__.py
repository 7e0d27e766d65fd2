"""Project tools that are not part of the landing zone itself (traceability report)."""
