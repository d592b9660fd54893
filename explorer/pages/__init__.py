"""The explorer's five pages, one module each: scenario, plan, map, routes and downloads, compare."""
