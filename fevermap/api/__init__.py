"""The thin outer layer: the FastAPI app, the ``fevermap`` command line and the web map (no business logic)."""
