"""Geometry on a well-kept library (shapely on GEOS), behind hub.services.boundary_port."""
