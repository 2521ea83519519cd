"""``carbon-hub demo``: the sample deliveries end to end on an embedded hub."""
