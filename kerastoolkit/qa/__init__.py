"""Question answering on bAbI: what the bAbI recipes share (their config, splits, scoring and answering)."""
