"""The gateway service (`govlake serve`): FastAPI app, limits, output formats, the console."""
