"""Running untrusted notebook code in child processes, and talking to them."""
