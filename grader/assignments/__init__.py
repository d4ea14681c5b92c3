"""An assignment folder: its manifest, its package, what ships to students."""
