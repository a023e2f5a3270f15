"""Plans as data: targets with deadlines, held against the figures of the statistics hub."""
