"""Work instructions: files attached to a routing step, shown on the operator terminal."""
