"""Partner-side adapters: read a partner's native delivery, map its syntax, send it to the hub."""
