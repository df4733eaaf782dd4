"""Static browser front-end (tablet, console, projector), served by the server."""
